/**
 * Image datasets given as a folder (or .zip) of images sorted into one folder per class, the layout
 * Keras's image_dataset_from_directory and torchvision's ImageFolder read: the class folders sit in
 * one top folder, a folder's name is its class name, classes are numbered in sorted name order, and
 * images in subfolders of a class folder belong to that class. Images directly in the top folder
 * belong to no class and are left out (counted). When the top folder holds only `train/`, `test/`
 * (and `val/`) folders with the class folders inside them, `test/` becomes the test set.
 *
 * Grouping is pure; decoding needs an image decoder, which only a browser has (decode-image-browser.ts),
 * so it is handed in.
 */
import { formatCount } from '../core/units.ts';
import type { ImportBudget } from './budget.ts';
import type { ImageSet } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { resizeImageSet } from './resize.ts';
import { toGrayscale } from './transform.ts';

export interface ImageFile {
  /** Its path inside the chosen folder or archive, '/' between folders. */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** A decoded image: `rgba` holds height × width × 4 bytes, row by row, alpha not premultiplied. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: Uint8ClampedArray;
}

/**
 * Decodes one image file; throws (ideally a DatasetError naming the file) when it cannot. With
 * `maxBytes`, an image whose RGBA pixels would take more is refused before they are read out.
 */
export type ImageDecoder = (file: ImageFile, limits?: { readonly maxBytes?: number }) => Promise<DecodedImage>;

/** The formats every current browser decodes (createImageBitmap). */
export const imageExtensions: readonly string[] = ['png', 'jpg', 'jpeg', 'gif', 'bmp', 'webp'];

/** A decoded image of more pixels is refused: 64 megapixels is a large camera photo, and 256 MB as RGBA. */
export const maxImagePixels = 2 ** 26;

export interface LabelledFile {
  readonly file: ImageFile;
  readonly label: number;
}

export interface ImageFolder {
  /** Sorted by code point, as Keras and torchvision sort them; labels index this list. */
  readonly classNames: readonly string[];
  readonly train: readonly LabelledFile[];
  /** Only when the top folder splits the class folders into train/ and test/. */
  readonly test?: readonly LabelledFile[];
  /** The top folder ('' when the class folders are at the top of an archive). */
  readonly root: string;
  readonly ignored: {
    /** Images in the top folder (or directly in train/ or test/), not in a class folder. */
    readonly outsideClassFolder: number;
    /** Dotfiles and macOS's __MACOSX resource forks. */
    readonly hidden: number;
    /** Files whose extension is not one of imageExtensions. */
    readonly notImages: number;
  };
}

type SplitRole = 'train' | 'test';
/** Folder names (lower case) that mean a split rather than a class; validation images join the training pool, from which validation is drawn. */
const SPLIT_FOLDERS: Record<string, SplitRole> = { train: 'train', training: 'train', val: 'train', valid: 'train', validation: 'train', test: 'test', testing: 'test' };
/** Labels are bytes. */
const MAX_CLASSES = 256;

const isHidden = (segment: string): boolean => segment.startsWith('.') || segment === '__MACOSX';
const extensionOf = (name: string): string => (name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '');

/**
 * Sorts `files` into classes by folder; throws a DatasetError naming `source` (the archive or folder
 * they came from) when they are not one folder per class.
 */
