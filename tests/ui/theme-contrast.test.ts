/**
 * Light and dark themes (issue 13): src/ui/theme.css gives every colour property a dark value under
 * `prefers-color-scheme: dark`, and the text of the page keeps WCAG's 4.5:1 contrast on its
 * backgrounds in both themes. The colours are read from the stylesheet itself, so a change of a
 * value that breaks a pair fails here.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync('src/ui/theme.css', 'utf8');

/** The declarations of the first `:root { … }` after `from` (no nested braces inside :root). */
function rootBlock(from: number): Map<string, string> {
  const start = css.indexOf(':root {', from);
  const end = css.indexOf('}', start);
  const body = css.slice(start, end).replace(/\/\*[\s\S]*?\*\//g, '');
  return new Map([...body.matchAll(/(--[\w-]+)\s*:\s*([^;]+);/g)].map((m) => [m[1]!, m[2]!.trim()]));
}

const darkAt = css.indexOf('@media (prefers-color-scheme: dark)');
const light = rootBlock(0);
const dark = new Map([...light, ...rootBlock(darkAt)]);
const darkOwn = rootBlock(darkAt);

/** A property's value with `var(--x)` followed, in `theme`. */
function resolve(theme: Map<string, string>, name: string): string {
  const value = theme.get(name);
  if (value === undefined) throw new Error(`${name} is not defined`);
  const ref = /^var\((--[\w-]+)\)$/.exec(value);
  return ref ? resolve(theme, ref[1]!) : value;
}

/** #rgb or #rrggbb as 0–255 channels. */
function rgb(hex: string): [number, number, number] {
  const digits = hex.slice(1);
  const full = digits.length === 3 ? [...digits].map((d) => d + d).join('') : digits;
  if (!/^[0-9a-f]{6}$/i.test(full)) throw new Error(`not an opaque hex colour: ${hex}`);
  return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
}

/** WCAG 2.x relative luminance. */
function luminance(hex: string): number {
  const [r, g, b] = rgb(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** WCAG 2.x contrast ratio, from 1 to 21. */
function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

const isColour = (value: string): boolean => /^#[0-9a-f]{3,8}$/i.test(value) || /^rgba?\(/i.test(value);

/** Text roles and the backgrounds each is written on. */
const pairs: readonly [text: string, backgrounds: readonly string[]][] = [
  ['--color-text', ['--color-surface', '--color-surface-alt', '--color-panel', '--color-selected', '--color-highlight', '--kind-io-surface', '--status-running', '--status-failed', '--status-skipped', '--status-stopped', '--status-completed']],
  ['--color-text-secondary', ['--color-surface', '--color-surface-alt', '--color-panel']],
  ['--color-muted', ['--color-surface', '--color-surface-alt', '--color-panel', '--color-selected']],
  ['--color-faint', ['--color-surface', '--color-surface-alt', '--color-panel']],
  ['--color-annotation', ['--color-panel']],
  ['--color-danger', ['--color-surface', '--color-danger-surface']],
  ['--color-warn', ['--color-surface', '--color-warn-surface']],
  ['--color-ok', ['--color-surface']],
  ['--color-front', ['--color-surface', '--color-selected']],
  ['--color-info', ['--color-surface']],
  ['--color-accent', ['--color-surface', '--color-surface-alt', '--color-panel']],
  // The primary button: the surface's colour written on the accent.
  ['--color-surface', ['--color-accent']],
];

describe('the light and dark themes', () => {
  it('asks for both colour schemes, with the dark one from the system setting', () => {
    expect(css).toMatch(/color-scheme:\s*light dark/);
    expect(darkAt).toBeGreaterThan(0);
  });

  it('gives every colour property of the light theme a dark value', () => {
    const colours = [...light].filter(([, value]) => isColour(value)).map(([name]) => name);
    expect(colours.length).toBeGreaterThan(40);
    expect(colours.filter((name) => !darkOwn.has(name))).toEqual([]);
  });

  for (const [name, theme] of [['light', light], ['dark', dark]] as const) {
    it(`keeps text at 4.5:1 or more on its backgrounds in the ${name} theme`, () => {
      const low = pairs.flatMap(([text, backgrounds]) =>
        backgrounds
          .map((bg) => ({ pair: `${text} on ${bg}`, ratio: contrast(resolve(theme, text), resolve(theme, bg)) }))
          .filter(({ ratio }) => ratio < 4.5)
          .map(({ pair, ratio }) => `${pair}: ${ratio.toFixed(2)}`),
      );
      expect(low).toEqual([]);
    });
  }

  it('computes contrast as WCAG does', () => {
    expect(contrast('#000', '#fff')).toBeCloseTo(21, 5);
    expect(contrast('#777', '#fff')).toBeCloseTo(4.48, 2);
  });
});

describe('the type scale', () => {
  it('keeps the browser base of 16 px and makes headings larger than text', () => {
    expect(light.get('--font-size-base')).toBe('1rem');
    const rem = (name: string): number => parseFloat(light.get(name)!);
    expect(rem('--font-size-h1')).toBeGreaterThan(rem('--font-size-h2'));
    expect(rem('--font-size-h2')).toBeGreaterThan(rem('--font-size-h3'));
    expect(rem('--font-size-h3')).toBeGreaterThan(rem('--font-size-base'));
    expect(rem('--font-size-sm')).toBeGreaterThanOrEqual(0.875);
  });
});
