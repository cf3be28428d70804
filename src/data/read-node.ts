/**
 * The Node side of dataset loading (CLI, unit tests, the build script): a DatasetReader over the file
 * system. Kept apart from builtin.ts so that nothing the browser bundles imports `node:*`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DatasetReader } from './builtin.ts';
import { DatasetError } from './errors.ts';

/** static-datasets/ of this checkout (two folders up from src/data). */
export const builtinDatasetsDir = (): string => fileURLToPath(new URL('../../static-datasets/', import.meta.url));

/** A reader of the files in `dir` (by default the built-in datasets folder). */
export function nodeReader(dir: string = builtinDatasetsDir()): DatasetReader {
  return async (name) => {
    const path = join(dir, name);
    try {
      const buffer = await readFile(path);
      // A plain Uint8Array of its own: a Buffer may be a view of a larger shared pool.
      return new Uint8Array(buffer);
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      const problem =
        code === 'ENOENT'
          ? `was not found in ${dir}; run npm run datasets to build the built-in datasets`
          : `could not be read from ${path} (${code ?? String(cause)}); check the file's permissions`;
      throw new DatasetError(name, undefined, problem, { cause });
    }
  };
}
