/**
 * The README's "Project layout" names every folder of src/ and every tracked top-level folder, and
 * nothing that is not there: the map a newcomer reads first stays true to the tree.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const readme = readFileSync('README.md', 'utf8');
const layout = /## Project layout\n\n```\n([\s\S]*?)\n```/.exec(readme)?.[1] ?? '';
/** Paths at the start of a line of the layout block, e.g. `src/core/` or `bench/`. */
const named = [...layout.matchAll(/^(\S+\/)\s/gm)].map((m) => m[1]!);

/** Top-level folders with tracked files (so not node_modules or scratch folders). */
function trackedFolders(): string[] {
  const files = execFileSync('git', ['ls-files'], { encoding: 'utf8' }).split('\n');
  return [...new Set(files.filter((f) => f.includes('/')).map((f) => `${f.slice(0, f.indexOf('/'))}/`))];
}

describe("the README's project layout", () => {
  it('is found', () => {
    expect(named).toContain('src/core/');
  });

  it('names every folder of src/, and none that is not there', () => {
    const folders = readdirSync('src', { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => `src/${e.name}/`);
    expect(named.filter((n) => n.startsWith('src/')).sort()).toEqual(folders.sort());
  });

  it('names every tracked top-level folder, and none that is not there', () => {
    expect(named.filter((n) => !n.startsWith('src/')).sort()).toEqual(trackedFolders().filter((f) => f !== 'src/').sort());
  });
});
