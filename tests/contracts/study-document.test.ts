import { describe, expect, it } from 'vitest';
import {
  StudyDocumentError,
  buildStudyDocument,
  checkStudyDocumentSize,
  maxStudyDocumentBytes,
  parseStudyDocument,
  serializeStudyDocument,
} from '../../src/contracts/study-document.ts';
import { presetTargetIds } from '../../src/core/targets.ts';
import { documentOf, environment, paretoFront, study, studyId, trials } from './study-fixture.ts';

const file = 'study.json';
const remove = Symbol('remove');

/** The valid document as plain JSON, with the value at `path` (dot-separated, numbers index lists) replaced or removed. */
function changed(path: string, value: unknown): string {
  const root: unknown = JSON.parse(serializeStudyDocument(documentOf()));
  const keys = path.split('.');
  let parent = root as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = keys[keys.length - 1]!;
  if (value === remove) delete parent[last];
  else parent[last] = value;
  return JSON.stringify(root);
}

const text = serializeStudyDocument(documentOf());

function parseError(input: string): string {
  try {
    parseStudyDocument(input, file);
  } catch (error) {
    expect(error).toBeInstanceOf(StudyDocumentError);
    return (error as Error).message;
  }
  throw new Error('the document was accepted');
}

function jsonParseMessage(input: string): string {
  try {
    JSON.parse(input);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('valid JSON');
}

const nested = (depth: number): unknown => {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
};

const documentFields = 'schemaVersion, kind, study, trials, paretoFront, environment';
const configFields = 'name, dataset, targets, accounting, searchSpace, pruning, strategy, budget, epochs, batchSize, learningRate, seed, earlyStopping';
const trialFields = 'id, index, status, architecture, hyperparameters, sampledArchitecture, metrics, resources, timings, backend, error, skipReason, stopReason, workerLost';
const metricFields = 'testAccuracy, int8TestAccuracy, valAccuracy, testAccuracyBeforePruning, nonzeroWeights, totalWeights, sparsity, epochsRun, bestEpoch, valAccuracyByEpoch';
const targetList = 'arduino-uno, stm32f446re, my-board';

describe('the study document', () => {
  it('round-trips exactly: parse(serialize(doc)) equals doc, and serialising again gives the same text', () => {
    const doc = documentOf();
    const parsed = parseStudyDocument(text, file);
    expect(parsed).toStrictEqual(doc);
    expect(serializeStudyDocument(parsed)).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toBe('  "schemaVersion": 1,');
  });

  it("keeps a failed trial's workerLost mark (a shared study's lost worker, issue 15) through a round trip", () => {
    const lost = trials.map((t) => (t.status === 'failed' ? { ...t, workerLost: true as const } : t));
    const written = serializeStudyDocument(buildStudyDocument(study, lost, paretoFront, environment));
    const back = parseStudyDocument(written, file);
    expect(back.trials.filter((t) => t.workerLost === true).map((t) => t.index)).toEqual(trials.filter((t) => t.status === 'failed').map((t) => t.index));
    expect(back.trials.filter((t) => t.workerLost === true).length).toBeGreaterThan(0);
  });

  it('is built from a study: trials in order of proposal, without their studyId, the extra layer fields kept', () => {
    const doc = buildStudyDocument(study, [...trials].reverse(), paretoFront, environment);
    expect(doc.trials.map((t) => t.index)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(doc.trials.every((t) => !('studyId' in t))).toBe(true);
    expect(doc.trials[3]!.architecture.layers[0]).toEqual({ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'same', keep: [0, 2, 5, 7] });
    expect(doc.study).toEqual({ id: studyId, createdAt: study.createdAt, config: study.config });
    const stranger = { ...trials[0]!, studyId: 'study-other' };
    expect(() => buildStudyDocument(study, [stranger], [], environment)).toThrow(
      `the study export: trials[0]: belongs to study "study-other", not to "${studyId}"`,
    );
  });

  it('says whether the study finished (issue 13): only a completed one writes its status, and a status is checked', () => {
    expect(buildStudyDocument({ ...study, status: 'completed' }, trials, paretoFront, environment).study.status).toBe('completed');
    expect(buildStudyDocument({ ...study, status: 'stopped' }, trials, paretoFront, environment).study).not.toHaveProperty('status');
    expect(parseStudyDocument(changed('study.status', 'stopped'), file).study.status).toBe('stopped');
    expect(() => parseStudyDocument(changed('study.status', 'running'), file)).toThrow(`${file}: study.status: must be one of "completed", "stopped", "failed", got "running"`);
  });

  it('says how a study ended and why (issue 14): a completed or failed one writes its status and statusReason, read back on import', () => {
    const reason = 'every trial failed: evaluate: the validation set has no images';
    const failed = buildStudyDocument({ ...study, status: 'failed', statusReason: reason }, trials, paretoFront, environment);
    expect(failed.study).toEqual({ id: studyId, createdAt: study.createdAt, config: study.config, status: 'failed', statusReason: reason });
    const text = serializeStudyDocument(failed);
    expect(parseStudyDocument(text, file)).toEqual(failed);
    expect(text).toContain(`"status": "failed",\n    "statusReason": "${reason}"\n  },`);
    const completed = buildStudyDocument({ ...study, status: 'completed', statusReason: 'the budget of 7 trials is spent' }, trials, paretoFront, environment);
    expect(completed.study.statusReason).toBe('the budget of 7 trials is spent');
    // A stopped or running study writes neither (an import is 'stopped' anyway); a completed one stored before reasons existed writes only its status.
    expect(buildStudyDocument({ ...study, status: 'stopped', statusReason: 'stopped by you' }, trials, paretoFront, environment).study).toEqual(documentOf().study);
    expect(buildStudyDocument({ ...study, status: 'completed' }, trials, paretoFront, environment).study).not.toHaveProperty('statusReason');
    // Older files without them still read; a reason is text, comes with a status, and has a bound.
    expect(parseStudyDocument(serializeStudyDocument(documentOf()), file).study).not.toHaveProperty('statusReason');
    expect(() => parseStudyDocument(changed('study.statusReason', 'why'), file)).toThrow(
      `${file}: study.statusReason: says why a study ended, and this one has no status; a statusReason comes with a status`,
    );
    expect(() => parseStudyDocument(text.replace(`"${reason}"`, '42'), file)).toThrow(`${file}: study.statusReason: must be text, got 42`);
    expect(() => parseStudyDocument(text.replace(`"${reason}"`, `"${'x'.repeat(4001)}"`), file)).toThrow(
      `${file}: study.statusReason: is 4001 characters long; at most 4000 are allowed`,
    );
  });

  it('keeps markup in names verbatim, as plain text', () => {
    const name = '<img src=x onerror="alert(1)">&amp; <b>bold</b>';
    const doc = parseStudyDocument(changed('study.config.name', name), file);
    expect(doc.study.config.name).toBe(name);
    const error = '<script>alert("x")</script>';
    expect(parseStudyDocument(changed('trials.1.error', error), file).trials[1]!.error).toBe(error);
  });

  it('reads a file that starts with a byte-order mark', () => {
    expect(parseStudyDocument(`\uFEFF${text}`, file)).toStrictEqual(documentOf());
  });

  it('refuses a file over 50 MB before parsing it, counting UTF-8 bytes', () => {
    expect(() => checkStudyDocumentSize(maxStudyDocumentBytes, file)).not.toThrow();
    expect(() => checkStudyDocumentSize(60_000_000, 'big.json')).toThrow('big.json: is 60,000,000 bytes; a study document may be at most 50 MB (52,428,800 bytes)');
  });
});

/** [what, the file's text, the exact message]. */
const malformed: [string, () => string, string][] = [
  ['a newer schema version', () => changed('schemaVersion', 2), 'study.json: schemaVersion: is 2, from a newer version of the playground; this one reads version 1'],
  ['the version as text', () => changed('schemaVersion', '1'), 'study.json: schemaVersion: must be 1, got "1"'],
  ['no version', () => changed('schemaVersion', remove), 'study.json: schemaVersion: is missing; this is not a study export of the playground'],
  ['another kind', () => changed('kind', 'model'), 'study.json: kind: must be "sparse-search-study", got "model"; this is not a study export of the playground'],
  ['a list instead of the document', () => '[1, 2]', 'study.json: must be a JSON object (a study export), got a list'],
  ['a file cut short', () => text.slice(0, 100), `study.json: is not valid JSON (${jsonParseMessage(text.slice(0, 100))})`],
  ['NaN written as text', () => text.replace('"seed": 7', '"seed": NaN'), `study.json: is not valid JSON (${jsonParseMessage(text.replace('"seed": 7', '"seed": NaN'))})`],
  ['Infinity via an overflowing number', () => changed('trials.0.metrics.testAccuracy', 0).replace('"testAccuracy":0', '"testAccuracy":1e999'), 'study.json: trials[0].metrics.testAccuracy: must be a number from 0 to 1, got Infinity'],
  ['an accuracy above 1', () => changed('trials.3.metrics.testAccuracy', 1.5), 'study.json: trials[3].metrics.testAccuracy: must be a number from 0 to 1, got 1.5'],
  ['negative bytes', () => changed('trials.0.resources.modelSizeBytes', -5), 'study.json: trials[0].resources.modelSizeBytes: must be a whole number of bytes (0 or more), got -5'],
  ['fractional bytes', () => changed('trials.0.resources.targets.1.sramBytes', 10.5), 'study.json: trials[0].resources.targets[1].sramBytes: must be a whole number of bytes (0 or more), got 10.5'],
  ['an extra field at the top', () => changed('comment', 'hi'), `study.json: comment: is not a field of a study document; expected ${documentFields}`],
  ['a __proto__ field', () => text.replace('"schemaVersion": 1,', '"schemaVersion": 1, "__proto__": { "polluted": true },'), `study.json: __proto__: is not a field of a study document; expected ${documentFields}`],
  ['an extra field in the config', () => changed('study.config.colour', 'red'), `study.json: study.config.colour: is not a field of a study config; expected ${configFields}`],
  ['an extra field in the metrics', () => changed('trials.0.metrics.f1', 0.5), `study.json: trials[0].metrics.f1: is not a field of the metrics of a trial; expected ${metricFields}`],
  ['an extra field in a target verdict', () => changed('trials.0.resources.targets.0.feasible.eco', true), 'study.json: trials[0].resources.targets[0].feasible.eco: is not a field of the verdict per accounting mode; expected paper, deploy'],
  ['a studyId inside a trial', () => changed('trials.2.studyId', studyId), `study.json: trials[2].studyId: is not a field of a trial; expected ${trialFields}`],
  ['a missing config field', () => changed('study.config.epochs', remove), 'study.json: study.config.epochs: is missing; it must be an integer from 1 to 10000'],
  ['a number for a name', () => changed('study.config.name', 42), 'study.json: study.config.name: must be text, got 42'],
  ['a control character in a name', () => changed('study.config.name', 'Dig\u0007its'), 'study.json: study.config.name: contains the control character U+0007 at position 3; only plain text is allowed'],
  ['a name too long', () => changed('study.config.name', 'x'.repeat(201)), 'study.json: study.config.name: is 201 characters long; at most 200 are allowed'],
  ['an id with a space', () => changed('study.id', 'my study'), 'study.json: study.id: must be an id of 1 to 200 letters, digits, ".", "_", ":" or "-" (starting with a letter or digit), got "my study"'],
  ['a time that is not ISO 8601', () => changed('study.createdAt', 'yesterday'), 'study.json: study.createdAt: must be an ISO 8601 time such as "2026-11-05T09:30:00.000Z", got "yesterday"'],
  ['an unknown status', () => changed('trials.1.status', 'done'), 'study.json: trials[1].status: must be one of "queued", "running", "completed", "stopped", "failed", "skipped", got "done"'],
  ['a completed trial without metrics', () => changed('trials.0.metrics', remove), 'study.json: trials[0].metrics: is missing; a "completed" trial must have metrics'],
  ['a completed trial without a backend', () => changed('trials.3.backend', remove), 'study.json: trials[3].backend: is missing; a "completed" trial must have backend'],
  ['a failed trial with metrics', () => changed('trials.1.metrics', {}), 'study.json: trials[1].metrics: only a "completed" or "stopped" trial has metrics; this one is "failed"'],
  ['a stopped trial without its reason', () => changed('trials.6.stopReason', remove), 'study.json: trials[6].stopReason: is missing; a "stopped" trial must have stopReason'],
  ['a completed trial with a stop reason', () => changed('trials.0.stopReason', 'why'), 'study.json: trials[0].stopReason: only a "stopped" trial has a stopReason; this one is "completed"'],
  ['a validation curve above 1', () => changed('trials.6.metrics.valAccuracyByEpoch', [0.4, 1.2]), 'study.json: trials[6].metrics.valAccuracyByEpoch[1]: must be a number from 0 to 1, got 1.2'],
  ['early stopping as text', () => changed('study.config.earlyStopping', 'on'), 'study.json: study.config.earlyStopping: must be true or false, got "on"'],
  ['a Pareto front naming a stopped trial', () => changed('paretoFront.0', `${studyId}.6`), `study.json: paretoFront[0]: trial "${studyId}.6" is "stopped"; only completed trials can be on the Pareto front`],
  ['a failed trial without its error', () => changed('trials.1.error', remove), 'study.json: trials[1].error: is missing; a "failed" trial must have error'],
  ['a skipped trial without its reason', () => changed('trials.2.skipReason', remove), 'study.json: trials[2].skipReason: is missing; a "skipped" trial must have skipReason'],
  ['a completed trial marked workerLost', () => changed('trials.0.workerLost', true), 'study.json: trials[0].workerLost: only a "failed" trial has workerLost; this one is "completed"'],
  ['workerLost false on a failed trial', () => changed('trials.1.workerLost', false), 'study.json: trials[1].workerLost: must be true when present, got false'],
  ['a queued trial with an error', () => changed('trials.5.error', 'oops'), 'study.json: trials[5].error: only a "failed" trial has an error; this one is "queued"'],
  ['two trials with one id', () => changed('trials.2.id', `${studyId}.0`), `study.json: trials[2].id: "${studyId}.0" is also the id of trials[0]; trial ids must be unique`],
  ['two trials with one index', () => changed('trials.4.index', 1), 'study.json: trials[4].index: 1 is also the index of trials[1]; each trial has its own index'],
  ['a Pareto front naming a missing trial', () => changed('paretoFront.1', 'ghost'), 'study.json: paretoFront[1]: "ghost" is not the id of a trial in this document'],
  ['a Pareto front naming a failed trial', () => changed('paretoFront.0', `${studyId}.1`), `study.json: paretoFront[0]: trial "${studyId}.1" is "failed"; only completed trials can be on the Pareto front`],
  ['a Pareto front naming a trial twice', () => changed('paretoFront.1', `${studyId}.0`), 'study.json: paretoFront[1]: "study-0123456789abcdef0123.0" is listed twice'],
  ['a file over 50 MB', () => `${' '.repeat(maxStudyDocumentBytes - 1)}{}`, 'study.json: is 52,428,801 bytes; a study document may be at most 50 MB (52,428,800 bytes)'],
  ['under 50 M characters but over 50 MB in UTF-8', () => `"${'é'.repeat(26_214_400)}"`, 'study.json: is 52,428,802 bytes; a study document may be at most 50 MB (52,428,800 bytes)'],
  ['an unknown layer type', () => changed('trials.0.architecture.layers.0.type', 'conv3d'), 'study.json: trials[0].architecture.layers[0]: unknown layer type "conv3d"; expected one of conv, separableConv, downsampledConv, maxPool, avgPool, flatten, globalAvgPool, dense'],
  ['a kernel that does not fit, naming the layer', () => changed('trials.3.architecture.layers.0', { type: 'conv', filters: 4, kernel: 9, stride: 1, padding: 'valid' }), 'study.json: trials[3].architecture.layers[0] (conv): kernel 9 with padding "valid" does not fit its 8×8 input (the output would be 0×0)'],
  ['an architecture for another input', () => changed('trials.2.architecture.input', { height: 28, width: 28, channels: 1 }), "study.json: trials[2].architecture.input: 28×28×1 differs from the search space's 8×8×1"],
  ['a sampled architecture with too few classes', () => changed('trials.3.sampledArchitecture.classes', 1), 'study.json: trials[3].sampledArchitecture: "classes" must be an integer from 2 to 10000, got 1'],
  ['an invalid search space', () => changed('study.config.searchSpace.kernels', [0]), 'study.json: study.config.searchSpace.kernels: must be a non-empty list of integers from 1 to 31, got [0]'],
  ['an extra field in the search space', () => changed('study.config.searchSpace.pooling.stride', 2), 'study.json: study.config.searchSpace.pooling.stride: is not a field of the search space; expected one of types, sizes, probability'],
  ['an unknown target id', () => changed('study.config.targets.0', 'arduino-mega'), `study.json: study.config.targets[0]: unknown target "arduino-mega"; expected a preset id (${presetTargetIds.join(', ')}) or a custom target object`],
  ['a custom target with an unknown core', () => changed('study.config.targets.2.core', 'z80'), 'study.json: study.config.targets[2]: "core" must be one of avr8, cortex-m0, cortex-m0plus, cortex-m4f, cortex-m7, xtensa-lx6, got "z80"'],
  ['a target listed twice', () => changed('study.config.targets.1', 'arduino-uno'), 'study.json: study.config.targets[1]: target "arduino-uno" is listed twice'],
  ['resources for a target not in the study', () => changed('trials.0.resources.targets.2.id', 'esp32'), `study.json: trials[0].resources.targets[2].id: "esp32" is not one of the study's targets (${targetList})`],
  ['deep nesting inside a layer', () => changed('trials.3.architecture.layers.0.keep', nested(20)), `study.json: trials[3].architecture.layers[0].keep${'[0]'.repeat(13)}: is nested more than 16 levels deep`],
  ['deep nesting where text belongs', () => text.replace('"name": "Digits on an Uno"', `"name": ${'['.repeat(100_000)}${']'.repeat(100_000)}`), 'study.json: study.config.name: must be text, got a list'],
  ['a list instead of the metrics object', () => changed('trials.0.metrics', [0.9, 0.8]), 'study.json: trials[0].metrics: must be an object (the metrics of a trial), got a list'],
  ['an object instead of the trials list', () => changed('trials', {}), 'study.json: trials: must be a list of trials, got an object'],
  ['null instead of the study', () => changed('study', null), 'study.json: study: must be an object (the study), got null'],
  ['more non-zero weights than weights', () => changed('trials.0.metrics.nonzeroWeights', 5000), 'study.json: trials[0].metrics.nonzeroWeights: 5000 is more than totalWeights (1256)'],
  ['an empty budget', () => changed('study.config.budget', {}), 'study.json: study.config.budget: must set trials, minutes or both'],
  ['a pruning sparsity of 1', () => changed('trials.0.hyperparameters.pruning.sparsity', 1), 'study.json: trials[0].hyperparameters.pruning.sparsity: must be a number at least 0 and below 1, got 1'],
  ['text for a verdict', () => changed('trials.0.resources.targets.0.feasible.paper', 'yes'), 'study.json: trials[0].resources.targets[0].feasible.paper: must be true or false, got "yes"'],
  ['a negative learning rate', () => changed('study.config.learningRate', -0.01), 'study.json: study.config.learningRate: must be a number above 0 and at most 10, got -0.01'],
  ['non-zero counts for too few ops', () => changed('trials.0.resources.nonzeroWeightsByOp', [10, 20]), 'study.json: trials[0].resources.nonzeroWeightsByOp: does not fit the trial\'s architecture: 2 non-zero counts for the 3 weighted ops of the architecture'],
  ['more non-zero weights than an op has', () => changed('trials.0.resources.nonzeroWeightsByOp', [37, 10, 10]), 'study.json: trials[0].resources.nonzeroWeightsByOp: does not fit the trial\'s architecture: layers[0] (conv): 37 non-zero weights; it has 36'],
  ['an empty environment', () => changed('environment', {}), 'study.json: environment.tfjsVersion: is missing; it must be text'],
];

describe('a malformed study document is refused with the file, the JSON path and the reason', () => {
  it('has at least 30 distinct cases', () => {
    expect(new Set(malformed.map(([what]) => what)).size).toBe(malformed.length);
    expect(malformed.length).toBeGreaterThanOrEqual(30);
  });

  it.each(malformed)('%s', (_what, input, message) => {
    expect(parseError(input())).toBe(message);
  });

  it('does not let a __proto__ field reach the prototype', () => {
    parseError(text.replace('"schemaVersion": 1,', '"schemaVersion": 1, "__proto__": { "polluted": true },'));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
