/**
 * The image decoder of browsers (pages and workers alike): createImageBitmap decodes PNG, JPEG, GIF
 * (its first frame), BMP and WebP, and an OffscreenCanvas reads the pixels back. Node has neither,
 * so this module is browser-only; image-folder.ts takes the decoder as a parameter.
 */
import { DatasetError } from './errors.ts';
import { maxImagePixels, type DecodedImage, type ImageDecoder, type ImageFile } from './image-folder.ts';

/** One canvas, reused while the images keep their size (a folder's images usually share one). */
let canvas: OffscreenCanvas | undefined;

export const decodeImageInBrowser: ImageDecoder = async (file: ImageFile): Promise<DecodedImage> => {
  let bitmap: ImageBitmap;
  try {
    // 'none': the pixels as stored, without colour-profile conversion or alpha premultiplication by the decoder.
    bitmap = await createImageBitmap(new Blob([file.bytes.slice()]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (cause) {
    throw new DatasetError(file.path, undefined, 'is not an image this browser can decode (PNG, JPEG, GIF, BMP or WebP), or it is damaged; remove it or save it again as PNG', { cause });
  }
  try {
    const { width, height } = bitmap;
    if (width * height > maxImagePixels) {
      throw new DatasetError(file.path, undefined, `is ${width}×${height} pixels, more than the ${maxImagePixels} this app decodes; shrink it first`);
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
