/**
 * The built-in datasets in Node: each loads with its checksum verified and has the documented
 * splits; a damaged, cut or missing file is refused with a message that says what to do.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchReader, loadBuiltinDataset, loadManifest, type DatasetReader } from '../../src/data/builtin.ts';
import { gunzip } from '../../src/data/gzip.ts';
import { classCounts } from '../../src/data/image-set.ts';
import { BUILTIN_DATASET_IDS, type ManifestEntry } from '../../src/data/manifest.ts';
import { builtinDatasetsDir, nodeReader } from '../../src/data/read-node.ts';

const dir = builtinDatasetsDir();
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { datasets: ManifestEntry[] };
const entry = (id: string) => manifest.datasets.find((candidate) => candidate.id === id)!;
const DAMAGED = 'the file is damaged or does not belong to this manifest; run npm run datasets (or reload the page)';

/** nodeReader, with `change` applied to the bytes of one file. */
function changedReader(name: string, change: (bytes: Uint8Array) => Uint8Array): DatasetReader {
  const read = nodeReader();
  return async (file) => (file === name ? change(await read(file)) : read(file));
}

describe('the built-in datasets (scripts/datasets/recipes.ts)', () => {
  const expected = {
    digits: { shape: [8, 8, 1], splits: [1077, 360, 360], classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
    mnist: { shape: [28, 28, 1], splits: [7000, 1000, 2000], classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
    'fashion-mnist': {
      shape: [28, 28, 1],
      splits: [10000, 2000, 2000],
      classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    },
  } as const;

  it.each(BUILTIN_DATASET_IDS)('%s loads with its checksum verified and the documented shape and splits', async (id) => {
    const dataset = await loadBuiltinDataset(id, nodeReader());
    const { train, validation, test } = dataset;
    expect(dataset.id).toBe(id);
    expect([train.height, train.width, train.channels]).toEqual(expected[id].shape);
    expect([train.count, validation.count, test.count]).toEqual(expected[id].splits);
    expect(dataset.classNames).toEqual(expected[id].classNames);
    for (const set of [train, validation, test]) {
      expect(set.images.length).toBe(set.count * set.height * set.width * set.channels);
      // Stratified: every class is in every split, in about its share.
      expect(classCounts(set.labels, 10).every((count) => count >= set.count / 20)).toBe(true);
    }
  });

  it('fashion-mnist is balanced like its source: 1,000 / 200 / 200 images of each class', async () => {
    const { train, validation, test } = await loadBuiltinDataset('fashion-mnist', nodeReader());
    expect([classCounts(train.labels, 10), classCounts(validation.labels, 10), classCounts(test.labels, 10)]).toEqual([
      new Array(10).fill(1000),
      new Array(10).fill(200),
      new Array(10).fill(200),
    ]);
  });

  it('digits spans the whole byte range after scaling 0–16 to 0–255', async () => {
    const { train } = await loadBuiltinDataset('digits', nodeReader());
    expect([Math.min(...train.images), Math.max(...train.images)]).toEqual([0, 255]);
    expect(train.images.every((value) => Math.round((Math.round((value * 16) / 255) * 255) / 16) === value)).toBe(true);
  });

  it('the manifest records each file as it is on disk, with provenance and licence', () => {
    for (const { file, source, licence } of manifest.datasets) {
      const bytes = readFileSync(join(dir, file.name));
      expect([bytes.length, createHash('sha256').update(bytes).digest('hex')]).toEqual([file.bytes, file.sha256]);
      expect(source.version).not.toBe('');
      expect(source.paths.length).toBe(source.sha256.length);
      expect(licence.name).not.toBe('');
      expect(licence.source).not.toBe('');
    }
  });

  it('static-datasets stays well under 15 MB', () => {
    const total = readdirSync(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    expect(total).toBeLessThan(10_000_000);
  });
});

describe('loading refuses what does not match the manifest', () => {
  it('a file with one byte changed (SHA-256 mismatch)', async () => {
    const { sha256 } = entry('digits').file;
    let changed = new Uint8Array();
    const reader = changedReader('digits.spds.gz', (bytes) => {
      changed = bytes.slice();
      changed[20_000] ^= 1;
      return changed;
    });
    const error = loadBuiltinDataset('digits', reader);
    await expect(error).rejects.toThrow(/^digits\.spds\.gz: its SHA-256 is [0-9a-f]{64}, but manifest\.json says [0-9a-f]{64}; /);
    const actual = createHash('sha256').update(changed).digest('hex');
    await expect(error).rejects.toThrow(`digits.spds.gz: its SHA-256 is ${actual}, but manifest.json says ${sha256}; ${DAMAGED}`);
  });

  it('a cut file', async () => {
    const reader = changedReader('digits.spds.gz', (bytes) => bytes.subarray(0, 1000));
    await expect(loadBuiltinDataset('digits', reader)).rejects.toThrow(
      `digits.spds.gz, byte 1000: the file ends here, but manifest.json says it has ${entry('digits').file.bytes} bytes; ${DAMAGED}`,
    );
  });

  it('accepts a file a server already decompressed (Content-Encoding: gzip), checked against the content checksum', async () => {
    const reader = changedReader('digits.spds.gz', (bytes) => bytes);
    const decompressing: DatasetReader = async (name) => (name === 'digits.spds.gz' ? gunzip(name, await reader(name)) : reader(name));
    expect((await loadBuiltinDataset('digits', decompressing)).train.count).toBe(1077);
  });

  it('a missing folder', async () => {
    await expect(loadBuiltinDataset('mnist', nodeReader('/nonexistent'))).rejects.toThrow(
      'manifest.json: was not found in /nonexistent; run npm run datasets to build the built-in datasets',
    );
  });

  it('a manifest without the dataset, or not JSON', async () => {
    const onlyDigits = { ...manifest, datasets: [entry('digits')] };
    const reader = changedReader('manifest.json', () => new TextEncoder().encode(JSON.stringify(onlyDigits)));
    await expect(loadBuiltinDataset('mnist', reader)).rejects.toThrow('manifest.json: has no dataset "mnist" (it lists digits); run npm run datasets to rebuild the folder');
    const garbage = changedReader('manifest.json', () => new TextEncoder().encode('<html>'));
    await expect(loadManifest(garbage)).rejects.toThrow('manifest.json: is not valid UTF-8 JSON; the datasets folder is damaged or from another version');
  });
});

describe('fetchReader', () => {
  const response = (status: number, body = '') => new Response(body, { status });

  it('reads a file under the base URL', async () => {
    const urls: string[] = [];
    const reader = fetchReader('/app/datasets', async (url) => {
      urls.push(String(url));
      return response(200, 'hello');
    });
    expect(new TextDecoder().decode(await reader('manifest.json'))).toBe('hello');
    expect(urls).toEqual(['/app/datasets/manifest.json']);
  });

  it('says what to do on an HTTP error or a network failure', async () => {
    await expect(fetchReader('/datasets/', async () => response(404))('mnist.spds.gz')).rejects.toThrow(
      'mnist.spds.gz: could not be downloaded from /datasets/mnist.spds.gz (HTTP 404); the site was deployed without its datasets folder, so rebuild it with npm run build',
    );
    const spaFallback = fetchReader('/datasets/', async () => new Response('<!doctype html>', { headers: { 'content-type': 'text/html' } }));
    await expect(spaFallback('manifest.json')).rejects.toThrow(
      'manifest.json: the server sent a web page instead of this file from /datasets/manifest.json; the site was deployed without its datasets folder, so rebuild it with npm run build',
    );
    const offline = fetchReader('/datasets/', () => Promise.reject(new TypeError('Failed to fetch')));
    await expect(offline('manifest.json')).rejects.toThrow(
      'manifest.json: could not be downloaded from /datasets/manifest.json (the network request failed); check the connection and reload the page',
    );
  });
});
