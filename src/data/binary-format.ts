/**
 * SPDS ("sparse-search dataset"), our binary dataset format, version 1: a whole Dataset (three splits
 * of uint8 NHWC images and uint8 labels, plus its id, name and class names) in one file, built-in
 * datasets stored gzip-compressed as `<id>.spds.gz`. All integers are little-endian uint32.
 *
 *   offset  size  field
 *   0       4     magic "SPDS" (53 50 44 53)
 *   4       4     version, 1
 *   8       4     height   (1–4,096)
 *   12      4     width    (1–4,096)
 *   16      4     channels (1–4)
 *   20      4     classes  (1–256: labels are bytes)
 *   24      4     train count (≥ 1)
 *   28      4     validation count
 *   32      4     test count
 *   36      4     M, the length of the metadata
 *   40      M     metadata: UTF-8 JSON {"id": string, "name": string, "classNames": string[classes]}
 *   40 + M        train labels (count bytes), train images (count × height × width × channels bytes),
 *                 then the same for validation, then for test
 *   end − 4 4     CRC-32 (IEEE) of every byte before it
 *
 * Decoding checks everything before it returns, so a caller gets a whole Dataset or a DatasetError
 * naming the file and the byte offset, never half a dataset.
 */
import { crc32 } from './crc32.ts';
import type { Dataset, ImageSet } from './dataset.ts';
import { errorAt, type NamedBytes } from './errors.ts';
import { assertDataset } from './image-set.ts';

export const SPDS_MAGIC = 'SPDS';
export const SPDS_VERSION = 1;
/** The fixed header, from the magic to the metadata length. */
export const SPDS_HEADER_BYTES = 40;
const CRC_BYTES = 4;
/** Sides above this are not images a microcontroller network would read (4,096 is also the architecture limit). */
const MAX_SIDE = 4096;
/** Gray, gray + alpha, RGB, RGBA. */
const MAX_CHANNELS = 4;
/** Labels are stored as bytes. */
const MAX_CLASSES = 256;
/** Class names of 256 classes fit many times over; a larger value means a corrupt length field. */
const MAX_METADATA_BYTES = 1 << 20;

const SPLITS = ['train', 'validation', 'test'] as const;

/** The SPDS bytes of `dataset` (uncompressed). Equal datasets give equal bytes. */
export function encodeDataset(dataset: Dataset): Uint8Array<ArrayBuffer> {
  assertDataset(dataset);
  const { height, width, channels } = dataset.train;
  const metadata = new TextEncoder().encode(JSON.stringify({ id: dataset.id, name: dataset.name, classNames: dataset.classNames }));
  const body = SPLITS.reduce((sum, split) => sum + dataset[split].labels.length + dataset[split].images.length, 0);
  const bytes = new Uint8Array(SPDS_HEADER_BYTES + metadata.length + body + CRC_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(SPDS_MAGIC), 0);
  const fields = [SPDS_VERSION, height, width, channels, dataset.classNames.length, ...SPLITS.map((split) => dataset[split].count), metadata.length];
  fields.forEach((value, i) => view.setUint32(4 + 4 * i, value, true));
  bytes.set(metadata, SPDS_HEADER_BYTES);
  let at = SPDS_HEADER_BYTES + metadata.length;
  for (const split of SPLITS) {
    bytes.set(dataset[split].labels, at);
    at += dataset[split].labels.length;
    bytes.set(dataset[split].images, at);
    at += dataset[split].images.length;
  }
  view.setUint32(at, crc32(bytes.subarray(0, at)), true);
  return bytes;
}

const REBUILD = 'the file is corrupt; download or copy it again (built-in datasets: run npm run datasets)';

