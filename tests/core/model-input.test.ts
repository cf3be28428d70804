import { describe, expect, it } from 'vitest';
import { type RgbaImage, framingOf, toModelInput } from '../../src/core/model-input.ts';

/** A width × height RGBA picture of grey `background`, with `paint(x, y)` grey values where it gives one. */
function picture(width: number, height: number, background: number, paint: (x: number, y: number) => number | undefined): RgbaImage {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = paint(x, y) ?? background;
      data.set([v, v, v, 255], 4 * (y * width + x));
    }
  }
  return { width, height, data };
}

/** The rows of a one-channel input, as arrays. */
const rows = (pixels: Uint8Array, width: number): number[][] => Array.from({ length: pixels.length / width }, (_, y) => [...pixels.subarray(y * width, (y + 1) * width)]);

const mnist = { height: 28, width: 28, channels: 1 };
const digits = { height: 8, width: 8, channels: 1 };

describe('framingOf', () => {
  it('frames each built-in dataset as its images were made, and imported ones whole', () => {
    expect(framingOf('mnist', mnist)).toMatchObject({ kind: 'box', box: 20, centre: 'mass' });
    expect(framingOf('fashion-mnist', mnist)).toMatchObject({ kind: 'box', box: 28, centre: 'box' });
    expect(framingOf('digits', digits)).toMatchObject({ kind: 'box', box: 8, centre: 'box', levels: 17 });
    expect(framingOf('user-abc', { height: 16, width: 16, channels: 3 })).toEqual({ kind: 'whole', description: 'the whole picture resized to 16×16' });
    // A study that resized MNIST has other inputs: no MNIST framing then.
    expect(framingOf('mnist', { height: 14, width: 14, channels: 1 }).kind).toBe('whole');
  });
});

describe('toModelInput', () => {
  it('fits a digit into 20×20 and centres it by its mass in 28×28, as MNIST does', () => {
    // A 10 × 20 white bar on black: already 20 tall, so copied as it is; its mass centre (5, 10) goes to (14, 14).
    const bar = picture(56, 56, 0, (x, y) => (x >= 5 && x < 15 && y >= 10 && y < 30 ? 255 : undefined));
    const input = toModelInput(bar, mnist, framingOf('mnist', mnist));
    const expected = rows(new Uint8Array(28 * 28), 28).map((row, y) => row.map((_, x) => (x >= 9 && x < 19 && y >= 4 && y < 24 ? 255 : 0)));
    expect(rows(input, 28)).toEqual(expected);
    // The same bar in ink on white paper is inverted first, and gives the same input.
    const ink = picture(56, 56, 255, (x, y) => (x >= 5 && x < 15 && y >= 10 && y < 30 ? 0 : undefined));
    expect(rows(toModelInput(ink, mnist, framingOf('mnist', mnist)), 28)).toEqual(expected);
  });

  it('fits a digit to 8×8 in the 17 levels of the UCI digits', () => {
    // Columns of 255, 255, 85, 85, 16 rows tall: halved to 2 × 8, the faint column is 85 → 5/16 → round(5 · 255 / 16) = 80.
    const stroke = picture(20, 20, 0, (x, y) => (y >= 2 && y < 18 && x >= 6 && x < 10 ? (x < 8 ? 255 : 85) : undefined));
    const input = toModelInput(stroke, digits, framingOf('digits', digits));
    expect(rows(input, 8)).toEqual(Array.from({ length: 8 }, () => [0, 0, 0, 255, 80, 0, 0, 0]));
  });

  it('takes the background to 0 and the brightest pixel to 255', () => {
    // A grey photo: background 50, the object 150.
    const photo = picture(20, 20, 50, (x, y) => (y >= 2 && y < 18 && x >= 8 && x < 12 ? 150 : undefined));
    expect(rows(toModelInput(photo, digits, framingOf('digits', digits)), 8)).toEqual(Array.from({ length: 8 }, () => [0, 0, 0, 255, 255, 0, 0, 0]));
  });

  it('gives all zeros for an empty picture', () => {
    expect([...toModelInput(picture(224, 224, 0, () => undefined), mnist, framingOf('mnist', mnist))]).toEqual(new Array(784).fill(0));
  });

  it('resizes the whole picture by area for imported datasets, in grey or in colour', () => {
    const grey = picture(4, 4, 0, (x, y) => (x < 2 ? (y < 2 ? 100 : 20) : y < 2 ? 0 : 60));
    expect([...toModelInput(grey, { height: 2, width: 2, channels: 1 }, framingOf('user-x', { height: 2, width: 2, channels: 1 }))]).toEqual([100, 0, 20, 60]);
    const data = new Uint8ClampedArray(4 * 4 * 4);
    for (let i = 0; i < 16; i++) data.set([i % 2 === 0 ? 200 : 100, 10, 255, 255], 4 * i);
    const colour = toModelInput({ width: 4, height: 4, data }, { height: 1, width: 2, channels: 3 }, { kind: 'whole', description: '' });
    expect([...colour]).toEqual([150, 10, 255, 150, 10, 255]);
  });

  it('refuses a picture whose bytes do not match its size, in words', () => {
    expect(() => toModelInput({ width: 2, height: 2, data: new Uint8Array(15) }, digits, framingOf('digits', digits))).toThrow('the picture must be width × height RGBA bytes; got 15 bytes for 2×2');
  });
});
