/** The two checksums: SHA-256 (Web Crypto, and the plain fallback) against node:crypto, and CRC-32's check value. */
import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { sha256Hex } from '../../src/data/checksum.ts';
import { crc32 } from '../../src/data/crc32.ts';
import { sha256 } from '../../src/data/sha256.ts';

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

describe('SHA-256', () => {
  // Lengths around the 55/56/64-byte padding boundaries, and one of several blocks.
  it.each([0, 1, 55, 56, 63, 64, 65, 1000])('the fallback equals node:crypto for %i bytes', (length) => {
    const bytes = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) % 256);
    expect(hex(sha256(bytes))).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  // FIPS 180-4's example "abc" (NIST's SHA256.pdf example values).
  const ABC = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

  it('sha256Hex gives the FIPS 180-4 digest of "abc", through Web Crypto', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(ABC);
  });

  it('sha256Hex gives the same digest without Web Crypto (a page served over plain http)', async () => {
    vi.stubGlobal('crypto', {});
    try {
      expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(ABC);
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
