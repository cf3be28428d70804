/**
 * A small but complete study, used by the study-document and database tests: one trial of each
 * status, a channel-pruned trial (with its sampled architecture), a custom target and a Pareto front.
 */
import type { Architecture } from '../../src/core/architecture.ts';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import type { Study, StudyConfig, StudyDocument, StudyTrial } from '../../src/contracts/study.ts';
import type { TrialHyperparameters, TrialResources } from '../../src/contracts/trial.ts';
import { buildStudyDocument } from '../../src/contracts/study-document.ts';
import { trialIdFor } from '../../src/contracts/study-ids.ts';

export const studyId = 'study-0123456789abcdef0123';

export const customTarget = {
  id: 'my-board',
  name: 'My board',
  core: 'cortex-m4f',
  clockMhz: 80,
  sramBytes: 65_536,
  flashBytes: 262_144,
  reserve: { sramBytes: 8192, flashBytes: 65_536 },
};

export const config: StudyConfig = {
  name: 'Digits on an Uno',
  dataset: 'digits',
  targets: ['arduino-uno', 'stm32f446re', customTarget],
  accounting: 'paper',
  searchSpace: defaultSearchSpace({ height: 8, width: 8, channels: 1 }, 10),
  pruning: { methods: ['none', 'magnitude', 'channels', 'svd'], sparsity: { min: 0, max: 0.9 } },
  strategy: 'mobo',
  budget: { trials: 20, minutes: 30 },
  epochs: 5,
  batchSize: 32,
  learningRate: 0.001,
  seed: 7,
};

export const study: Study = { id: studyId, config, status: 'running', createdAt: '2026-11-05T09:30:00.000Z', updatedAt: '2026-11-05T09:45:00.000Z' };

/** conv(filters) → maxPool 2 → flatten → dense 16 on 8×8×1, inside the default space. */
export function architecture(filters: number, extra: Record<string, unknown> = {}): Architecture {
  return {
    input: { height: 8, width: 8, channels: 1 },
    classes: 10,
    layers: [
      { type: 'conv', filters, kernel: 3, stride: 1, padding: 'same', ...extra },
      { type: 'maxPool', size: 2 },
      { type: 'flatten' },
      { type: 'dense', units: 16 },
    ],
  };
}

export function hyperparameters(method: TrialHyperparameters['pruning']['method'], sparsity: number): TrialHyperparameters {
  return { epochs: 5, batchSize: 32, learningRate: 0.001, schedule: 'cosine', seed: 11, pruning: { method, sparsity, fineTuneEpochs: method === 'none' ? 0 : 2 } };
}

const resources: TrialResources = {
  params: 1306,
  nonzeroParams: 700,
  macs: 3184,
  modelSizeBytes: 700,
  workingMemoryBytes: 320,
  flashBytes: 9_120,
  sramBytes: 1_456,
  targets: [
    { id: 'arduino-uno', flashBytes: 9_120, sramBytes: 1_456, latencyMs: 4.2, feasible: { paper: true, deploy: true } },
    { id: 'stm32f446re', flashBytes: 24_880, sramBytes: 19_504, latencyMs: 0.035, feasible: { paper: true, deploy: true } },
    { id: 'my-board', flashBytes: 24_880, sramBytes: 19_504, latencyMs: 0.08, feasible: { paper: true, deploy: false } },
  ],
};

const completed = (index: number, filters: number, accuracy: number): StudyTrial => ({
  id: trialIdFor(studyId, index),
  studyId,
  index,
  status: 'completed',
  architecture: architecture(filters),
  hyperparameters: hyperparameters('magnitude', 0.5),
  metrics: {
    testAccuracy: accuracy,
    int8TestAccuracy: accuracy - 0.01,
    valAccuracy: accuracy + 0.005,
    testAccuracyBeforePruning: accuracy + 0.02,
    nonzeroWeights: 650,
    totalWeights: 1256,
    sparsity: 0.48,
    epochsRun: 7,
    bestEpoch: 4,
  },
  resources,
  timings: { trainMs: 5120.5, pruneMs: 12.25, evaluateMs: 300, totalMs: 5500.75, samplesPerSecond: 1234.5 },
  backend: { name: 'webgpu', reason: 'WebGPU adapter found' },
});

export const trials: StudyTrial[] = [
  completed(0, 4, 0.9125),
  {
    id: trialIdFor(studyId, 1),
    studyId,
    index: 1,
    status: 'failed',
    architecture: architecture(8),
    hyperparameters: hyperparameters('svd', 0),
    backend: { name: 'cpu', reason: 'no WebGPU adapter' },
    error: 'training diverged: the loss became NaN at epoch 2\nlower the learning rate',
  },
  {
    id: trialIdFor(studyId, 2),
    studyId,
    index: 2,
    status: 'skipped',
    architecture: architecture(64),
    hyperparameters: hyperparameters('none', 0),
    skipReason: 'needs 9,400 B of SRAM; the Arduino Uno has 2,048 B',
  },
  {
    ...completed(3, 4, 0.875),
    architecture: architecture(4, { keep: [0, 2, 5, 7] }),
    sampledArchitecture: architecture(8),
    hyperparameters: hyperparameters('channels', 0.5),
  },
  { id: trialIdFor(studyId, 4), studyId, index: 4, status: 'running', architecture: architecture(16), hyperparameters: hyperparameters('magnitude', 0.7) },
  { id: trialIdFor(studyId, 5), studyId, index: 5, status: 'queued', architecture: architecture(32), hyperparameters: hyperparameters('none', 0) },
  {
    ...completed(6, 16, 0.41),
    status: 'stopped',
    stopReason: 'epoch 1: validation accuracy 41.5 % is below the median (88.0 %) of the 3 earlier trials at most as large, at that epoch',
    metrics: { ...completed(6, 16, 0.41).metrics!, epochsRun: 1, bestEpoch: 1, valAccuracyByEpoch: [0.415] },
  },
];

export const environment = { tfjsVersion: '4.22.0', backend: 'webgpu', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/142.0' };

export const paretoFront = [trialIdFor(studyId, 0), trialIdFor(studyId, 3)];

export const documentOf = (): StudyDocument => buildStudyDocument(study, trials, paretoFront, environment);
