/** SPDS, our dataset format: exact bytes of a tiny file, and every kind of damage caught with file and offset. */
import { describe, expect, it } from 'vitest';
import { decodeDataset, encodeDataset } from '../../src/data/binary-format.ts';
import { crc32 } from '../../src/data/crc32.ts';
import { DatasetError } from '../../src/data/errors.ts';
import { editWithCrc, tinyDataset } from './fixtures.ts';

// tinyDataset's metadata {"id":"tiny","name":"Tiny","classNames":["cat","dog"]} is 54 bytes, so the
// data starts at 40 + 54 = 94: train labels 94–96, train images 97–114, validation label 115 and
// images 116–121, test labels 122–123 and images 124–135, CRC-32 136–139: 140 bytes in all.
const FILE = 'tiny.spds';
const CORRUPT = 'the file is corrupt; download or copy it again (built-in datasets: run npm run datasets)';

const decode = (bytes: Uint8Array, decompressed = false) => decodeDataset({ file: FILE, bytes, decompressed });
const u32 = (bytes: Uint8Array, offset: number) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
const hex = (value: number) => `0x${value.toString(16).padStart(8, '0')}`;

function decodeError(bytes: Uint8Array, decompressed = false): DatasetError {
  try {
    decode(bytes, decompressed);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetError);
    return error as DatasetError;
  }
  throw new Error('expected the file to be rejected');
}

describe('SPDS encoding', () => {
  const bytes = encodeDataset(tinyDataset());

  it('writes the documented header, metadata, splits and CRC', () => {
    expect(bytes.length).toBe(140);
    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('SPDS');
    expect([4, 8, 12, 16, 20, 24, 28, 32, 36].map((offset) => u32(bytes, offset))).toEqual([1, 2, 3, 1, 2, 3, 1, 2, 54]);
    expect(new TextDecoder().decode(bytes.subarray(40, 94))).toBe('{"id":"tiny","name":"Tiny","classNames":["cat","dog"]}');
    expect([...bytes.subarray(94, 97)]).toEqual([0, 1, 1]);
    expect([...bytes.subarray(97, 103)]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...bytes.subarray(109, 115)]).toEqual([20, 21, 22, 23, 24, 25]);
    expect([...bytes.subarray(115, 122)]).toEqual([1, 100, 101, 102, 103, 104, 105]);
    expect([...bytes.subarray(122, 124)]).toEqual([0, 1]);
    expect([...bytes.subarray(130, 136)]).toEqual([210, 211, 212, 213, 214, 215]);
    expect(u32(bytes, 136)).toBe(crc32(bytes.subarray(0, 136)));
  });

  it('gives the same bytes for the same dataset', () => {
    expect(encodeDataset(tinyDataset())).toEqual(bytes);
  });

  it('decodes back to the same dataset, in arrays of its own', () => {
    const dataset = decode(bytes);
    expect(dataset).toEqual(tinyDataset());
    expect(dataset.train.images.buffer).not.toBe(bytes.buffer);
  });

  it('refuses to encode an inconsistent dataset', () => {
    const bad = { ...tinyDataset(), classNames: ['cat'] };
    expect(() => encodeDataset(bad)).toThrow('dataset tiny, train: label 1 of image 1 is not below the class count 1');
  });
});

describe('SPDS decoding rejects damaged files with the file name and byte offset', () => {
  const bytes = encodeDataset(tinyDataset());

  it('a file cut inside the header', () => {
    expect(decodeError(bytes.subarray(0, 20)).message).toBe(
      'tiny.spds, byte 20: the file ends here, inside the 40-byte header; the file is truncated, so download or copy it again',
    );
  });

  it('a file cut inside the images', () => {
    expect(decodeError(bytes.subarray(0, 100)).message).toBe(
      'tiny.spds, byte 100: the file ends here, but its header describes 140 bytes; the file is truncated, so download or copy it again',
    );
  });

  it('bytes after the end', () => {
    expect(decodeError(new Uint8Array([...bytes, 1, 2, 3])).message).toBe(`tiny.spds, byte 140: 3 unexpected bytes follow the end of the data; ${CORRUPT}`);
  });

  it('another kind of file', () => {
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(decodeError(png).message).toBe('tiny.spds, byte 0: this is not an SPDS dataset file (it starts with 89 50 4e 47, not 53 50 44 53 "SPDS"); choose a .spds or .spds.gz file');
  });

  it('a newer version', () => {
    const v2 = editWithCrc(bytes, (copy) => (copy[4] = 2));
    expect(decodeError(v2).message).toBe(
      'tiny.spds, byte 4: the format version is 2, but this app reads version 1; rebuild the file with this version of the app (npm run datasets for the built-in ones)',
    );
  });

  it('a header field out of range', () => {
    const channels = editWithCrc(bytes, (copy) => (copy[16] = 5));
    expect(decodeError(channels).message).toBe(`tiny.spds, byte 16: the channel count is 5, but must be from 1 to 4 (gray, gray + alpha, RGB or RGBA); ${CORRUPT}`);
  });

  it('a changed pixel, through the CRC-32', () => {
    const changed = bytes.slice();
    changed[100] ^= 0xff;
    const actual = hex(crc32(changed.subarray(0, 136)));
    expect(decodeError(changed).message).toBe(`tiny.spds, byte 136: the CRC-32 of the content is ${actual}, but the file says ${hex(u32(bytes, 136))}; ${CORRUPT}`);
  });

  it('a label without a class, even with a valid CRC', () => {
    const label = editWithCrc(bytes, (copy) => (copy[95] = 2));
    expect(decodeError(label).message).toBe(`tiny.spds, byte 95: label 2 is not below the class count 2; ${CORRUPT}`);
  });

  it('metadata that is not JSON, even with a valid CRC', () => {
    const metadata = editWithCrc(bytes, (copy) => (copy[40] = 0x78));
    expect(decodeError(metadata).message).toBe(`tiny.spds, byte 40: the metadata is not valid UTF-8 JSON; ${CORRUPT}`);
  });

  it('metadata whose class names disagree with the header', () => {
    const classes = editWithCrc(bytes, (copy) => (copy[20] = 3));
    expect(decodeError(classes).message).toBe(`tiny.spds, byte 40: the metadata names 2 classes, but the header says 3; ${CORRUPT}`);
  });

  it('says when an offset is inside decompressed data', () => {
    const error = decodeError(bytes.subarray(0, 20), true);
    expect(error.message).toMatch(/^tiny\.spds, byte 20 of the decompressed data: the file ends here/);
    expect([error.file, error.location]).toEqual([FILE, { offset: 20, decompressed: true }]);
  });
});
