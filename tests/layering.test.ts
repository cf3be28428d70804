/**
 * DESIGN.md §1: the layers import one way. The compiler keeps DOM out of src/core (its tsconfig has
 * no DOM lib); this test keeps the arrows themselves, including "core imports nothing outside core",
 * keeps tfjs and idb out of the main thread's layers, and finds no import cycle between files (the
 * check `npx madge --circular src` would make, without the dependency).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
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
  // PostgreSQL storage of shared studies (issue 15): a StudyStore, as src/db is IndexedDB's.
  pg: ['pg', 'contracts', 'core'],
  cli: ['cli', 'engine', 'pg', 'tf', 'data', 'deploy', 'contracts', 'core'],
  // src/App.svelte and src/main.ts assemble the app.
  '.': ['.', 'ui', 'state', 'client', 'contracts', 'core'],
};

/**
 * tfjs trains in the worker and in Node, and IndexedDB is src/db's: the main thread's layers (ui,
 * state, client) and the contracts they share with the worker import neither.
 */
const noTfjsNorIdb = (name: string): boolean => !name.startsWith('@tensorflow/') && name !== 'idb' && !name.startsWith('idb/');

/**
 * Packages a folder may import; src/core may import none, src/deploy only its two serialisers, and
 * ui, state, client and contracts neither tfjs nor idb.
 */
const packagesAllowed: Record<string, (name: string) => boolean> = {
  core: () => false,
  deploy: (name) => name === 'flatbuffers' || name === 'fflate',
  ui: noTfjsNorIdb,
  state: noTfjsNorIdb,
  client: noTfjsNorIdb,
  contracts: noTfjsNorIdb,
  pg: (name) => name === 'pg' || name.startsWith('node:'),
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

/** Every import specifier of a file: static, `export … from`, side-effect and dynamic imports, `import type` included. */
function specifiersOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(importPattern)].map((match) => match[1] ?? match[2]!);
}

/**
 * The import graph of src: for each file, the files of src it imports through relative specifiers
 * (they name the file, `.ts` or `.svelte`; a Vite query such as `?url` is dropped). Type-only
 * imports count: a cycle of types still ties the files together, and the compiler follows it.
 * `unresolved` lists the relative specifiers that name no file, which would hide edges.
 */
function importGraph(files: readonly string[]): { graph: Map<string, string[]>; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const targets = new Set<string>();
    for (const specifier of specifiersOf(file)) {
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier.replace(/\?.*$/, ''));
      if (!target.startsWith(src + sep)) continue;
      if (existsSync(target)) targets.add(target);
      else unresolved.push(`${relative(src, file)} imports ${specifier}`);
    }
    graph.set(file, [...targets].sort());
  }
  return { graph, unresolved };
}

/**
 * One cycle per group of files that import each other (a strongly connected component, found by
 * Tarjan's algorithm), written `a.ts → b.ts → a.ts`: the shortest way from the group's first file
 * back to itself. Fixing it may leave another cycle in the same group, which the next run shows.
 */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
      } else if (onStack.has(target)) lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) components.push(component.sort());
  };
  for (const file of [...graph.keys()].sort()) if (!index.has(file)) visit(file);

  return components.map((component) => {
    const members = new Set(component);
    const start = component[0]!;
    // Breadth first from the start, inside the group, until an edge leads back to it.
    const previous = new Map<string, string>();
    const queue = [start];
    let last: string | undefined;
    for (let i = 0; i < queue.length && last === undefined; i++) {
      const file = queue[i]!;
      for (const target of graph.get(file) ?? []) {
        if (target === start) {
          last = file;
          break;
        }
        if (members.has(target) && !previous.has(target)) {
          previous.set(target, file);
          queue.push(target);
        }
      }
    }
    const path = [start];
    for (let file = last!; file !== start; file = previous.get(file)!) path.splice(1, 0, file);
    const cycle = [...path, start].map((file) => relative(src, file)).join(' → ');
    return component.length > path.length ? `${cycle} (one of the cycles among ${component.length} files: ${component.map((file) => relative(src, file)).join(', ')})` : cycle;
  });
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
      for (const specifier of specifiersOf(file)) {
        if (specifier.startsWith('.')) {
          const target = resolve(dirname(file), specifier);
          if (!target.startsWith(src)) {
            // Outside src: examples/ are data for the app shell; scripts/ are Node tooling for the CLI.
            // Nothing else: bench/ and tests/ may import src, never the other way round.
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

  it('has no import cycle between files', () => {
    const { graph, unresolved } = importGraph(files);
    expect(unresolved).toEqual([]);
    expect(importCycles(graph)).toEqual([]);
  });

  it('reports a cycle as the files along it', () => {
    const [a, b, c, d] = ['a.ts', 'b.ts', 'c.ts', 'd.ts'].map((name) => join(src, name));
    const graph = new Map([
      [a!, [b!]],
      [b!, [c!]],
      [c!, [a!, d!]],
      [d!, []],
    ]);
    expect(importCycles(graph)).toEqual(['a.ts → b.ts → c.ts → a.ts']);
    expect(importCycles(new Map([[a!, [a!]]]))).toEqual(['a.ts → a.ts']);
    expect(importCycles(new Map([[a!, [b!]], [b!, []]]))).toEqual([]);
  });
});
