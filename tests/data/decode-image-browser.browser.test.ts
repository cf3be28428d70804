/** The browser's image decoder on real files: exact pixels of a PNG and a BMP, then a folder decoded to a set, and a broken file named. */
import { describe, expect, it } from 'vitest';
import { decodeImageInBrowser } from '../../src/data/decode-image-browser.ts';
import { decodeImageFiles, groupImageFolder } from '../../src/data/image-folder.ts';
import { bmp, png, type Rgb } from './image-files.ts';

const colours: readonly Rgb[] = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
/** Red, green on the top row; blue, white below. */
const quadrants = (x: number, y: number): Rgb => colours[2 * y + x]!;

describe('decodeImageInBrowser', () => {
  it('decodes a PNG made by the canvas to its exact RGBA pixels', async () => {
    const image = await decodeImageInBrowser({ path: 'q.png', bytes: await png(2, 2, quadrants) });
    expect(image.width).toBe(2);
    expect(image.height).toBe(2);
    expect([...image.rgba]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
  });

  it('decodes a BMP written byte by byte (bottom-up rows, BGR, padded)', async () => {
    const image = await decodeImageInBrowser({ path: 'q.bmp', bytes: bmp(2, 2, quadrants) });
    expect([...image.rgba]).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 255, 255, 255, 255]);
    // Sizes of different shape, one after the other, through the one reused canvas.
    const wide = await decodeImageInBrowser({ path: 'w.bmp', bytes: bmp(3, 1, (x) => [x * 100, 0, 0]) });
    expect([...wide.rgba]).toEqual([0, 0, 0, 255, 100, 0, 0, 255, 200, 0, 0, 255]);
  });

  it('names a file that is not an image, and a truncated PNG', async () => {
    await expect(decodeImageInBrowser({ path: 'pets/cat/notes.png', bytes: new TextEncoder().encode('not a picture') })).rejects.toThrow(
      'pets/cat/notes.png: is not an image this browser can decode (PNG, JPEG, GIF, BMP or WebP), or it is damaged; remove it or save it again as PNG',
    );
    const cut = (await png(8, 8, () => [10, 20, 30])).subarray(0, 30);
    await expect(decodeImageInBrowser({ path: 'cut.png', bytes: cut })).rejects.toThrow('cut.png: is not an image this browser can decode');
  });

  // Issue 14: a picture's pixels are checked against what the import has left before they are read out.
  it('refuses a picture whose RGBA pixels would pass the bytes the import has left', async () => {
    const bytes = bmp(20, 10, () => [1, 2, 3]);
    await expect(decodeImageInBrowser({ path: 'pets/cat/wide.bmp', bytes }, { maxBytes: 799 })).rejects.toThrow(
      'pets/cat/wide.bmp: is 20×10 pixels, whose RGBA values take 800 B (800 bytes), more than the 799 B (799 bytes) this import has left to decode; shrink it or import fewer images',
    );
    expect((await decodeImageInBrowser({ path: 'pets/cat/wide.bmp', bytes }, { maxBytes: 800 })).rgba.length).toBe(800);
  });

  it('decodes a folder of class folders into an image set of the chosen size', async () => {
    const folder = groupImageFolder([
      { path: 'shapes/white/a.png', bytes: await png(4, 4, () => [255, 255, 255]) },
      { path: 'shapes/black/b.bmp', bytes: bmp(3, 5, () => [0, 0, 0]) },
      { path: 'shapes/red/c.png', bytes: await png(1, 1, () => [255, 0, 0]) },
    ]);
    expect(folder.classNames).toEqual(['black', 'red', 'white']);
    const set = await decodeImageFiles(folder.train, { height: 2, width: 2, channels: 3 }, decodeImageInBrowser);
    expect(set).toMatchObject({ height: 2, width: 2, channels: 3, count: 3 });
    expect([...set.labels]).toEqual([2, 0, 1]);
    expect([...set.images]).toEqual([...Array(12).fill(255), ...Array(12).fill(0), ...[0, 1, 2, 3].flatMap(() => [255, 0, 0])]);
  });
});
