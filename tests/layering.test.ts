/**
 * DESIGN.md §1: the layers import one way. The compiler keeps DOM out of src/core (its tsconfig has
 * no DOM lib); this test keeps the arrows themselves, including "core imports nothing outside core".
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve('src');

/** For each folder of src, the folders of src it may import from (its own included). */
const allowed: Record<string, readonly string[]> = {
  core: ['core'],
  data: ['data', 'core'],
  tf: ['tf', 'data', 'core'],
  deploy: ['deploy', 'core'],
  engine: ['engine', 'tf', 'data', 'deploy', 'core', 'contracts'],
  db: ['db', 'contracts', 'core'],
  contracts: ['contracts', 'core'],
  workers: ['workers', 'engine', 'db', 'contracts', 'tf', 'data', 'deploy', 'core'],
  client: ['client', 'contracts', 'core'],
  state: ['state', 'client', 'contracts', 'core'],
  ui: ['ui', 'state', 'contracts', 'core'],
  cli: ['cli', 'engine', 'tf', 'data', 'deploy', 'contracts', 'core'],
  // src/App.svelte and src/main.ts assemble the app.
  '.': ['.', 'ui', 'state', 'client', 'contracts', 'core'],
};

/** Packages a folder may import; src/core may import none, src/deploy only its two serialisers. */
const packagesAllowed: Record<string, (name: string) => boolean> = {
  core: () => false,
  deploy: (name) => name === 'flatbuffers' || name === 'fflate',
};

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|svelte)$/.test(entry.name)) yield path;
  }
}

const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(?\s*['"]([^'"]+)['"]/g;

function folderOf(path: string): string {
  const parts = relative(src, path).split('/');
  return parts.length === 1 ? '.' : parts[0]!;
}

describe('layering (DESIGN.md §1)', () => {
  const files = [...sourceFiles(src)];

  it('finds the sources', () => {
    expect(files.some((file) => file.endsWith('core/resources.ts'))).toBe(true);
  });

  it('every import points along an allowed arrow', () => {
    const violations: string[] = [];
    for (const file of files) {
      const folder = folderOf(file);
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(importPattern)) {
        const specifier = match[1] ?? match[2]!;
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!target.startsWith(src)) {
            // Outside src: examples/ are data for the app shell; scripts/ are Node tooling for the CLI.
            const outside = relative(resolve('.'), target).split('/')[0];
            const ok = (folder === '.' && outside === 'examples') || (folder === 'cli' && outside === 'scripts');
            if (!ok) violations.push(`${relative(src, file)} imports ${specifier} from outside src`);
            continue;
          }
          const targetFolder = folderOf(target);
          if (!(allowed[folder] ?? []).includes(targetFolder)) violations.push(`${relative(src, file)} (${folder}) imports ${specifier} (${targetFolder})`);
        } else {
          const check = packagesAllowed[folder];
          if (check && !check(specifier)) violations.push(`${relative(src, file)} (${folder}) imports the package ${specifier}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
