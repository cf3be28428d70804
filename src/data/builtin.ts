/**
 * Loading the built-in datasets of static-datasets/: manifest → file → size and SHA-256 check →
 * gunzip → SPDS decode → cross-check with the manifest. Where the bytes come from is handed in as a
 * `DatasetReader` (`fetchReader` here for browsers and workers; `nodeReader` in read-node.ts), so this
 * file never touches `node:*` and the browser bundle stays clean.
 */
import { decodeDataset } from './binary-format.ts';
import { sha256Hex } from './checksum.ts';
import type { Dataset } from './dataset.ts';
import { DatasetError } from './errors.ts';
import { gunzip, isGzip } from './gzip.ts';
import { BUILTIN_DATASET_IDS, MANIFEST_FILE, parseManifest, type BuiltinDatasetId, type Manifest, type ManifestEntry } from './manifest.ts';

/** Reads one file of the datasets folder by its plain name; throws a DatasetError that says what to do when it cannot. */
export type DatasetReader = (name: string) => Promise<Uint8Array>;

export const isBuiltinDatasetId = (id: string): id is BuiltinDatasetId => (BUILTIN_DATASET_IDS as readonly string[]).includes(id);

/** The manifest of the datasets folder behind `readFile`. */
export async function loadManifest(readFile: DatasetReader): Promise<Manifest> {
  return parseManifest(await readFile(MANIFEST_FILE));
}

/**
 * The built-in dataset `id`, checked against the manifest (size, SHA-256, shape, classes, split counts)
 * before it is returned. Pass `manifest` when it is already loaded, to skip reading it again.
 */
export async function loadBuiltinDataset(id: BuiltinDatasetId, readFile: DatasetReader, manifest?: Manifest): Promise<Dataset> {
  const entry = findEntry(manifest ?? (await loadManifest(readFile)), id);
  const stored = await readFile(entry.file.name);
  const content = await verifiedContent(entry, stored);
  const dataset = decodeDataset({ file: entry.file.name, bytes: content, decompressed: isGzip(stored) });
  checkAgainstManifest(entry, dataset);
  return dataset;
}

/**
 * A reader over HTTP(S): files are fetched from `baseUrl` (absolute, or relative to the page such as
 * "/datasets/"). In the app use `${import.meta.env.BASE_URL}datasets/`, the path the Vite plugin
 * scripts/vite-static-datasets.ts serves.
 */
export function fetchReader(baseUrl: string, fetchFile: typeof fetch = fetch): DatasetReader {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (name) => {
    const url = base + encodeURIComponent(name);
    let response: Response;
    try {
      response = await fetchFile(url);
    } catch (cause) {
      throw new DatasetError(name, undefined, `could not be downloaded from ${url} (the network request failed); check the connection and reload the page`, { cause });
    }
    const missing = 'the site was deployed without its datasets folder, so rebuild it with npm run build';
    if (!response.ok) throw new DatasetError(name, undefined, `could not be downloaded from ${url} (HTTP ${response.status}); ${missing}`);
    // Static hosts (and Vite without our plugin) answer an unknown path with the app's index.html.
    if ((response.headers.get('content-type') ?? '').startsWith('text/html')) {
      throw new DatasetError(name, undefined, `the server sent a web page instead of this file from ${url}; ${missing}`);
    }
    return new Uint8Array(await response.arrayBuffer());
  };
}

function findEntry(manifest: Manifest, id: string): ManifestEntry {
  const entry = manifest.datasets.find((candidate) => candidate.id === id);
  if (entry === undefined) {
    const known = manifest.datasets.map((candidate) => candidate.id).join(', ');
    throw new DatasetError(MANIFEST_FILE, undefined, `has no dataset "${id}" (it lists ${known || 'none'}); run npm run datasets to rebuild the folder`);
  }
  return entry;
}

const REBUILD = 'the file is damaged or does not belong to this manifest; run npm run datasets (or reload the page)';

/**
 * The SPDS content of a stored file after checking it. A server that answers with
 * `Content-Encoding: gzip` makes fetch hand over the content already decompressed; that is accepted
 * when it matches the manifest's uncompressed size and SHA-256.
 */
async function verifiedContent(entry: ManifestEntry, stored: Uint8Array): Promise<Uint8Array> {
  const { file } = entry;
  const gzipped = isGzip(stored);
  const [expectedBytes, expectedSha] = gzipped ? [file.bytes, file.sha256] : [file.uncompressedBytes, file.uncompressedSha256];
  if (stored.length !== expectedBytes) {
    throw new DatasetError(file.name, { offset: stored.length }, `the file ends here, but ${MANIFEST_FILE} says it has ${expectedBytes} bytes; ${REBUILD}`);
  }
  const sha = await sha256Hex(stored);
  if (sha !== expectedSha) throw new DatasetError(file.name, undefined, `its SHA-256 is ${sha}, but ${MANIFEST_FILE} says ${expectedSha}; ${REBUILD}`);
  return gzipped ? gunzip(file.name, stored) : stored;
}

function checkAgainstManifest(entry: ManifestEntry, dataset: Dataset): void {
  const { train, validation, test } = dataset;
  const found = [dataset.id, train.height, train.width, train.channels, dataset.classNames.length, train.count, validation.count, test.count];
  const listed = [entry.id, entry.shape.height, entry.shape.width, entry.shape.channels, entry.classes, entry.splits.train, entry.splits.validation, entry.splits.test];
  if (found.some((value, i) => value !== listed[i])) {
    throw new DatasetError(
      entry.file.name,
      undefined,
      `holds ${describe(found)}, but ${MANIFEST_FILE} lists ${describe(listed)}; ${REBUILD}`,
    );
  }
}

/** "mnist 28×28×1, 10 classes, 7000/1000/2000 images". */
function describe([id, height, width, channels, classes, train, validation, test]: readonly (string | number)[]): string {
  return `${id} ${height}×${width}×${channels}, ${classes} classes, ${train}/${validation}/${test} images`;
}
