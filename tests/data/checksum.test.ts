/** The two checksums: SHA-256 (Web Crypto) against node:crypto, and CRC-32's check value. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/data/checksum.ts';
import { crc32 } from '../../src/data/crc32.ts';

describe('SHA-256', () => {
  // Lengths around SHA-256's padding boundaries (55/56/64 bytes), and one of several blocks.
  it.each([0, 1, 55, 56, 63, 64, 65, 1000])('sha256Hex equals node:crypto for %i bytes', async (length) => {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) % 256);
    expect(await sha256Hex(bytes)).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  // FIPS 180-4's example "abc" (NIST's SHA256.pdf example values).
  const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

  it('sha256Hex gives the FIPS 180-4 digest of "abc", through Web Crypto', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(ABC);
  });

  it('says how to open the page where there is no Web Crypto (a page served over plain http)', async () => {
    vi.stubGlobal('crypto', {});
    try {
      await expect(sha256Hex(new TextEncoder().encode('abc'))).rejects.toThrow(
        "The datasets are checked with the browser's Web Crypto, which a page opened over plain http from another machine does not get; open the playground over https, or at http://localhost on the machine that serves it",
      );
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('CRC-32', () => {
  it('has the check value of the IEEE polynomial', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });
});
