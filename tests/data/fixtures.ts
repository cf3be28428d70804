/**
 * Small files built in the tests, for the decoders: tiny datasets, IDX arrays, CIFAR-10 records and
 * gzip, with nothing but platform APIs (so Node and Chromium tests share them).
 */
import { crc32 } from '../../src/data/crc32.ts';
import type { Dataset, ImageSet } from '../../src/data/dataset.ts';

/** Gzip through the platform's CompressionStream (Node ≥ 18 and browsers). */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new CompressionStream('gzip');
  const writer = stream.writable.getWriter();
  void writer.write(new Uint8Array(bytes));
  void writer.close();
  return new Uint8Array(await new Response(stream.readable).arrayBuffer());
}

export function imageSet(height: number, width: number, channels: number, labels: number[], pixels: (n: number, i: number) => number): ImageSet {
  const size = height * width * channels;
  const images = new Uint8Array(labels.length * size);
  for (let n = 0; n < labels.length; n++) for (let i = 0; i < size; i++) images[n * size + i] = pixels(n, i);
  return { height, width, channels, count: labels.length, images, labels: Uint8Array.from(labels) };
}

/**
 * A 2×3 gray dataset with classes "cat" and "dog": 3 train, 1 validation, 2 test images; pixel i of
 * image n of a split is 10·n + i plus 100 for validation and 200 for test, so every byte is known.
 */
export function tinyDataset(): Dataset {
  return {
    id: 'tiny',
    name: 'Tiny',
    classNames: ['cat', 'dog'],
    train: imageSet(2, 3, 1, [0, 1, 1], (n, i) => 10 * n + i),
    validation: imageSet(2, 3, 1, [1], (n, i) => 100 + 10 * n + i),
    test: imageSet(2, 3, 1, [0, 1], (n, i) => 200 + 10 * n + i),
  };
}

/** A copy of SPDS `bytes` with `edit` applied and the trailing CRC-32 recomputed, so only the edit is wrong. */
export function editWithCrc(bytes: Uint8Array, edit: (copy: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  edit(copy);
  new DataView(copy.buffer).setUint32(copy.length - 4, crc32(copy.subarray(0, copy.length - 4)), true);
  return copy;
}

/** An IDX file of unsigned bytes (type 0x08) with big-endian dimensions. */
export function idxFile(dims: number[], data: number[] | Uint8Array): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  bytes.set([0, 0, 0x08, dims.length]);
  const view = new DataView(bytes.buffer);
  dims.forEach((dim, i) => view.setUint32(4 + 4 * i, dim, false));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

/** CIFAR-10 binary records: label, then the red, green and blue planes of 32×32. */
export function cifarRecords(records: { label: number; rgb: (pixel: number) => [number, number, number] }[]): Uint8Array {
  const bytes = new Uint8Array(records.length * 3073);
  records.forEach(({ label, rgb }, n) => {
    bytes[n * 3073] = label;
    for (let p = 0; p < 1024; p++) {
      const [r, g, b] = rgb(p);
      bytes[n * 3073 + 1 + p] = r;
      bytes[n * 3073 + 1 + 1024 + p] = g;
      bytes[n * 3073 + 1 + 2048 + p] = b;
    }
  });
  return bytes;
}

export const text = (value: string): Uint8Array => new TextEncoder().encode(value);
