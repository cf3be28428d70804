import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Rng } from '../../src/core/rng.ts';
import { createRng } from '../../src/core/rng.ts';
import { randomShift } from '../../src/tf/augment.ts';
import { selectBackend } from '../../src/tf/backend.ts';
import { noLeaks } from './leaks.ts';

/** An Rng whose int() returns the given values in turn: the offsets of the test. */
const offsets = (values: number[]): Rng => {
  let i = 0;
  return { ...createRng(0), int: () => values[i++ % values.length]! };
};

// 1…16 in a 4×4 image; a shift of up to 1 pixel pads to 6×6, and offset (top, left) = (1, 1) is no shift.
const image = Array.from({ length: 16 }, (_, i) => i + 1);
const expected: [number, number, number[]][] = [
  [1, 1, image],
  [0, 0, [0, 0, 0, 0, 0, 1, 2, 3, 0, 5, 6, 7, 0, 9, 10, 11]],
  [2, 2, [6, 7, 8, 0, 10, 11, 12, 0, 14, 15, 16, 0, 0, 0, 0, 0]],
  [0, 2, [0, 0, 0, 0, 2, 3, 4, 0, 6, 7, 8, 0, 10, 11, 12, 0]],
];

afterAll(() => tf.setBackend('cpu'));

describe('randomShift', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`moves each image by its own whole-pixel offset, exactly, on ${backend}`, async () => {
      await selectBackend({ candidates: [backend] });
      await noLeaks(() => {
        const x = tf.tensor4d([...image, ...image.map((v) => v * 10)], [2, 4, 4, 1]);
        for (const [top, left, want] of expected) {
          // Both images of the batch get their own draw: the second one stays where it is.
          const shifted = randomShift(x, 1, offsets([top, left, 1, 1]));
          const values = Array.from(shifted.dataSync());
          expect(values.slice(0, 16)).toEqual(want);
          expect(values.slice(16)).toEqual(image.map((v) => v * 10));
          shifted.dispose();
        }
        x.dispose();
      });
    });
  }

  it('returns the images themselves without a shift, and keeps channels together', () =>
    noLeaks(() => {
      const x = tf.tensor4d(Array.from({ length: 2 * 2 * 2 }, (_, i) => i), [1, 2, 2, 2]);
      expect(randomShift(x, 0, createRng(1))).toBe(x);
      const shifted = randomShift(x, 1, offsets([0, 0]));
      // Moved down and right by one: the channel pairs stay pairs.
      expect(Array.from(shifted.dataSync())).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
      tf.dispose([x, shifted]);
    }));
});
