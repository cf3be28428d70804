/**
 * The kinds of setting the settings table is made of (numbers, lists, anything with a text form):
 * each reads its share-link text by hand, checks its value on its own, and writes it back so that
 * reading what was written gives the same value.
 */
import { limits } from '../core/architecture.ts';
import type { Settings, SettingsContext, SpaceKnobs } from './setup-settings.ts';

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };
export const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const fail = (message: string): Decoded<never> => ({ ok: false, message });

/** One setting: its key in the share link, its label in the form, its JSON path in StudyConfig. */
export interface Setting {
  readonly key: string;
  readonly label: string;
  readonly path: string;
  /** Longest share-link value read for it. */
  readonly maxLength: number;
  encode(settings: Settings): string;
  /** `settings` with `text` applied, or why `text` cannot be used. */
  decode(text: string, settings: Settings, context: SettingsContext): Decoded<Settings>;
  /** Why the current value cannot be used on its own, or undefined. */
  problem(settings: Settings, context: SettingsContext): string | undefined;
}

export interface SettingSpec<T> {
  readonly key: string;
  readonly label: string;
  readonly path: string;
  readonly maxLength?: number;
  get(settings: Settings): T;
  set(settings: Settings, value: T): Settings;
  format(value: T): string;
  parse(text: string): Decoded<T>;
  check(value: T, settings: Settings, context: SettingsContext): string | undefined;
}

export function setting<T>(spec: SettingSpec<T>): Setting {
  return {
    key: spec.key,
    label: spec.label,
    path: spec.path,
    maxLength: spec.maxLength ?? 200,
    encode: (settings) => spec.format(spec.get(settings)),
    decode(text, settings, context) {
      const parsed = spec.parse(text);
      if (!parsed.ok) return parsed;
      const problem = spec.check(parsed.value, settings, context);
      return problem === undefined ? ok(spec.set(settings, parsed.value)) : fail(problem);
    },
    problem: (settings, context) => spec.check(spec.get(settings), settings, context),
  };
}

/** A value as a message quotes it: short, and as JSON so that markup stays visible text. */
export const quote = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);

const numberPattern = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

export function parseNumber(text: string): Decoded<number> {
  const trimmed = text.trim();
  if (trimmed === '') return fail('is empty; enter a number');
  if (!numberPattern.test(trimmed)) return fail(`must be a number, got ${quote(trimmed)}`);
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return fail(`is too large to use, got ${quote(trimmed)}`);
  return ok(value === 0 ? 0 : value); // no -0: it would not survive the round trip through text
}

export const formatNumber = (value: number): string => (Number.isFinite(value) ? String(value) : '');

export type Check<T> = (value: T) => string | undefined;

export const numberCheck = (test: (value: number) => boolean, expected: string): Check<number> => (value) =>
  test(value) ? undefined : Number.isFinite(value) ? `must be ${expected}, got ${value}` : `is empty or not a number; it must be ${expected}`;

export const wholeFrom = (min: number, max: number): Check<number> =>
  numberCheck((v) => Number.isInteger(v) && v >= min && v <= max, `a whole number from ${min} to ${max}`);

/** Splits "4, 8,16" into its items; empty items (a trailing comma) are dropped. */
export const splitList = (text: string): string[] => text.split(',').map((item) => item.trim()).filter((item) => item !== '');

export const repeatedItem = <T>(list: readonly T[]): T | undefined => list.find((item, index) => list.indexOf(item) !== index);

export function listSetting<T extends string | number>(
  spec: Omit<SettingSpec<readonly T[]>, 'format' | 'parse' | 'check'> & {
    parseItem(item: string): T | undefined;
    what: string;
    checkList?(list: readonly T[], settings: Settings): string | undefined;
  },
): Setting {
  return setting<readonly T[]>({
    ...spec,
    format: (list) => list.join(','),
    parse(text) {
      const items = splitList(text);
      const parsed = items.map((item) => spec.parseItem(item));
      const bad = parsed.findIndex((item) => item === undefined);
      return bad >= 0 ? fail(`${quote(items[bad]!)} is not one of ${spec.what}`) : ok(parsed as T[]);
    },
    check(list, settings) {
      if (list.some((item) => spec.parseItem(String(item)) === undefined)) return `must list only ${spec.what}`;
      const repeated = repeatedItem(list);
      if (repeated !== undefined) return `lists ${repeated} more than once; each choice must appear once`;
      return spec.checkList?.(list, settings);
    },
  });
}

export const namesOf = <T extends string>(names: readonly T[]) => (item: string): T | undefined =>
  (names as readonly string[]).includes(item) ? (item as T) : undefined;

