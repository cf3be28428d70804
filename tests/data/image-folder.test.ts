/**
 * Image folders: classes from folder names, what is ignored and counted, train/test folders, and the
 * channel and size conversion of decoded images. Browsers decode real PNGs in
 * decode-image-browser.browser.test.ts; here a decoder of raw RGBA files stands in, since Node has
 * no image decoder and the decoder is a parameter for exactly that reason.
 */
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/data/errors.ts';
import { decodeImageFiles, groupImageFolder, type ImageDecoder, type ImageFile } from '../../src/data/image-folder.ts';

const file = (path: string): ImageFile => ({ path, bytes: new Uint8Array() });
const paths = (files: readonly { file: ImageFile; label: number }[]) => files.map(({ file: f, label }) => [f.path, label]);

/** Files whose bytes are width, height, then RGBA pixels. */
const rawRgba: ImageDecoder = async ({ path, bytes }) => {
  if (bytes.length < 2) throw new Error(`${path} is empty`);
  return { width: bytes[0]!, height: bytes[1]!, rgba: new Uint8ClampedArray(bytes.subarray(2)) };
};
const rgbaFile = (path: string, width: number, height: number, pixel: (i: number) => [number, number, number, number]): ImageFile => ({
  path,
  bytes: Uint8Array.from([width, height, ...Array.from({ length: width * height }, (_, i) => pixel(i)).flat()]),
});

describe('groupImageFolder', () => {
  it('takes class names from the folders below the common top folder, sorted, and counts what it ignores', () => {
    const folder = groupImageFolder([
      file('pets/dog/1.PNG'),
      file('pets/cat/a.jpg'),
      file('pets/cat/kittens/b.jpeg'),
      file('pets/Zebra/z.webp'),
      file('pets/cover.png'),
      file('pets/.DS_Store'),
      file('pets/cat/._a.jpg'),
      file('__MACOSX/pets/cat/._a.jpg'),
      file('pets/dog/notes.txt'),
      file('pets/dog/Thumbs.db'),
    ]);
    expect(folder.root).toBe('pets');
    expect(folder.classNames).toEqual(['Zebra', 'cat', 'dog']);
    expect(paths(folder.train)).toEqual([
      ['pets/dog/1.PNG', 2],
      ['pets/cat/a.jpg', 1],
      ['pets/cat/kittens/b.jpeg', 1],
      ['pets/Zebra/z.webp', 0],
    ]);
    expect(folder.test).toBeUndefined();
    expect(folder.ignored).toEqual({ outsideClassFolder: 1, hidden: 3, notImages: 2 });
  });

  it('reads class folders at the top of an archive', () => {
    const folder = groupImageFolder([file('b/1.gif'), file('a/2.bmp')]);
    expect(folder.root).toBe('');
    expect(paths(folder.train)).toEqual([
      ['b/1.gif', 1],
      ['a/2.bmp', 0],
    ]);
  });

  it('makes test/ the test set and puts val/ with train/ when the top folder splits the classes', () => {
    const folder = groupImageFolder([
      file('data/train/cat/1.png'),
      file('data/train/dog/2.png'),
      file('data/val/dog/3.png'),
      file('data/Test/cat/4.png'),
      file('data/test/bird/5.png'),
      file('data/train/6.png'),
    ]);
    expect(folder.classNames).toEqual(['bird', 'cat', 'dog']);
    expect(paths(folder.train)).toEqual([
      ['data/train/cat/1.png', 1],
      ['data/train/dog/2.png', 2],
      ['data/val/dog/3.png', 2],
    ]);
    expect(paths(folder.test ?? [])).toEqual([
      ['data/Test/cat/4.png', 1],
      ['data/test/bird/5.png', 0],
    ]);
    expect(folder.ignored.outsideClassFolder).toBe(1);
  });

  it('says what is wrong when there are no images or fewer than two classes', () => {
    expect(() => groupImageFolder([file('a/readme.txt'), file('.hidden.png')])).toThrow(
      'the chosen files: no images were found among the 2 files (1 not images, 1 hidden); choose a folder or .zip with PNG, JPEG, GIF, BMP or WebP images in one folder per class',
    );
    expect(() => groupImageFolder([file('cat/1.png'), file('cat/2.png')])).toThrow(
      'the chosen files: all 2 images are directly in "cat"; a classifier needs at least two classes, so put each class\'s images in a folder of its own (cat/, dog/, …) and choose the folder that holds those folders',
    );
    expect(() => groupImageFolder([file('pets/cat/1.png'), file('pets/2.png')], 'pets.zip')).toThrow('pets.zip: the only class folder is "cat"; a classifier needs at least two classes');
  });
});

