/**
 * IDX, the format of MNIST and its family (Fashion-MNIST, KMNIST, EMNIST…), raw or gzip-compressed.
 * Layout (Y. LeCun's MNIST page, http://yann.lecun.com/exdb/mnist/): two zero bytes, a type code, the
 * number of dimensions, then each dimension as a big-endian uint32, then the data in row-major order.
 * Only unsigned bytes (type 0x08) are read: every image dataset of the family uses them.
 */
import type { ImportBudget } from './budget.ts';
import type { ImageSet } from './dataset.ts';
import { errorAt, type NamedBytes } from './errors.ts';
import { decompressIfGzip } from './gzip.ts';

/** An IDX array of unsigned bytes: its dimensions and its data, row-major. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** The IDX type codes (MNIST page), for naming the ones we do not read. */
const TYPE_NAMES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };
const UNSIGNED_BYTE = 0x08;
/** Far beyond any image dataset; a larger count means a corrupt header. */
const MAX_DIMENSIONS = 8;
/** The same side limit as our own format and the architecture JSON. */
const MAX_SIDE = 4096;
const MAX_CHANNELS = 4;

/** Decodes one IDX array of unsigned bytes (already decompressed); throws a DatasetError naming the file and offset. */
export function decodeIdx(source: NamedBytes, budget?: ImportBudget): IdxArray {
  const { bytes } = source;
  const fail = (offset: number, problem: string) => errorAt(source, offset, problem);
  if (bytes.length < 4) throw fail(bytes.length, 'the file ends here, inside the 4-byte IDX header; the file is truncated, so download or copy it again');
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw fail(0, 'this is not an IDX file (IDX files start with two zero bytes); choose an MNIST-style file such as train-images-idx3-ubyte or its .gz');
  }
  const type = bytes[2]!;
  if (type !== UNSIGNED_BYTE) {
    const name = TYPE_NAMES[type];
    throw fail(2, name === undefined ? `the IDX type code is 0x${hex(type)}, which IDX does not define; the file is corrupt` : `the IDX data type is ${name} (0x${hex(type)}); only unsigned bytes (0x08), as in MNIST, can be read`);
  }
  const rank = bytes[3]!;
  if (rank < 1 || rank > MAX_DIMENSIONS) throw fail(3, `the IDX file says it has ${rank} dimensions; image and label files have 1 to 4, so the file is corrupt`);
  const dataStart = 4 + 4 * rank;
  if (bytes.length < dataStart) throw fail(bytes.length, `the file ends here, inside the header of ${dataStart} bytes; the file is truncated, so download or copy it again`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = dims.reduce((product, dim) => product * dim, 1);
  const end = dataStart + size;
  if (bytes.length < end) throw fail(bytes.length, `the file ends here, but its header (${dims.join(' × ')}) describes ${end} bytes; the file is truncated, so download or copy it again`);
  if (bytes.length > end) throw fail(end, `${bytes.length - end} unexpected bytes follow the ${dims.join(' × ')} values the header describes; the file is corrupt`);
  budget?.take(source.file, size, `holds ${dims.join(' × ')} values, which take`);
  return { dims, data: bytes.slice(dataStart, end) };
}

/**
 * An image set from an IDX images file (N × H × W, or N × H × W × C) and its labels file (N), raw or
 * .gz (detected by content). Both must hold the same N.
 */
export async function parseIdx(images: NamedBytes, labels: NamedBytes, budget?: ImportBudget): Promise<ImageSet> {
  const imageSource = await decompressIfGzip(images, budget);
  const labelSource = await decompressIfGzip(labels, budget);
  const pixels = decodeIdx(imageSource, budget);
  const classes = decodeIdx(labelSource, budget);
  const [count = 0, height = 0, width = 0, channels = 1] = pixels.dims;
  if (pixels.dims.length !== 3 && pixels.dims.length !== 4) {
    throw errorAt(imageSource, 3, `an images file has 3 dimensions (count × height × width) or 4 (… × channels), this one ${pixels.dims.length}; did you choose the labels file?`);
  }
  if (count === 0) throw errorAt(imageSource, 4, 'the file holds no images; choose a file with at least one');
  for (const [i, side] of [height, width].entries()) {
    if (side < 1 || side > MAX_SIDE) throw errorAt(imageSource, 8 + 4 * i, `an image side is ${side}; sides must be from 1 to ${MAX_SIDE}`);
  }
  if (channels < 1 || channels > MAX_CHANNELS) throw errorAt(imageSource, 16, `images have ${channels} channels; 1 to ${MAX_CHANNELS} are supported`);
  if (classes.dims.length !== 1) {
    throw errorAt(labelSource, 3, `a labels file has 1 dimension, this one ${classes.dims.length}; did you choose the images file?`);
  }
  if (classes.dims[0] !== count) {
    throw errorAt(labelSource, 4, `the file holds ${classes.dims[0]} labels, but ${images.file} holds ${count} images; choose the labels file that belongs to those images`);
  }
  return { height, width, channels, count, images: pixels.data, labels: classes.data };
}

const hex = (byte: number): string => byte.toString(16).padStart(2, '0');