/** An item of a list of whole numbers from 1 to `max`. */
export function wholeItem(max: number) {
  return (item: string): number | undefined => (/^\d{1,6}$/.test(item) && Number(item) >= 1 && Number(item) <= max ? Number(item) : undefined);
}

// Kinds bound to fields of Settings.

type Key<T> = { [K in keyof Settings]: Settings[K] extends T ? K : never }[keyof Settings];

export function numberSetting(key: string, label: string, path: string, field: Key<number>, check: Check<number>): Setting {
  return setting<number>({
    key,
    label,
    path,
    get: (s) => s[field] as number,
    set: (s, value) => ({ ...s, [field]: value }),
    format: formatNumber,
    parse: parseNumber,
    check,
  });
}

/** On or off: `on` / `off` in the share link. */
export function switchSetting(key: string, label: string, path: string, field: Key<boolean>): Setting {
  return setting<boolean>({
    key,
    label,
    path,
    maxLength: 3,
    get: (s) => s[field] as boolean,
    set: (s, value) => ({ ...s, [field]: value }),
    format: (value) => (value ? 'on' : 'off'),
    parse: (text) => (text === 'on' ? ok(true) : text === 'off' ? ok(false) : fail(`must be "on" or "off", got ${quote(text)}`)),
    check: () => undefined,
  });
}

/** An optional number: empty text means none. */
export function optionalNumberSetting(key: string, label: string, path: string, field: 'trials' | 'minutes', check: Check<number>): Setting {
  return setting<number | undefined>({
    key,
    label,
    path,
    get: (s) => s[field],
    set: (s, value) => ({ ...s, [field]: value }),
    format: (value) => (value === undefined ? '' : formatNumber(value)),
    parse: (text) => (text.trim() === '' ? ok(undefined) : parseNumber(text)),
    check: (value) => (value === undefined ? undefined : check(value)),
  });
}

export function choiceSetting<T extends string>(key: string, label: string, path: string, field: 'accounting' | 'strategy' | 'backend', choices: readonly T[]): Setting {
  const expected = choices.map((c) => `"${c}"`).join(', ');
  return setting<string>({
    key,
    label,
    path,
    get: (s) => s[field],
    set: (s, value) => ({ ...s, [field]: value }),
    format: (value) => value,
    parse: ok,
    check: (value) => ((choices as readonly string[]).includes(value) ? undefined : `must be one of ${expected}, got ${quote(value)}`),
  });
}

type ListKnob = { [K in keyof SpaceKnobs]: SpaceKnobs[K] extends readonly (string | number)[] ? K : never }[keyof SpaceKnobs];

export function knobList<T extends string | number>(key: string, label: string, knob: ListKnob, parseItem: (item: string) => T | undefined, what: string): Setting {
  return listSetting<T>({
    key,
    label,
    path: `searchSpace.${knob}`,
    get: (s) => s.space[knob] as unknown as readonly T[],
    set: (s, value) => ({ ...s, space: { ...s.space, [knob]: value } }),
    parseItem,
    what,
  });
}

export function knobRange(key: string, label: string, knob: 'convLayers' | 'denseLayers', end: 'min' | 'max'): Setting {
  return setting<number>({
    key,
    label,
    path: `searchSpace.${knob}.${end}`,
    get: (s) => s.space[knob][end],
    set: (s, value) => ({ ...s, space: { ...s.space, [knob]: { ...s.space[knob], [end]: value } } }),
    format: formatNumber,
    parse: parseNumber,
    check: wholeFrom(0, limits.layers),
  });
}

export function poolingList<T extends string | number>(key: string, label: string, field: 'types' | 'sizes', parseItem: (item: string) => T | undefined, what: string): Setting {
  return listSetting<T>({
    key,
    label,
    path: `searchSpace.pooling.${field}`,
    get: (s) => s.space.pooling[field] as unknown as readonly T[],
    set: (s, value) => ({ ...s, space: { ...s.space, pooling: { ...s.space.pooling, [field]: value } } }),
    parseItem,
    what,
  });
}

export function sparsitySetting(key: string, label: string, end: 'min' | 'max'): Setting {
  return setting<number>({
    key,
    label,
    path: `pruning.sparsity.${end}`,
    get: (s) => s.pruning.sparsity[end],
    set: (s, value) => ({ ...s, pruning: { ...s.pruning, sparsity: { ...s.pruning.sparsity, [end]: value } } }),
    format: formatNumber,
    parse: parseNumber,
    check: numberCheck((v) => v >= 0 && v < 1, 'a fraction from 0 up to (not including) 1'),
  });
}