describe('decodeImageFiles', () => {
  const red = (): [number, number, number, number] => [255, 0, 0, 128];
  const files = [
    { file: rgbaFile('a/red.png', 2, 2, red), label: 0 },
    // 4×2: left half white, right half black, opaque.
    { file: rgbaFile('b/half.png', 4, 2, (i) => (i % 4 < 2 ? [255, 255, 255, 255] : [0, 0, 0, 255])), label: 1 },
  ];

  it('converts channels (BT.601 luma, alpha kept only for 2 and 4) and resizes by area when shrinking', async () => {
    const gray = await decodeImageFiles(files, { height: 1, width: 2, channels: 1 }, rawRgba);
    // Red: (299·255 + 500) / 1000 → 76; the 4×2 image halves to its two 2×2 block means.
    expect([...gray.images]).toEqual([76, 76, 255, 0]);
    expect([...gray.labels]).toEqual([0, 1]);
    expect(gray).toMatchObject({ height: 1, width: 2, channels: 1, count: 2 });
    const grayAlpha = await decodeImageFiles(files.slice(0, 1), { height: 1, width: 1, channels: 2 }, rawRgba);
    expect([...grayAlpha.images]).toEqual([76, 128]);
    const rgb = await decodeImageFiles(files.slice(0, 1), { height: 1, width: 1, channels: 3 }, rawRgba);
    expect([...rgb.images]).toEqual([255, 0, 0]);
    const rgba = await decodeImageFiles(files.slice(0, 1), { height: 2, width: 2, channels: 4 }, rawRgba);
    expect([...rgba.images]).toEqual([255, 0, 0, 128, 255, 0, 0, 128, 255, 0, 0, 128, 255, 0, 0, 128]);
  });

  it('enlarges bilinearly', async () => {
    // A 2×1 gray ramp (0, 255) to 4×1: half-pixel centres give 0, 64, 191, 255.
    const ramp = rgbaFile('r.png', 2, 1, (i) => (i === 0 ? [0, 0, 0, 255] : [255, 255, 255, 255]));
    const set = await decodeImageFiles([{ file: ramp, label: 0 }], { height: 1, width: 4, channels: 1 }, rawRgba);
    expect([...set.images]).toEqual([0, 64, 191, 255]);
  });

  it('names the file that cannot be decoded, and refuses a bad target size', async () => {
    const broken = { file: { path: 'pets/cat/broken.png', bytes: new Uint8Array(1) }, label: 0 };
    const error = await decodeImageFiles([...files, broken], { height: 2, width: 2, channels: 1 }, rawRgba).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as Error).message).toBe('pets/cat/broken.png: could not be decoded as an image (pets/cat/broken.png is empty); remove it or save it again as PNG or JPEG');
    await expect(decodeImageFiles(files, { height: 0, width: 2, channels: 1 }, rawRgba)).rejects.toThrow('The image height must be a whole number from 1 to 4096, got 0.');
    await expect(decodeImageFiles(files, { height: 2, width: 2, channels: 5 }, rawRgba)).rejects.toThrow('The image channels must be a whole number from 1 to 4, got 5.');
  });
});
