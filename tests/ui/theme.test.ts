/**
 * One theme (issue 12): src/ui/theme.css holds the page's colours, spacing and type as custom
 * properties, and the rules components share. Components name a role (`var(--color-danger)`), never a
 * colour, so that a redesign changes one file; a shared rule is written once; and every property a
 * component reads exists.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve('src');
const theme = join('ui', 'theme.css');

function filesUnder(dir: string, ext: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((name) => ext.test(name))
    .map((name) => join(dir, name))
    .sort();
}

/** Components, and the chart helpers next to them: where colours used to be written out. */
const components = [...filesUnder(src, /\.svelte$/), ...filesUnder(join(src, 'ui'), /\.ts$/)];
const stylesheets = filesUnder(src, /\.css$/);
const scripts = filesUnder(src, /\.(ts|svelte)$/);

/** `file:line: match` for each match of `pattern` (global) in `files`, the file relative to src. */
function matches(files: readonly string[], pattern: RegExp): { at: string; match: RegExpMatchArray }[] {
  return files.flatMap((file) =>
    readFileSync(file, 'utf8')
      .split('\n')
      .flatMap((line, i) => [...line.matchAll(pattern)].map((match) => ({ at: `${relative(src, file)}:${i + 1}: ${match[0]}`, match }))),
  );
}
const places = (files: readonly string[], pattern: RegExp): string[] => matches(files, pattern).map((m) => m.at);

// #abc, #abcd, #aabbcc, #aabbccdd; not `{#each}`, `&#123;` or a lone `#`.
const hexColour = /(?<![\w&#])#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})(?![\w-])/gi;
const colourFunction = /\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch)\(/gi;

describe('the theme', () => {
  it('keeps colour literals out of components', () => {
    expect(places(components, hexColour)).toEqual([]);
    expect(places(components, colourFunction)).toEqual([]);
  });

  it('is the one stylesheet, imported once, by the entry point', () => {
    expect(stylesheets.map((file) => relative(src, file))).toEqual([theme]);
    const imports = places(scripts, /import\s+['"][^'"]*theme\.css['"]/g);
    expect(imports).toHaveLength(1);
    expect(imports[0]).toMatch(/^main\.ts:/);
  });

  it('defines .visually-hidden once, and the numeric table only in the theme', () => {
    // Markup says class="visually-hidden"; only a selector has the dot.
    expect(places([...components, ...stylesheets], /\.visually-hidden\b/g)).toEqual([`${theme}:${lineOf('.visually-hidden {')}: .visually-hidden`]);
    expect(places(components, /\.numeric-table\b/g)).toEqual([]);
  });

  it('defines every custom property that a component or the theme reads', () => {
    const everywhere = [...components, ...stylesheets];
    const defined = new Set(matches(everywhere, /(--[\w-]+)\s*:/g).map(({ match }) => match[1]!));
    // Skipped: `var(--x, fallback)`, undefined on purpose, and `var(--series-${n})`, checked below.
    const read = matches(everywhere, /var\((--[\w-]+)(\$\{)?\s*(,)?/g).filter(({ match }) => !match[2] && !match[3]);
    expect(read.length).toBeGreaterThan(100);
    expect(read.filter(({ match }) => !defined.has(match[1]!)).map((m) => m.at)).toEqual([]);
    for (let n = 1; n <= 8; n++) expect(defined).toContain(`--series-${n}`);
  });
});

/** The line of theme.css that starts with `text`, from 1. */
function lineOf(text: string): number {
  return readFileSync(join(src, theme), 'utf8').split('\n').findIndex((line) => line.startsWith(text)) + 1;
}
