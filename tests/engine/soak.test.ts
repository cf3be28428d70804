/**
 * A 100-trial soak of the study loop in Node (issue 14): the same loop the worker runs, over the
 * IndexedDB store (fake-indexeddb), on a tiny synthetic dataset, so that it fits in `npm test`.
 * After every trial that ends, the live tensors and the process's resident memory are recorded:
 * the tensor count must not grow from trial to trial, and nothing is left at the end.
 */
import 'fake-indexeddb/auto';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { parseSearchSpace } from '../../src/core/search-space.ts';
import type { Dataset } from '../../src/data/dataset.ts';
import { createStudy, getStudy } from '../../src/db/studies.ts';
import { indexedDbStudyStore } from '../../src/db/study-store.ts';
import { listTrials } from '../../src/db/trials.ts';
import { runStudy } from '../../src/engine/study-runner.ts';
import { freshDatabase } from '../db/helpers.ts';
import { noLeaks } from '../tf/leaks.ts';
import { classes, shapesSet, side } from '../tf/synthetic.ts';

const trialsBudget = 100;
const shapes: Dataset = {
  id: 'shapes',
  name: 'Shapes',
  classNames: ['bar', 'column', 'diagonal', 'blob'],
  train: shapesSet(64, 'soak/train'),
  validation: shapesSet(32, 'soak/validation'),
  test: shapesSet(32, 'soak/test'),
};

const config: StudyConfig = {
  name: 'soak',
  dataset: 'shapes',
  targets: ['arduino-uno'],
  accounting: 'paper',
  searchSpace: parseSearchSpace({
    input: { height: side, width: side, channels: 1 },
    classes,
    convLayers: { min: 1, max: 2 },
    denseLayers: { min: 0, max: 1 },
    convTypes: ['conv', 'separableConv'],
    filters: [2, 4],
    kernels: [3],
    strides: [1, 2],
    paddings: ['same'],
    bottlenecks: [],
    denseUnits: [8],
    pooling: { types: ['maxPool'], sizes: [2], probability: 0.5 },
    heads: ['flatten', 'globalAvgPool'],
  }),
  // Every pruning path the loop takes: none, weights, channels (which changes the architecture).
  pruning: { methods: ['none', 'magnitude', 'channels'], sparsity: { min: 0.3, max: 0.6 } },
  strategy: 'random',
  budget: { trials: trialsBudget },
  epochs: 1,
  batchSize: 32,
  learningRate: 1e-2,
  seed: 14,
  earlyStopping: false,
};

const MiB = 1024 * 1024;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('a 100-trial soak of the study loop', () => {
  it('runs 100 trials with a flat tensor count and leaves no tensor behind', { timeout: 120_000 }, async () => {
    const db = await freshDatabase();
    const study = await createStudy(db, config, { id: 'study-soak' });
    const tensors: number[] = [];
    const rss: number[] = [];
    const record = (): void => {
      tensors.push(tf.memory().numTensors);
      rss.push(process.memoryUsage().rss);
    };
    const started = performance.now();
    await noLeaks(async () => {
      const final = await runStudy(study, {
        store: indexedDbStudyStore(db),
        dataset: shapes,
        backend: { name: 'cpu', reason: 'soak test' },
        // A trial's network lives until its record is written; it is disposed before the next trial
        // starts. So the count as trial k + 1 starts is the count after trial k.
        onTrial: (trial: StudyTrial) => {
          if (trial.status === 'running' && trial.index > 0) record();
        },
      });
      record();
      expect(final).toMatchObject({ status: 'completed', statusReason: 'the budget of 100 trials is spent' });
    });
    const seconds = (performance.now() - started) / 1000;
    const stored = await listTrials(db, study.id);
    expect(stored).toHaveLength(trialsBudget);
    expect(stored.every((t) => t.status === 'completed')).toBe(true);
    expect((await getStudy(db, study.id))?.status).toBe('completed');
    expect(tensors).toHaveLength(trialsBudget);
    // Between trials the loop holds no tensor of its own, so the count after trial 10 is the count
    // after every later trial, exactly: no bound is needed, and any growth is a leak.
    const settled = tensors.slice(9);
    const range = (values: readonly number[]): [number, number] => [Math.min(...values), Math.max(...values)];
    const [tensorsMin, tensorsMax] = range(settled);
    const [rssMin, rssMax] = range(rss.slice(9)).map((b) => b / MiB) as [number, number];
    console.log(
      `soak: ${trialsBudget} trials in ${seconds.toFixed(1)} s; live tensors after trials 10–100: ${tensorsMin}–${tensorsMax} ` +
        `(after trial 1: ${tensors[0]}); RSS after trials 10–100: ${rssMin.toFixed(1)}–${rssMax.toFixed(1)} MiB ` +
        `(after trial 1: ${(rss[0]! / MiB).toFixed(1)} MiB, after trial 100: ${(rss.at(-1)! / MiB).toFixed(1)} MiB)`,
    );
    expect(tensorsMax - tensorsMin).toBe(0);
    expect(tensors.at(-1)).toBe(tensors[9]);
    db.close();
  });
});
