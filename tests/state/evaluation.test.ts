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
