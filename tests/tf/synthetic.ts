/**
 * A small learnable image set made in the tests: 8×8 grey images of four shapes (a horizontal bar, a
 * vertical bar, a diagonal, a 3×3 blob) at random places, on a noisy background. Chance is 25 %.
 */
import type { Architecture } from '../../src/core/architecture.ts';
import { createRng } from '../../src/core/rng.ts';
import type { ImageSet } from '../../src/data/dataset.ts';

export const side = 8;
export const classes = 4;

export function shapesSet(count: number, seed: string): ImageSet {
  const rng = createRng(seed);
  const images = new Uint8Array(count * side * side);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = n % classes;
    labels[n] = label;
    const image = images.subarray(n * side * side, (n + 1) * side * side);
    for (let i = 0; i < image.length; i++) image[i] = rng.int(0, 60);
    const ink = (row: number, col: number): void => {
      image[row * side + col] = rng.int(180, 255);
    };
    if (label === 0) {
      const row = rng.int(0, side - 1);
      const from = rng.int(0, 2);
      for (let c = from; c < from + 6; c++) ink(row, c);
    } else if (label === 1) {
      const col = rng.int(0, side - 1);
      const from = rng.int(0, 2);
      for (let r = from; r < from + 6; r++) ink(r, col);
    } else if (label === 2) {
      const from = rng.int(0, 2);
      for (let d = 0; d < 6; d++) ink(from + d, from + d);
    } else {
      const row = rng.int(0, side - 3);
      const col = rng.int(0, side - 3);
      for (let r = row; r < row + 3; r++) for (let c = col; c < col + 3; c++) ink(r, c);
    }
  }
  return { height: side, width: side, channels: 1, count, images, labels };
}

/** A small CNN for the shapes. */
export const shapesCnn: Architecture = {
  input: { height: side, width: side, channels: 1 },
  classes,
  layers: [
    { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same' },
    { type: 'maxPool', size: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 16 },
  ],
};
