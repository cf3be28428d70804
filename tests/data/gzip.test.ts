/** Gzip through DecompressionStream: content back exactly, damaged files rejected with the file name and offset. */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressIfGzip, gunzip } from '../../src/data/gzip.ts';
import { gzip, text } from './fixtures.ts';

const content = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) % 251);

describe('gunzip', () => {
  it('returns the content of a gzip file', async () => {
    expect(await gunzip('a.gz', await gzip(content))).toEqual(content);
  });

  it('reads a Buffer from node:zlib (a view of a shared pool) correctly', async () => {
    const pooled = gzipSync(content);
    expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
    expect(await gunzip('a.gz', pooled)).toEqual(content);
  });

  it('rejects a file that is not gzip', async () => {
    await expect(gunzip('a.gz', text('hello'))).rejects.toThrow('a.gz, byte 0: this is not a gzip file (it does not start with 1f 8b); give the uncompressed file or the .gz file itself');
  });

  it('rejects a file cut inside its header', async () => {
    const cut = (await gzip(content)).subarray(0, 12);
    await expect(gunzip('a.gz', cut)).rejects.toThrow(
      'a.gz, byte 12: the gzip file ends after 12 bytes, before its data (at least 18 are needed); the file is truncated, so download or copy it again',
    );
  });

  it('rejects a file cut inside its data, and a corrupt one', async () => {
    const gz = await gzip(content);
    const message = 'a.gz, byte 10: the compressed data from this byte on is corrupt or truncated (the gzip decoder stopped); download or copy the file again';
    await expect(gunzip('a.gz', gz.subarray(0, gz.length - 10))).rejects.toThrow(message);
    const corrupt = gz.slice();
    corrupt[gz.length - 6] ^= 0xff; // inside the CRC-32 of the trailer
    await expect(gunzip('a.gz', corrupt)).rejects.toThrow(message);
  });

  it('rejects a method other than deflate', async () => {
    const gz = await gzip(content);
    gz[2] = 7;
    await expect(gunzip('a.gz', gz)).rejects.toThrow('a.gz, byte 2: the gzip compression method is 7, not 8 (deflate); this file cannot be read');
  });
});

describe('decompressIfGzip', () => {
  it('decompresses by content, not by name, and marks offsets as decompressed', async () => {
    expect(await decompressIfGzip({ file: 'x.bin', bytes: await gzip(content) })).toEqual({ file: 'x.bin', bytes: content, decompressed: true });
    expect(await decompressIfGzip({ file: 'x.gz', bytes: content })).toEqual({ file: 'x.gz', bytes: content });
  });
});
