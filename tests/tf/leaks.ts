import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Runs `run` and fails the test when it leaves tensors behind (STYLE.md: every tfjs test checks). */
export async function noLeaks(run: () => Promise<void> | void): Promise<void> {
  const before = tf.memory().numTensors;
  await run();
  expect(tf.memory().numTensors).toBe(before);
}
