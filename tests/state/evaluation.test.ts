/** Re-evaluating a finished study under other targets and accounting, without training. */
import { describe, expect, it } from 'vitest';
import type { Study, StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { paretoFrontIds, studyHypervolume } from '../../src/contracts/study-objectives.ts';
import type { Architecture } from '../../src/core/architecture.ts';
import { expandOps, measurementFromNonzero } from '../../src/core/ops.ts';
import { estimate } from '../../src/core/resources.ts';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import { findPresetTarget } from '../../src/core/targets.ts';
import { evaluateStudy, sameSettings, trialEstimate } from '../../src/state/evaluation.ts';
import { recommendModels } from '../../src/state/recommendations.ts';
import { isNotLearning, learningThreshold } from '../../src/contracts/study-objectives.ts';

const uno = findPresetTarget('arduino-uno')!;
const config: StudyConfig = {
  name: 're-evaluation',
  dataset: 'digits',
  targets: ['arduino-uno'],
  accounting: 'paper',
  searchSpace: defaultSearchSpace({ height: 8, width: 8, channels: 1 }, 10),
  pruning: { methods: ['none', 'magnitude'], sparsity: { min: 0, max: 0.9 } },
  strategy: 'random',
  budget: { trials: 3 },
  epochs: 1,
  batchSize: 32,
  learningRate: 0.003,
  seed: 1,
};
const study: Study = { id: 'study-eval', config, status: 'completed', createdAt: '2026-11-25T00:00:00.000Z', updatedAt: '2026-11-25T00:00:00.000Z' };

const net = (filters: number, stride: number): Architecture => ({
  input: { height: 8, width: 8, channels: 1 },
  classes: 10,
  layers: [{ type: 'conv', filters, kernel: 3, stride, padding: 'same' }, { type: 'flatten' }],
});

/** A completed trial whose resources are what the engine would record: dense, on the Uno. */
function trained(index: number, architecture: Architecture, valAccuracy: number, keep = 1): StudyTrial {
  const counts = expandOps(architecture).filter((op) => op.kind !== 'pool').map((op) => Math.ceil(op.weights * keep));
  const e = estimate(architecture, [uno]);
  const nonzero = counts.reduce((a, b) => a + b, 0);
  const measured = estimate(architecture, [uno], { measurement: measurementFromNonzero(architecture, counts) });
  return {
    id: `study-eval.${index}`,
    studyId: 'study-eval',
    index,
    status: 'completed',
    architecture,
    hyperparameters: { epochs: 1, batchSize: 32, learningRate: 0.003, schedule: 'cosine', seed: 1 + index, pruning: { method: keep < 1 ? 'magnitude' : 'none', sparsity: 1 - keep, fineTuneEpochs: keep < 1 ? 1 : 0 } },
    metrics: { testAccuracy: valAccuracy, int8TestAccuracy: valAccuracy, valAccuracy, testAccuracyBeforePruning: valAccuracy, nonzeroWeights: nonzero, totalWeights: e.params - 10 - architecture.layers.length, sparsity: 1 - keep, epochsRun: 1, bestEpoch: 1 },
    resources: {
      params: e.params,
      nonzeroParams: measured.nonzeroParams,
      macs: e.macs,
      modelSizeBytes: measured.paper.modelSizeBytes,
      workingMemoryBytes: measured.paper.workingMemoryBytes,
      flashBytes: measured.targets[0]!.deploy.flashBytes,
      sramBytes: measured.targets[0]!.deploy.sramBytes,
      targets: [{ id: 'arduino-uno', flashBytes: measured.targets[0]!.deploy.flashBytes, sramBytes: measured.targets[0]!.deploy.sramBytes, latencyMs: measured.targets[0]!.latencyMs, feasible: { paper: measured.targets[0]!.verdicts.paper.fits, deploy: measured.targets[0]!.verdicts.deploy.fits } }],
      nonzeroWeightsByOp: counts,
    },
    timings: { trainMs: 1, pruneMs: 0, evaluateMs: 1, totalMs: 2, samplesPerSecond: 1000 },
    backend: { name: 'cpu', reason: 'test' },
  };
}

// 8×8×4 stride 2 → 4×4×4: small; 8×8×32 stride 1 → 2,048 B of activations plus the input: too much SRAM for an Uno.
const small = trained(0, net(4, 2), 0.7);
const big = trained(1, net(32, 1), 0.95, 0.1);
const pruned = trained(2, net(8, 2), 0.8, 0.5);
const skipped: StudyTrial = { id: 'study-eval.3', studyId: 'study-eval', index: 3, status: 'skipped', architecture: net(64, 1), hyperparameters: small.hyperparameters, skipReason: 'too big' };
const trials = [small, big, pruned, skipped];

describe('evaluateStudy', () => {
  it('under the study\'s own settings agrees with what the engine recorded', () => {
    const e = evaluateStudy(study, trials);
    expect(e.trials).toEqual(trials);
    expect([...e.paretoFront]).toEqual(paretoFrontIds(trials, config));
    expect([...e.feasible]).toEqual([['study-eval.0', true], ['study-eval.1', false], ['study-eval.2', true]]);
    expect(e.hypervolume.map((p) => p.trial)).toEqual([0, 1, 2]);
    expect(e.hypervolume.at(-1)!.hypervolume).toBe(studyHypervolume(trials, config));
    // A hypervolume never shrinks as trials are added.
    expect(e.hypervolume[1]!.hypervolume).toBe(e.hypervolume[0]!.hypervolume);
    expect(e.hypervolume[2]!.hypervolume).toBeGreaterThan(e.hypervolume[1]!.hypervolume);
  });

  it('a bigger target makes the big trial feasible and puts it on the front, without changing its accuracy', () => {
    const e = evaluateStudy(study, trials, { targets: ['stm32f446re'], accounting: 'paper' });
    expect([...e.feasible.values()]).toEqual([true, true, true]);
    expect(e.paretoFront.has('study-eval.1')).toBe(true);
    const again = e.trials[1]!;
    expect(again.metrics).toEqual(big.metrics);
    expect(again.resources!.modelSizeBytes).toBe(big.resources!.modelSizeBytes);
    expect(again.resources!.targets.map((t) => t.id)).toEqual(['stm32f446re']);
    // Deploy numbers for the new target are estimated with the measured non-zero weights.
    const f446 = findPresetTarget('stm32f446re')!;
    const measured = trialEstimate(big, [f446]);
    expect(again.resources!.targets[0]!.flashBytes).toBe(measured.targets[0]!.deploy.flashBytes);
    expect(again.resources!.flashBytes).toBe(measured.targets[0]!.deploy.flashBytes);
    expect(measured.nonzeroParams).toBeLessThan(estimate(big.architecture, [f446]).nonzeroParams);
    // TFLM's model.tflite stores the pruned zeros too: the flash is that of the dense model.
    expect(measured.targets[0]!.deploy.flashBytes).toBe(estimate(big.architecture, [f446]).targets[0]!.deploy.flashBytes);
  });

  it('a custom target with a tight flash budget rules trials out at once', () => {
    const tight = { id: 'tiny', name: 'Tiny', core: 'cortex-m0', clockMhz: 48, sramBytes: 4096, flashBytes: 1024 };
    const e = evaluateStudy(study, trials, { targets: [tight], accounting: 'paper' });
    // model sizes: small 36 + 4 + 640 + 10 = 690 B; pruned ⌈72/2⌉ + 8 + 1,280/2 + 10 = 694 B; big ⌈288/10⌉ + 32 + 2,048 + 10 = 2,119 B
    expect([small, pruned, big].map((t) => t.resources!.modelSizeBytes)).toEqual([690, 694, 2119]);
    expect([...e.feasible]).toEqual([['study-eval.0', true], ['study-eval.1', false], ['study-eval.2', true]]);
    expect(e.paretoFront.has('study-eval.1')).toBe(false);
  });

  it('a trial from an older file, without per-op counts, is judged by its measured paper numbers, not a dense estimate', () => {
    const { nonzeroWeightsByOp: _counts, ...resources } = big.resources!;
    const old: StudyTrial = { ...big, resources };
    const budget = { id: 'budget', name: 'Budget', core: 'cortex-m4f', clockMhz: 64, sramBytes: 4096, flashBytes: 4096 };
    const e = evaluateStudy(study, [old], { targets: [budget], accounting: 'paper' });
    // measured 2,119 B of model size fits 4,096 B; the dense estimate (20,480 + 288 weights) would not
    expect(estimate(old.architecture, []).paper.modelSizeBytes).toBeGreaterThan(4096);
    expect(e.feasible.get(old.id)).toBe(true);
  });

  it('an invalid custom target is an error in words, not a crash later', () => {
    expect(() => evaluateStudy(study, trials, { targets: [{ id: 'x', name: 'X', core: 'z80', clockMhz: 1, sramBytes: 1, flashBytes: 1 }], accounting: 'paper' })).toThrow('"core" must be one of');
  });

  it('sameSettings tells apart what would change the evaluation', () => {
    expect(sameSettings(config, { targets: ['arduino-uno'], accounting: 'paper' })).toBe(true);
    expect(sameSettings(config, { targets: ['arduino-uno'], accounting: 'deploy' })).toBe(false);
    expect(sameSettings(config, { targets: ['arduino-uno', 'esp32'], accounting: 'paper' })).toBe(false);
  });
});

describe('a preset judged with a reserve of the user\'s own', () => {
  it('judges the same trials again, though the target\'s id did not change', () => {
    // pruned needs 256 B of SRAM on the Uno; with 1,900 B kept for the sketch only 148 B are left.
    const e = evaluateStudy(study, trials, { targets: [{ id: 'arduino-uno', reserve: { sramBytes: 1900 } }], accounting: 'deploy' });
    expect(pruned.resources!.targets[0]!.sramBytes).toBe(256);
    expect([...e.feasible]).toEqual([['study-eval.0', false], ['study-eval.1', false], ['study-eval.2', false]]);
    expect(e.paretoFront.size).toBe(0);
    // The stored numbers stand: only the verdicts changed.
    expect(e.trials[2]!.resources!.targets[0]!.sramBytes).toBe(256);
  });
});

describe('not learning (issue 13)', () => {
  // The same tiny network as `small`, but at 12 % on 10 classes: below 1.5 × chance (15 %).
  const guessing = { ...trained(4, net(4, 2), 0.12), id: 'study-eval.4' };

  it('is a test accuracy below 1.5 × chance', () => {
    expect(learningThreshold(10)).toBe(0.15);
    expect(learningThreshold(2)).toBe(0.75);
    expect(isNotLearning(guessing, config)).toBe(true);
    expect(isNotLearning({ ...guessing, metrics: { ...guessing.metrics!, testAccuracy: 0.15 } }, config)).toBe(false);
    expect(isNotLearning(skipped, config)).toBe(false);
  });

  it('is never on the front, and the hypervolume is that of the front without it', () => {
    const withGuessing = [...trials, guessing];
    // It fits and is as small as `small`: only its accuracy keeps it off the front.
    expect(evaluateStudy(study, withGuessing).feasible.get(guessing.id)).toBe(true);
    expect(paretoFrontIds(withGuessing, config)).toEqual(paretoFrontIds(trials, config));
    expect(studyHypervolume(withGuessing, config)).toBe(studyHypervolume(trials, config));
    const e = evaluateStudy(study, withGuessing);
    expect(e.paretoFront.has(guessing.id)).toBe(false);
    expect(e.hypervolume.at(-1)!.hypervolume).toBe(studyHypervolume(trials, config));
  });
});

describe('recommendModels (issue 13)', () => {
  const own = (ts: readonly StudyTrial[]) => evaluateStudy(study, ts, { targets: ['arduino-uno'], accounting: 'deploy' });

  it('names, per board, the most accurate trial that fits after the reserve, by int8 accuracy, counted from 1', () => {
    const e = own(trials);
    const [uno] = recommendModels(e, e.paretoFront);
    expect(uno).toMatchObject({
      trialNumber: 3,
      testAccuracy: 0.8,
      int8TestAccuracy: 0.8,
      sramBytes: 256,
      downloadable: true,
      notes: ["The Arduino Uno's numbers are an estimate only: there is no export for 8-bit AVR yet, so the download holds the int8 model and a TensorFlow Lite Micro program for a 32-bit board."],
    });
    expect(uno!.trial!.id).toBe('study-eval.2');
    // Half its weights pruned: the generated C stores them as a bitmap of non-zeros (3,033 B of flash).
    expect(uno!.flashBytes).toBe(3033);
    expect(uno!.usage).toBe('uses 256 B of 2 KB SRAM and 2.96 KB of 32 KB flash');
    expect(uno!.reason).toBe('The most accurate of the 2 trials that fit the Arduino Uno with 256 B of SRAM and 2 KB of flash kept for your code, by its int8 test accuracy.');
  });

  it('prefers int8 accuracy to the float one, and a trial on the front, whose weights are kept', () => {
    const int8Better = { ...small, metrics: { ...small.metrics!, int8TestAccuracy: 0.85 } };
    const e = own([int8Better, big, pruned]);
    expect(recommendModels(e, e.paretoFront)[0]!.trial!.id).toBe('study-eval.0');
    // Only `pruned` keeps its weights: it is chosen among those that can be downloaded.
    const onlyPruned = recommendModels(e, new Set(['study-eval.2']))[0]!;
    expect(onlyPruned.trial!.id).toBe('study-eval.2');
    expect(onlyPruned.reason).toBe(
      'The most accurate of the 1 Pareto-front trials (which keep their weights) among the 2 that fit the Arduino Uno with 256 B of SRAM and 2 KB of flash kept for your code, by its int8 test accuracy.',
    );
    // None kept: the best is still named, with why it cannot be downloaded.
    const none = recommendModels(e, new Set())[0]!;
    expect(none).toMatchObject({ trialNumber: 1, downloadable: false });
    expect(none.notes.at(-1)).toBe('Its weights were not kept (only trials on the Pareto front keep theirs): open it in the estimator and train it again to download it.');
  });

  it('never recommends a trial that is not learning', () => {
    const guessing = { ...trained(4, net(4, 2), 0.12), id: 'study-eval.4' };
    const e = own([big, guessing]);
    const [uno] = recommendModels(e, e.paretoFront);
    expect(uno!.trial).toBeUndefined();
    expect(uno!.missing).toBe(
      'No trial that fits the Arduino Uno is learning yet: the best of the 1 that fit reaches 12.0 % test accuracy, below the 15.0 % (1.5 × chance) a network needs to count as learning.',
    );
  });

  it('says what is missing when no trial fits a board', () => {
    const e = own([big]);
    const [uno] = recommendModels(e, e.paretoFront);
    expect(uno!.trial).toBeUndefined();
    expect(uno!.downloadable).toBe(false);
    // big needs 2,176 B of SRAM; 1,792 B are left after the 256 B kept for the sketch.
    expect(uno!.missing).toBe('No trial fits the Arduino Uno yet: the smallest needs 2.13 KB of SRAM, and 1.75 KB is left after the memory kept for your code.');
    expect(recommendModels(own([skipped]), new Set())[0]!.missing).toBe('No trial has finished yet: the best model for the Arduino Uno shows here when one has.');
  });

  it('gives one recommendation per target, in the order judged by', () => {
    const e = evaluateStudy(study, trials, { targets: ['esp32', 'arduino-uno'], accounting: 'deploy' });
    const [esp32, uno] = recommendModels(e, e.paretoFront);
    expect(esp32!.target.id).toBe('esp32');
    // On the ESP32 every trial fits: the most accurate is `big`, which is not on the front (it does not fit the Uno).
    expect(esp32).toMatchObject({ trialNumber: 3, downloadable: true, notes: [] });
    expect(recommendModels(e, new Set())[0]).toMatchObject({ trialNumber: 2, downloadable: false });
    expect(uno!.trialNumber).toBe(3);
  });
});