export function groupImageFolder(files: readonly ImageFile[], source = 'the chosen files'): ImageFolder {
  const fail = (problem: string) => new DatasetError(source, undefined, problem);
  let hidden = 0;
  let notImages = 0;
  const images: { file: ImageFile; folders: string[] }[] = [];
  for (const file of files) {
    const segments = file.path.split('/').filter((segment) => segment !== '');
    if (segments.some(isHidden)) hidden++;
    else if (!imageExtensions.includes(extensionOf(segments.at(-1) ?? ''))) notImages++;
    else images.push({ file, folders: segments.slice(0, -1) });
  }
  if (images.length === 0) {
    throw fail(
      `no images were found among the ${files.length} files (${notImages} not images, ${hidden} hidden); choose a folder or .zip with PNG, JPEG, GIF, BMP or WebP images in one folder per class`,
    );
  }
  const root = commonPrefix(images.map((image) => image.folders));
  const tops = new Set(images.flatMap((image) => (image.folders.length > root.length ? [image.folders[root.length]!] : [])));
  const roles = [...tops].map((top) => SPLIT_FOLDERS[top.toLowerCase()]);
  const split = tops.size > 0 && roles.every((role) => role !== undefined) && roles.includes('train');
  const depth = root.length + (split ? 1 : 0);

  let outsideClassFolder = 0;
  const placed: { file: ImageFile; className: string; role: SplitRole }[] = [];
  for (const { file, folders } of images) {
    if (folders.length <= depth) {
      outsideClassFolder++;
      continue;
    }
    const role = split ? SPLIT_FOLDERS[folders[root.length]!.toLowerCase()]! : 'train';
    placed.push({ file, className: folders[depth]!, role });
  }
  const rootName = root.join('/');
  // Code-point order, as Python's sorted() gives Keras and torchvision (not the locale's order, which differs between machines).
  const classNames = [...new Set(placed.map((item) => item.className))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (classNames.length < 2) {
    const where = rootName === '' ? 'the top of the archive' : `"${rootName}"`;
    const found = classNames.length === 0 ? `all ${images.length} images are directly in ${where}` : `the only class folder is "${classNames[0]}"`;
    throw fail(`${found}; a classifier needs at least two classes, so put each class's images in a folder of its own (cat/, dog/, …) and choose the folder that holds those folders`);
  }
  if (classNames.length > MAX_CLASSES) throw fail(`there are ${classNames.length} class folders in "${rootName}"; at most ${MAX_CLASSES} classes can be imported`);
  const labelOf = new Map(classNames.map((name, label) => [name, label]));
  const labelled = (role: SplitRole): LabelledFile[] => placed.filter((item) => item.role === role).map((item) => ({ file: item.file, label: labelOf.get(item.className)! }));
  const train = labelled('train');
  const test = split ? labelled('test') : [];
  if (train.length === 0) throw fail(`the training folder in "${rootName}" holds no images in class folders; put the images in train/<class>/`);
  return {
    classNames,
    train,
    ...(test.length > 0 ? { test } : {}),
    root: rootName,
    ignored: { outsideClassFolder, hidden, notImages },
  };
}

function commonPrefix(paths: readonly string[][]): string[] {
  const first = paths[0] ?? [];
  let length = first.length;
  for (const path of paths) {
    let same = 0;
    while (same < length && same < path.length && path[same] === first[same]) same++;
    length = same;
  }
  return first.slice(0, length);
}

export interface ImageShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Decodes `files` and brings each to `shape`: channels first (1: BT.601 luma as toGrayscale, 2: luma
 * and alpha, 3: RGB, 4: RGBA; alpha is dropped, not blended), then the size, stretched without
 * keeping the aspect ratio (Keras's default), by area averaging when shrinking and bilinear
 * interpolation otherwise (resize.ts). Throws a DatasetError naming the first file that fails.
 *
 * With a `budget`, the images at `shape` are counted against it before anything is decoded (named
 * `source`, the folder or archive), and each picture's RGBA pixels and resizing buffer must fit in
 * what is left before they are made (they are dropped after each picture, so they are not kept).
 */
export async function decodeImageFiles(
  files: readonly LabelledFile[],
  shape: ImageShape,
  decode: ImageDecoder,
  options: { readonly budget?: ImportBudget; readonly source?: string } = {},
): Promise<ImageSet> {
  const { height, width, channels } = shape;
  for (const [name, value, max] of [['height', height, 4096], ['width', width, 4096], ['channels', channels, 4]] as const) {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`The image ${name} must be a whole number from 1 to ${max}, got ${value}.`);
  }
  const size = height * width * channels;
  const { budget } = options;
  budget?.take(options.source ?? 'the images', files.length * size, `holds ${formatCount(files.length)} images, which at ${height}×${width}×${channels} take`);
  const images = new Uint8Array(files.length * size);
  const labels = new Uint8Array(files.length);
  for (const [n, { file, label }] of files.entries()) {
    const decoded = await decodeOne(file, decode, budget, width * channels);
    const pixels = fromRgba(decoded, channels);
    const method = decoded.height <= height && decoded.width <= width && (decoded.height < height || decoded.width < width) ? 'bilinear' : 'area';
    const resized = resizeImageSet(pixels, { height, width, method });
    images.set(resized.images, n * size);
    labels[n] = label;
  }
  return { height, width, channels, count: files.length, images, labels };
}

/** RGBA bytes per pixel, and the resizer's float64 buffer (input rows × output row) per input row and output column-channel. */
const RGBA_BYTES = 4;
const PARTIAL_BYTES = 8;

async function decodeOne(file: ImageFile, decode: ImageDecoder, budget: ImportBudget | undefined, outRowBytes: number): Promise<DecodedImage> {
  let decoded: DecodedImage;
  try {
    decoded = await decode(file, budget === undefined ? {} : { maxBytes: budget.left });
  } catch (cause) {
    if (cause instanceof DatasetError) throw cause;
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DatasetError(file.path, undefined, `could not be decoded as an image (${reason}); remove it or save it again as PNG or JPEG`, { cause });
  }
  const { width, height, rgba } = decoded;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new DatasetError(file.path, undefined, `decodes to an image of ${width}×${height} pixels; remove it or save it again`);
  }
  if (width * height > maxImagePixels) {
    throw new DatasetError(file.path, undefined, `is ${width}×${height} pixels, more than the ${formatCount(maxImagePixels)} this app decodes; shrink it first`);
  }
  budget?.check(file.path, width * height * RGBA_BYTES + height * outRowBytes * PARTIAL_BYTES, `is ${width}×${height} pixels; decoding and resizing it takes`);
  if (rgba.length !== width * height * 4) throw new Error(`the image decoder gave ${rgba.length} bytes for ${file.path} (${width}×${height} RGBA needs ${width * height * 4})`);
  return decoded;
}

/** One image of `channels` channels from RGBA. */
function fromRgba({ width, height, rgba }: DecodedImage, channels: number): ImageSet {
  const one = (pixels: Uint8Array, c: number): ImageSet => ({ height, width, channels: c, count: 1, images: pixels, labels: new Uint8Array(1) });
  const rgbaSet = one(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.length), 4);
  if (channels === 4) return one(rgbaSet.images.slice(), 4);
  const pixelCount = width * height;
  if (channels === 3) {
    const rgb = new Uint8Array(pixelCount * 3);
    for (let p = 0; p < pixelCount; p++) rgb.set(rgbaSet.images.subarray(4 * p, 4 * p + 3), 3 * p);
    return one(rgb, 3);
  }
  const gray = toGrayscale(rgbaSet);
  if (channels === 1) return gray;
  const grayAlpha = new Uint8Array(pixelCount * 2);
  for (let p = 0; p < pixelCount; p++) {
    grayAlpha[2 * p] = gray.images[p]!;
    grayAlpha[2 * p + 1] = rgba[4 * p + 3]!;
  }
  return one(grayAlpha, 2);
}
