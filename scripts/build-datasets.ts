/**
 * `npm run datasets [-- --out DIR] [--debs DIR]`: rebuilds static-datasets/ (the three built-in
 * datasets as SPDS files, gzip-compressed, and manifest.json) from their pinned sources, byte for
 * byte: no timestamps, a fixed gzip level and header, seeded splits (scripts/datasets/recipes.ts).
 *
 * --out DIR   where to write (default static-datasets); its README.md is hand-written and left alone.
 * --debs DIR  take the Debian .deb files from DIR instead of downloading them with apt-get.
 *
 * Progress goes to stderr; a failure is one line on stderr and exit code 1 (2 for a bad option).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { SPDS_VERSION, encodeDataset } from '../src/data/binary-format.ts';
import type { Manifest, ManifestEntry } from '../src/data/manifest.ts';
import { RECIPES, type Recipe } from './datasets/recipes.ts';
import { SourceError, npmPackageRoot, readPackageFile, unpackDebian } from './datasets/sources.ts';

const log = (line: string) => process.stderr.write(`datasets: ${line}\n`);

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): { out: string; debs: string | undefined } {
  let out = 'static-datasets';
  let debs: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if ((argv[i] === '--out' || argv[i] === '--debs') && value !== undefined) {
      if (argv[i] === '--out') out = value;
      else debs = value;
      i++;
    } else {
      throw new UsageError(`unknown or incomplete option "${argv[i]}"; usage: npm run datasets [-- --out DIR] [--debs DIR]`);
    }
  }
  return { out, debs };
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Gzip that gives the same bytes on every run and platform: level 9, and a header with mtime 0 (what
 * node:zlib writes) and OS byte 255 "unknown" (RFC 1952 §2.3.1; zlib would write the build's OS).
 */
function deterministicGzip(bytes: Uint8Array): Uint8Array {
  const gz = new Uint8Array(gzipSync(bytes, { level: 9 }));
  gz[9] = 0xff;
  return gz;
}

/** The source files of `recipe`, in the order of its paths, from its package. */
function sourceFiles(recipe: Recipe, workDir: string, debs: string | undefined, unpacked: Map<string, string>): Uint8Array[] {
  const { source } = recipe;
  const label = `${source.package} ${source.version}`;
  let root: string;
  if (source.registry === 'npm') {
    root = npmPackageRoot(source.package, source.version);
  } else {
    root = unpacked.get(source.package) ?? unpackDebian({ name: source.package, version: source.version }, workDir, debs, log);
    unpacked.set(source.package, root);
  }
  return source.paths.map((path) => readPackageFile(root, path, label));
}

async function buildAll(debs: string | undefined): Promise<{ manifest: Manifest; files: Map<string, Uint8Array> }> {
  const workDir = mkdtempSync(join(tmpdir(), 'build-datasets-'));
  try {
    const unpacked = new Map<string, string>();
    const files = new Map<string, Uint8Array>();
    const entries: ManifestEntry[] = [];
    for (const recipe of RECIPES) {
      const sources = sourceFiles(recipe, workDir, debs, unpacked);
      log(`${recipe.id}: decoding ${sources.length} source file(s) and drawing the splits`);
      const splits = await recipe.build(sources);
      const content = encodeDataset({ id: recipe.id, name: recipe.name, classNames: recipe.classNames, ...splits });
      const stored = deterministicGzip(content);
      const name = `${recipe.id}.spds.gz`;
      files.set(name, stored);
      const { train, validation, test } = splits;
      entries.push({
        id: recipe.id,
        name: recipe.name,
        description: recipe.description,
        shape: { height: train.height, width: train.width, channels: train.channels },
        classes: recipe.classNames.length,
        classNames: recipe.classNames,
        splits: { train: train.count, validation: validation.count, test: test.count },
        preprocessing: recipe.preprocessing,
        splitMethod: recipe.splitMethod,
        file: { name, bytes: stored.length, sha256: sha256(stored), uncompressedBytes: content.length, uncompressedSha256: sha256(content) },
        source: { ...recipe.source, sha256: sources.map(sha256) },
        licence: recipe.licence,
      });
      log(`${recipe.id}: ${train.count} / ${validation.count} / ${test.count} images of ${train.height}×${train.width}×${train.channels} → ${name}, ${stored.length} bytes`);
    }
    const manifest: Manifest = { formatVersion: SPDS_VERSION, generatedBy: 'npm run datasets (scripts/build-datasets.ts); do not edit by hand', datasets: entries };
    return { manifest, files };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { out, debs } = parseArgs(process.argv.slice(2));
  // Everything is built in memory first, so a failure leaves the folder as it was, never half rebuilt.
  const { manifest, files } = await buildAll(debs);
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(out, name), bytes);
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const total = [...files.values()].reduce((sum, bytes) => sum + bytes.length, 0);
  log(`wrote ${files.size} datasets and manifest.json to ${out} (${(total / 1e6).toFixed(2)} MB of data)`);
}

main().catch((error: unknown) => {
  const known = error instanceof SourceError || error instanceof UsageError || (error instanceof Error && error.name === 'DatasetError');
  process.stderr.write(`datasets: ${known ? (error as Error).message : `unexpected failure: ${String(error)}`}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
