/**
 * In Chromium, as the app does it: the built-in datasets fetched from the path the Vite plugin
 * serves, checked with Web Crypto, gunzipped with DecompressionStream and decoded.
 */
import { describe, expect, it } from 'vitest';
import { fetchReader, loadBuiltinDataset, loadManifest, type DatasetReader } from '../../src/data/builtin.ts';
import { sha256Hex } from '../../src/data/checksum.ts';
import { gunzip } from '../../src/data/gzip.ts';
import { parseIdx } from '../../src/data/idx.ts';
import { gzip, idxFile } from './fixtures.ts';

const reader = fetchReader(`${import.meta.env.BASE_URL}datasets/`);

describe('built-in datasets in Chromium', () => {
  it('fetches digits and mnist through the served path and verifies them against the manifest', async () => {
    const manifest = await loadManifest(reader);
    expect(manifest.datasets.map((entry) => entry.id)).toEqual(['digits', 'mnist', 'fashion-mnist']);
    const digits = await loadBuiltinDataset('digits', reader, manifest);
    expect([digits.train.count, digits.validation.count, digits.test.count, digits.train.height]).toEqual([1077, 360, 360, 8]);
    const mnist = await loadBuiltinDataset('mnist', reader, manifest);
    expect([mnist.train.count, mnist.validation.count, mnist.test.count, mnist.train.height, mnist.train.width]).toEqual([7000, 1000, 2000, 28, 28]);
    expect(mnist.test.images.length).toBe(2000 * 784);
  });

  it('refuses a file whose bytes do not match the manifest', async () => {
    const changed: DatasetReader = async (name) => {
      const bytes = await reader(name);
      if (name === 'digits.spds.gz') bytes[30_000] ^= 1;
      return bytes;
    };
    await expect(loadBuiltinDataset('digits', changed)).rejects.toThrow(/^digits\.spds\.gz: its SHA-256 is [0-9a-f]{64}, but manifest\.json says [0-9a-f]{64}; the file is damaged/);
  });

  it('has Web Crypto (localhost is a secure context), and its SHA-256 is the manifest\'s', async () => {
    const digits = (await loadManifest(reader)).datasets.find((entry) => entry.id === 'digits')!;
    expect(await sha256Hex(await reader(digits.file.name))).toBe(digits.file.sha256);
  });

  it('decodes IDX .gz built here, and reports a cut gzip file as in Node', async () => {
    const set = await parseIdx({ file: 'img.gz', bytes: await gzip(idxFile([1, 1, 2], [5, 250])) }, { file: 'lbl', bytes: idxFile([1], [4]) });
    expect([[...set.images], [...set.labels]]).toEqual([[5, 250], [4]]);
    const gz = await gzip(new Uint8Array(4000).map((_, i) => i % 13));
    await expect(gunzip('a.gz', gz.subarray(0, gz.length - 10))).rejects.toThrow(
      'a.gz, byte 10: the compressed data from this byte on is corrupt or truncated (the gzip decoder stopped); download or copy the file again',
    );
  });
});
