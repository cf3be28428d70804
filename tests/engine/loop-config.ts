/**
 * The small study the study-loop tests run (tests/engine): digits, a tiny search space, one epoch a
 * trial, so that real training stays fast.
 */
import type { StudyConfig } from '../../src/contracts/study.ts';
import { parseSearchSpace } from '../../src/core/search-space.ts';

export const loopConfig = (overrides: Partial<StudyConfig> = {}): StudyConfig => ({
  name: 'loop test',
  dataset: 'digits',
  targets: ['arduino-uno'],
  accounting: 'paper',
  searchSpace: parseSearchSpace({
    input: { height: 8, width: 8, channels: 1 },
    classes: 10,
    convLayers: { min: 1, max: 2 },
    denseLayers: { min: 0, max: 1 },
    convTypes: ['conv', 'separableConv'],
    filters: [4, 8],
    kernels: [3],
    strides: [1, 2],
    paddings: ['same'],
    bottlenecks: [],
    denseUnits: [16],
    pooling: { types: ['maxPool'], sizes: [2], probability: 0.5 },
    heads: ['flatten', 'globalAvgPool'],
  }),
  pruning: { methods: ['none', 'magnitude', 'channels'], sparsity: { min: 0.3, max: 0.6 } },
  strategy: 'random',
  budget: { trials: 3 },
  epochs: 1,
  batchSize: 64,
  learningRate: 3e-3,
  seed: 11,
  ...overrides,
});