/** The Dataset in the SPDS bytes of `source` (already decompressed); throws a DatasetError naming the file and offset. */
export function decodeDataset(source: NamedBytes): Dataset {
  const { bytes } = source;
  const fail = (offset: number, problem: string) => errorAt(source, offset, problem);
  if (bytes.length < SPDS_HEADER_BYTES + CRC_BYTES) {
    if (bytes.length >= 4 && !hasMagic(bytes)) throw fail(0, notSpds(bytes));
    throw fail(bytes.length, `the file ends here, inside the ${SPDS_HEADER_BYTES}-byte header; the file is truncated, so download or copy it again`);
  }
  if (!hasMagic(bytes)) throw fail(0, notSpds(bytes));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (offset: number) => view.getUint32(offset, true);

  const version = u32(4);
  if (version !== SPDS_VERSION) {
    throw fail(4, `the format version is ${version}, but this app reads version ${SPDS_VERSION}; rebuild the file with this version of the app (npm run datasets for the built-in ones)`);
  }
  const inRange = (offset: number, name: string, min: number, max: number, why: string): number => {
    const value = u32(offset);
    if (value < min || value > max) throw fail(offset, `the ${name} is ${value}, but must be from ${min} to ${max} (${why}); ${REBUILD}`);
    return value;
  };
  const height = inRange(8, 'image height', 1, MAX_SIDE, 'the largest side this app reads');
  const width = inRange(12, 'image width', 1, MAX_SIDE, 'the largest side this app reads');
  const channels = inRange(16, 'channel count', 1, MAX_CHANNELS, 'gray, gray + alpha, RGB or RGBA');
  const classes = inRange(20, 'class count', 1, MAX_CLASSES, 'labels are single bytes');
  if (u32(24) === 0) throw fail(24, `the training split is empty; ${REBUILD}`);
  const counts = [u32(24), u32(28), u32(32)] as const;
  const metadataBytes = inRange(36, 'metadata length', 2, MAX_METADATA_BYTES, 'a few class names need far less');

  const pixels = height * width * channels;
  const dataStart = SPDS_HEADER_BYTES + metadataBytes;
  // Plain numbers are exact here: even 3 × (2^32 − 1) images of 4,096 × 4,096 × 4 bytes stay below 2^53.
  const end = dataStart + counts.reduce((sum, count) => sum + count * (1 + pixels), 0) + CRC_BYTES;
  if (bytes.length < end) {
    throw fail(bytes.length, `the file ends here, but its header describes ${end} bytes; the file is truncated, so download or copy it again`);
  }
  if (bytes.length > end) throw fail(end, `${bytes.length - end} unexpected bytes follow the end of the data; ${REBUILD}`);
  const storedCrc = u32(end - CRC_BYTES);
  const actualCrc = crc32(bytes.subarray(0, end - CRC_BYTES));
  if (storedCrc !== actualCrc) {
    throw fail(end - CRC_BYTES, `the CRC-32 of the content is ${hex(actualCrc)}, but the file says ${hex(storedCrc)}; ${REBUILD}`);
  }

  const metadata = readMetadata(source, classes, metadataBytes);
  let at = dataStart;
  const sets = counts.map((count): ImageSet => {
    const labels = bytes.slice(at, at + count);
    const bad = labels.findIndex((label) => label >= classes);
    if (bad >= 0) throw fail(at + bad, `label ${labels[bad]} is not below the class count ${classes}; ${REBUILD}`);
    const images = bytes.slice(at + count, at + count + count * pixels);
    at += count * (1 + pixels);
    return { height, width, channels, count, images, labels };
  });
  return { ...metadata, train: sets[0]!, validation: sets[1]!, test: sets[2]! };
}

function hasMagic(bytes: Uint8Array): boolean {
  return [...SPDS_MAGIC].every((char, i) => bytes[i] === char.charCodeAt(0));
}

function notSpds(bytes: Uint8Array): string {
  const start = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `this is not an SPDS dataset file (it starts with ${start}, not 53 50 44 53 "SPDS"); choose a .spds or .spds.gz file`;
}

const hex = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

function readMetadata(source: NamedBytes, classes: number, length: number): Pick<Dataset, 'id' | 'name' | 'classNames'> {
  const fail = (problem: string) => errorAt(source, SPDS_HEADER_BYTES, `${problem}; ${REBUILD}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(source.bytes.subarray(SPDS_HEADER_BYTES, SPDS_HEADER_BYTES + length)));
  } catch {
    throw fail('the metadata is not valid UTF-8 JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw fail('the metadata is not a JSON object');
  const { id, name, classNames } = parsed as Record<string, unknown>;
  if (typeof id !== 'string' || id === '') throw fail('the metadata has no "id" string');
  if (typeof name !== 'string') throw fail('the metadata has no "name" string');
  if (!Array.isArray(classNames) || !classNames.every((item): item is string => typeof item === 'string')) {
    throw fail('the metadata has no "classNames" list of strings');
  }
  if (classNames.length !== classes) throw fail(`the metadata names ${classNames.length} classes, but the header says ${classes}`);
  return { id, name, classNames };
}
