import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/common.ts';
import { runSearch } from '../../src/cli/search-command.ts';
import { parseStudyDocument } from '../../src/contracts/study-document.ts';

const dir = mkdtempSync(join(tmpdir(), 'search-'));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;

async function failure(argv: string[]): Promise<CliError> {
  try {
    await runSearch(argv, { progress: quiet });
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected the command to fail');
}

describe('npm run search', { timeout: 300_000 }, () => {
  it('writes a valid study document, and the same seed gives the same first candidates', async () => {
    const docs = [];
    for (const name of ['a.json', 'b.json']) {
      const out = join(dir, name);
      const summary = await runSearch(['--dataset', 'digits', '--target', 'stm32f446re', '--strategy', 'evolution', '--trials', '2', '--epochs', '1', '--seed', '7', '--out', out], { progress: quiet });
      expect(summary).toMatch(/^completed after \d+\.\d min \(the budget of 2 trials is spent\): 2 completed, 0 stopped early, 0 failed, 0 skipped; study written to /);
      // The trial a user would take: the front member with the best validation accuracy.
      expect(summary).toMatch(/\nmost accurate feasible trial \(by validation accuracy\): study-[0-9a-f]+\.\d+: test accuracy \d+\.\d %/);
      docs.push(parseStudyDocument(readFileSync(out, 'utf8'), name));
    }
    const [a, b] = docs;
    expect(a!.study.config).toMatchObject({ dataset: 'digits', targets: ['stm32f446re'], strategy: 'evolution', accounting: 'deploy', budget: { trials: 2 }, epochs: 1, seed: 7, earlyStopping: true });
    expect(a!.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(a!.paretoFront.length).toBeGreaterThan(0);
    // Node trains on WASM unless told otherwise.
    expect(a!.environment.backend).toBe('wasm');
    const candidates = (doc: typeof a) => doc!.trials.map((t) => [t.sampledArchitecture ?? t.architecture, t.hyperparameters.pruning]);
    expect(candidates(b)).toEqual(candidates(a));
    expect(b!.study.id).not.toBe(a!.study.id);
  });

  it('searches for a number of minutes alone, with the recipe epochs for the dataset, and early stopping can be turned off', async () => {
    const out = join(dir, 'minutes.json');
    let progress = '';
    const capture = new Writable({ write: (chunk, _encoding, done) => ((progress += String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
    const summary = await runSearch(['--dataset', 'digits', '--target', 'arduino-uno', '--minutes', '0.05', '--no-early-stop', '--out', out], { progress: capture });
    // With only a time budget the bar counts the budget's seconds.
    expect(progress).toMatch(/^search \[[#.]{24}\] \d+\/3 s/m);
    expect(summary).toMatch(/^completed after \d+\.\d min \(the time budget of 0\.05 minutes is spent\): \d+ completed, 0 stopped early, 0 failed, 0 skipped/);
    const doc = parseStudyDocument(readFileSync(out, 'utf8'), 'minutes.json');
    // No trial count: the time is the budget. 1,077 digits in batches of 32: 15 epochs make about 500 steps.
    expect(doc.study.config).toMatchObject({ budget: { minutes: 0.05 }, epochs: 15, batchSize: 32, learningRate: 0.01, earlyStopping: false });
    expect(doc.trials.filter((t) => t.status === 'completed').length).toBeGreaterThanOrEqual(1);
    expect(doc.trials.every((t) => t.status !== 'stopped')).toBe(true);
  });

  it.each([
    [['--target', 'esp32', '--out', 'x.json'], 2, 'missing --dataset ID'],
    [['--dataset', 'digits', '--out', 'x.json'], 2, 'missing --target ID'],
    [['--dataset', 'digits', '--target', 'esp32'], 2, 'missing --out FILE'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', 'x.json', '--strategy', 'grid'], 2, '--strategy must be random, mobo or evolution, got "grid"'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', 'x.json', '--trials', '0'], 2, '--trials must be a whole number of at least 1, got "0"'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', 'x.json', '--accounting', 'exact'], 2, '--accounting must be "paper" or "deploy", got "exact"'],
    [['--dataset', 'digits', '--target', 'pdp-11', '--out', 'x.json'], 1, 'unknown target "pdp-11"'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', join(dir, 'no', 'such', 'x.json'), '--trials', '1'], 1, 'no such folder'],
  ])('rejects %j with exit code %i', async (argv, code, message) => {
    const error = await failure(argv);
    expect(error.exitCode).toBe(code);
    expect(error.message).toContain(message);
  });

  it('refuses a folder as --out, with or without --force, and leaves no FOLDER.tmp beside it (issue 14)', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(folder);
    for (const force of [[], ['--force']]) {
      const error = await failure(['--dataset', 'digits', '--target', 'esp32', '--trials', '1', '--out', folder, ...force]);
      expect(error.exitCode).toBe(2);
      expect(error.message).toBe(`--out "${folder}" is a folder; --out names the study file to write, e.g. "${join(folder, 'study.json')}"`);
    }
    expect(readdirSync(dir).filter((name) => name.startsWith('a-folder'))).toEqual(['a-folder']);
  });
});

describe('npm run search on an existing study file', { timeout: 300_000 }, () => {
  const out = join(dir, 'again.json');
  const weightsDir = join(dir, 'again.weights');
  const command = ['--dataset', 'digits', '--target', 'stm32f446re', '--strategy', 'random', '--trials', '2', '--epochs', '1', '--seed', '4', '--out', out];
  const name = '"random search on digits for stm32f446re"';
  const read = () => parseStudyDocument(readFileSync(out, 'utf8'), 'again.json');

  it('resumes a study a kill left with a trial running (BOM, stale .tmp files): that trial is trained again, once', async () => {
    const tensors = tf.memory().numTensors;
    await runSearch(command, { progress: quiet });
    const first = read();
    const [done, cut] = first.trials;
    // What a kill during the second trial leaves: it is running, the study has no status, a .tmp of
    // the study and one of a weights file are half-written.
    const { status: _status, statusReason: _reason, ...study } = first.study;
    const running = { id: cut!.id, index: cut!.index, status: 'running', architecture: cut!.sampledArchitecture ?? cut!.architecture, hyperparameters: cut!.hyperparameters };
    const killed = { ...first, study, trials: [done, running], paretoFront: first.paretoFront.filter((id) => id === done!.id) };
    writeFileSync(out, `\uFEFF${JSON.stringify(killed, null, 2)}`);
    writeFileSync(`${out}.tmp`, '{"schemaVersion": 1, "kind": "sparse-sea');
    writeFileSync(join(weightsDir, `${cut!.id}.json.tmp`), '{"format"');

    const summary = await runSearch(['--out', out, '--resume'], { progress: quiet });
    expect(summary).toMatch(/^completed after \d+\.\d min \(the budget of 2 trials is spent\): \d completed, \d stopped early, 0 failed, 0 skipped; study written to /);
    const doc = read();
    expect(doc.study.id).toBe(first.study.id);
    expect(doc.study.status).toBe('completed');
    expect(doc.trials.map((t) => [t.id, t.index])).toEqual(first.trials.map((t) => [t.id, t.index]));
    expect(doc.trials[0]).toEqual(done);
    // The running trial was trained again from the start, with the candidate it was proposed with.
    expect(['completed', 'stopped']).toContain(doc.trials[1]!.status);
    expect(doc.trials[1]!.sampledArchitecture ?? doc.trials[1]!.architecture).toEqual(running.architecture);
    expect(doc.trials[1]!.hyperparameters).toEqual(cut!.hyperparameters);
    expect(existsSync(`${out}.tmp`)).toBe(false);
    expect(readdirSync(weightsDir).sort()).toEqual(doc.paretoFront.map((id) => `${id}.json`).sort());
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('extends a finished study by trials, keeping the trials it has', async () => {
    const tensors = tf.memory().numTensors;
    const before = read();
    const summary = await runSearch(['--out', out, '--extend-trials', '1'], { progress: quiet });
    expect(summary).toMatch(/^completed after \d+\.\d min \(the budget of 3 trials is spent\): /);
    const doc = read();
    expect(doc.study.config.budget).toEqual({ trials: 3 });
    expect(doc.trials.slice(0, 2)).toEqual(before.trials);
    expect(doc.trials.map((t) => t.index)).toEqual([0, 1, 2]);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('--help says how to continue a study, extend it or start afresh', async () => {
    const help = await runSearch(['--help']);
    expect(help).toContain('\n       npm run search -- --out FILE --resume | --extend-trials N | --extend-minutes M [--backend NAME]\n');
    for (const option of ['--resume', '--force', '--extend-trials N', '--extend-minutes M']) expect(help).toMatch(new RegExp(`\n  ${option} +\\S`));
  });

  it('refuses to overwrite it, or to resume it against its settings, in one line, and leaves it as it was', async () => {
    const bytes = readFileSync(out);
    const cases: [string[], number, string][] = [
      [command, 2, `"${out}" already holds the study ${name}, 3 of 3 trials done, finished; add --resume to continue it, or --force to start a new study in its place (deleting ${weightsDir}/)`],
      [
        ['--out', out, '--resume', '--dataset', 'mnist', '--epochs', '3'],
        2,
        `cannot resume the study in "${out}" with --dataset mnist (it searches digits), --epochs 3 (it trains 1 a trial): its settings come from the file; leave those options out, or add --force to start a new study in its place`,
      ],
      [
        [...command, '--resume'],
        2,
        `cannot resume the study in "${out}" with --trials 2 (its budget is 3 trials; add to it with --extend-trials N): its settings come from the file; leave that option out, or add --force to start a new study in its place`,
      ],
      [['--out', out, '--resume'], 2, `the study in "${out}" has finished (${name}, 3 of 3 trials done); add --extend-trials N or --extend-minutes M to continue it`],
      [['--out', out, '--extend-minutes', '1'], 1, `cannot extend the study in "${out}": ${name} has trained its 3 trials: extend it by trials, or more minutes would train none`],
      [['--out', out, '--extend-trials', '0'], 2, '--extend-trials must be a whole number of at least 1, got "0"'],
      [['--out', out, '--resume', '--force'], 2, '--force starts a new study and --resume continues the old one: give one of them'],
      [['--out', join(dir, 'none.json'), '--resume'], 1, `there is no study file "${join(dir, 'none.json')}" to resume; leave out --resume to start a new study`],
    ];
    for (const [argv, code, message] of cases) {
      const error = await failure(argv);
      expect([error.exitCode, error.message]).toEqual([code, message]);
    }
    expect(readFileSync(out).equals(bytes)).toBe(true);
    const other = join(dir, 'notes.json');
    writeFileSync(other, 'my notes');
    const error = await failure(['--dataset', 'digits', '--target', 'esp32', '--out', other]);
    expect(error.message).toMatch(/^".*notes\.json" already exists and is not a study file that --resume could continue \(study file .*notes\.json: is not valid JSON \(.*\)\); choose another --out, or add --force to overwrite it$/);
    expect(readFileSync(other, 'utf8')).toBe('my notes');
  });

  it('--force starts a new study in its place and deletes the old weights', async () => {
    const old = read();
    expect(readdirSync(weightsDir).length).toBeGreaterThan(0);
    const summary = await runSearch(['--dataset', 'digits', '--target', 'stm32f446re', '--trials', '1', '--epochs', '1', '--out', out, '--force'], { progress: quiet });
    expect(summary).toMatch(/^completed after \d+\.\d min \(the budget of 1 trial is spent\): /);
    const doc = read();
    expect(doc.study.id).not.toBe(old.study.id);
    expect(doc.trials).toHaveLength(1);
    // The folder is made again when the new study has a front to keep.
    expect(existsSync(weightsDir) ? readdirSync(weightsDir).sort() : []).toEqual(doc.paretoFront.map((id) => `${id}.json`).sort());
  });
});
