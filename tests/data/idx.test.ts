/** IDX (MNIST family): exact pixels and labels from files built here, raw and .gz, and damaged files named with their offset. */
import { describe, expect, it } from 'vitest';
import { parseIdx } from '../../src/data/idx.ts';
import { gzip, idxFile } from './fixtures.ts';

const pixels = Array.from({ length: 12 }, (_, i) => i * 20);
const images = idxFile([2, 2, 3], pixels);
const labels = idxFile([2], [7, 3]);
const expected = { height: 2, width: 3, channels: 1, count: 2, images: Uint8Array.from(pixels), labels: Uint8Array.from([7, 3]) };

const img = (bytes: Uint8Array, file = 'img') => ({ file, bytes });
const lbl = (bytes: Uint8Array, file = 'lbl') => ({ file, bytes });

describe('parseIdx', () => {
  it('reads images (N × H × W) and labels (N)', async () => {
    expect(await parseIdx(img(images), lbl(labels))).toEqual(expected);
  });

  it('reads the same from .gz files', async () => {
    expect(await parseIdx(img(await gzip(images), 'img.gz'), lbl(await gzip(labels), 'lbl.gz'))).toEqual(expected);
  });

  it('reads N × H × W × C as channels', async () => {
    const rgb = await parseIdx(img(idxFile([1, 2, 2, 3], pixels)), lbl(idxFile([1], [4])));
    expect([rgb.height, rgb.width, rgb.channels, rgb.count]).toEqual([2, 2, 3, 1]);
    expect(rgb.images).toEqual(Uint8Array.from(pixels));
  });

  it('rejects a file that is not IDX', async () => {
    const other = images.slice();
    other[0] = 1;
    await expect(parseIdx(img(other), lbl(labels))).rejects.toThrow(
      'img, byte 0: this is not an IDX file (IDX files start with two zero bytes); choose an MNIST-style file such as train-images-idx3-ubyte or its .gz',
    );
  });

  it('rejects data types other than unsigned bytes', async () => {
    const floats = images.slice();
    floats[2] = 0x0d;
    await expect(parseIdx(img(floats), lbl(labels))).rejects.toThrow('img, byte 2: the IDX data type is float (0x0d); only unsigned bytes (0x08), as in MNIST, can be read');
  });

  it('rejects a file cut inside its header or its data', async () => {
    await expect(parseIdx(img(images.subarray(0, 6)), lbl(labels))).rejects.toThrow(
      'img, byte 6: the file ends here, inside the header of 16 bytes; the file is truncated, so download or copy it again',
    );
    await expect(parseIdx(img(images.subarray(0, 23)), lbl(labels))).rejects.toThrow(
      'img, byte 23: the file ends here, but its header (2 × 2 × 3) describes 28 bytes; the file is truncated, so download or copy it again',
    );
  });

  it('places the offset of a cut .gz file in its decompressed data', async () => {
    await expect(parseIdx(img(await gzip(images.subarray(0, 23)), 'img.gz'), lbl(labels))).rejects.toThrow(
      'img.gz, byte 23 of the decompressed data: the file ends here, but its header (2 × 2 × 3) describes 28 bytes',
    );
  });

  it('rejects bytes after the data', async () => {
    await expect(parseIdx(img(new Uint8Array([...images, 9, 9])), lbl(labels))).rejects.toThrow(
      'img, byte 28: 2 unexpected bytes follow the 2 × 2 × 3 values the header describes; the file is corrupt',
    );
  });

  it('rejects labels that do not belong to the images', async () => {
    await expect(parseIdx(img(images), lbl(idxFile([3], [1, 2, 3])))).rejects.toThrow(
      'lbl, byte 4: the file holds 3 labels, but img holds 2 images; choose the labels file that belongs to those images',
    );
  });

  it('says when the two files are swapped', async () => {
    await expect(parseIdx(lbl(labels), img(images))).rejects.toThrow(
      'lbl, byte 3: an images file has 3 dimensions (count × height × width) or 4 (… × channels), this one 1; did you choose the labels file?',
    );
  });
});
