/**
 * The image decoder of browsers (pages and workers alike): createImageBitmap decodes PNG, JPEG, GIF
 * (its first frame), BMP and WebP, and an OffscreenCanvas reads the pixels back. Node has neither,
 * so image-folder.ts takes the decoder as a parameter and this is the browser's one.
 *
 * The search worker's module is also type-checked (and run) in Node by tests that do not decode
 * images, so the few browser APIs used here are declared below and found on globalThis, rather
 * than taken from the DOM library that Node's type check lacks.
 */
import { formatCount } from '../core/units.ts';
import { bytesInWords } from '../core/import-limits.ts';
import { DatasetError } from './errors.ts';
import { maxImagePixels, type DecodedImage, type ImageDecoder, type ImageFile } from './image-folder.ts';

interface Bitmap {
  readonly width: number;
  readonly height: number;
  close(): void;
}
interface Context2d {
  clearRect(x: number, y: number, width: number, height: number): void;
  drawImage(image: Bitmap, x: number, y: number): void;
  getImageData(x: number, y: number, width: number, height: number): { readonly data: Uint8ClampedArray };
}
interface Canvas {
  readonly width: number;
  readonly height: number;
  getContext(type: '2d', options: { willReadFrequently: boolean }): Context2d | null;
}
interface BrowserImaging {
  readonly createImageBitmap?: (image: Blob, options: { colorSpaceConversion: 'none'; premultiplyAlpha: 'none' }) => Promise<Bitmap>;
  readonly OffscreenCanvas?: new (width: number, height: number) => Canvas;
}

/** One canvas, reused while the images keep their size (a folder's images usually share one). */
let canvas: Canvas | undefined;

export const decodeImageInBrowser: ImageDecoder = async (file: ImageFile, limits = {}): Promise<DecodedImage> => {
  const { createImageBitmap, OffscreenCanvas } = globalThis as BrowserImaging;
  if (createImageBitmap === undefined || OffscreenCanvas === undefined) {
    throw new Error('images can only be decoded in a browser that has createImageBitmap and OffscreenCanvas (any current one)');
  }
  let bitmap: Bitmap;
  try {
    // 'none': the pixels as stored, without colour-profile conversion or alpha premultiplication by the decoder.
    bitmap = await createImageBitmap(new Blob([file.bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (cause) {
    throw new DatasetError(file.path, undefined, 'is not an image this browser can decode (PNG, JPEG, GIF, BMP or WebP), or it is damaged; remove it or save it again as PNG', { cause });
  }
  try {
    const { width, height } = bitmap;
    if (width * height > maxImagePixels) {
      throw new DatasetError(file.path, undefined, `is ${width}×${height} pixels, more than the ${formatCount(maxImagePixels)} this app decodes; shrink it first`);
    }
    // Checked before the pixels are read out of the bitmap into an array of that size.
    if (limits.maxBytes !== undefined && width * height * 4 > limits.maxBytes) {
      throw new DatasetError(file.path, undefined, `is ${width}×${height} pixels, whose RGBA values take ${bytesInWords(width * height * 4)}, more than the ${bytesInWords(limits.maxBytes)} this import has left to decode; shrink it or import fewer images`);
    }
    if (canvas === undefined || canvas.width !== width || canvas.height !== height) canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext('2d', { willReadFrequently: true });
    if (context === null) throw new Error('this browser offers no 2D canvas here, so images cannot be decoded; try another browser');
    context.clearRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0);
    return { width, height, rgba: context.getImageData(0, 0, width, height).data };
  } finally {
    bitmap.close();
  }
};
