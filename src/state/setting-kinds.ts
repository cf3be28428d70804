/**
 * The kinds of setting a settings table is made of (numbers, switches, choices, lists, anything
 * with a text form): each reads its share-link text by hand, checks its value on its own, and
 * writes it back so that reading what was written gives the same value. Generic in the settings
 * record `S` and the context `C` the checks see; setup-settings.ts binds them to the setup's.
 */

export type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly message: string };
export const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const fail = (message: string): Decoded<never> => ({ ok: false, message });

/** Where a setting lives in the settings record: read it, and a copy with it replaced. */
export interface Lens<S, T> {
  get(settings: S): T;
  set(settings: S, value: T): S;
}

/** A top-level field of `S` as a lens. */
export const fieldLens = <S, F extends keyof S>(field: F): Lens<S, S[F]> => ({
  get: (settings) => settings[field],
  set: (settings, value) => ({ ...settings, [field]: value }),
});

/** What a form field shows for a number setting: the input's bounds and step. */
export interface NumberInput {
  readonly min?: number;
  readonly max?: number;
  readonly step: number | 'any';
}

/**
 * One setting: its key in the share link, its label in the form, its JSON path in StudyConfig, and
 * how its value of type `T` is read, written, checked and entered.
 */
export interface Setting<S, C, K extends string = string, T = unknown> extends Lens<S, T> {
  readonly key: K;
  readonly label: string;
  readonly path: string;
  /** Longest share-link value read for it. */
  readonly maxLength: number;
  /** For a number field: its bounds and step. */
  readonly input?: NumberInput;
  /** For a list: every item it may hold, in the order a checkbox list keeps them. */
  readonly items?: readonly (T extends readonly (infer I)[] ? I : never)[];
  /** The user's choice: `set`, plus what follows from it (e.g. a dataset's epochs per trial). */
  choose(settings: S, value: T, context: C): S;
  format(value: T): string;
  parse(text: string): Decoded<T>;
  check(value: T, settings: S, context: C): string | undefined;
  encode(settings: S): string;
  /** `settings` with `text` applied, or why `text` cannot be used. */
  decode(text: string, settings: S, context: C): Decoded<S>;
  /** Why the current value cannot be used on its own, or undefined. */
  problem(settings: S, context: C): string | undefined;
}

export interface SettingSpec<S, C, K extends string, T> extends Lens<S, T> {
  readonly key: K;
  readonly label: string;
  readonly path: string;
  readonly maxLength?: number;
  readonly input?: NumberInput;
  readonly items?: readonly (T extends readonly (infer I)[] ? I : never)[];
  choose?(settings: S, value: T, context: C): S;
  format(value: T): string;
  parse(text: string): Decoded<T>;
  check(value: T, settings: S, context: C): string | undefined;
}

export function setting<S, C, const K extends string, T>(spec: SettingSpec<S, C, K, T>): Setting<S, C, K, T> {
  const { get, set, parse, check } = spec;
  return {
    ...spec,
    maxLength: spec.maxLength ?? 200,
    choose: spec.choose ?? ((settings, value) => set(settings, value)),
    encode: (settings) => spec.format(get(settings)),
    decode(text, settings, context) {
      const parsed = parse(text);
      if (!parsed.ok) return parsed;
      const problem = check(parsed.value, settings, context);
      return problem === undefined ? ok(set(settings, parsed.value)) : fail(problem);
    },
    problem: (settings, context) => check(get(settings), settings, context),
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

type Bound<S, C, K extends string, T> = Omit<SettingSpec<S, C, K, T>, 'format' | 'parse' | 'check' | 'get' | 'set'> & { readonly at: Lens<S, T> };

/** A number; `input` is what its form field allows. */
export function numberSetting<S, C, const K extends string>(spec: Bound<S, C, K, number> & { check: Check<number> }): Setting<S, C, K, number> {
  return setting<S, C, K, number>({ ...spec, ...spec.at, format: formatNumber, parse: parseNumber, check: spec.check });
}

/** An optional number: empty text means none. */
export function optionalNumberSetting<S, C, const K extends string>(
  spec: Bound<S, C, K, number | undefined> & { check: Check<number> },
): Setting<S, C, K, number | undefined> {
  return setting<S, C, K, number | undefined>({
    ...spec,
    ...spec.at,
    format: (value) => (value === undefined ? '' : formatNumber(value)),
    parse: (text) => (text.trim() === '' ? ok(undefined) : parseNumber(text)),
    check: (value) => (value === undefined ? undefined : spec.check(value)),
  });
}

/** On or off: `on` / `off` in the share link. */
export function switchSetting<S, C, const K extends string>(spec: Bound<S, C, K, boolean>): Setting<S, C, K, boolean> {
  return setting<S, C, K, boolean>({
    maxLength: 3,
    ...spec,
    ...spec.at,
    format: (value) => (value ? 'on' : 'off'),
    parse: (text) => (text === 'on' ? ok(true) : text === 'off' ? ok(false) : fail(`must be "on" or "off", got ${quote(text)}`)),
    check: () => undefined,
  });
}

/** One of a few names. */
export function choiceSetting<S, C, const K extends string, T extends string>(
  spec: Bound<S, C, K, T> & { readonly choices: readonly T[] },
): Setting<S, C, K, T> & { readonly choices: readonly T[] } {
  const expected = spec.choices.map((c) => `"${c}"`).join(', ');
  const isChoice = (value: string): value is T => (spec.choices as readonly string[]).includes(value);
  const row = setting<S, C, K, T>({
    ...spec,
    ...spec.at,
    format: (value) => value,
    // Checked by `check`, which names the choices; parse keeps the text as it came.
    parse: (text) => ok(text as T),
    check: (value) => (isChoice(value) ? undefined : `must be one of ${expected}, got ${quote(value)}`),
  });
  return { ...row, choices: spec.choices };
}

/** A list of names or numbers, written "a,b,c"; each item once. */
export function listSetting<S, C, const K extends string, T extends string | number>(
  spec: Bound<S, C, K, readonly T[]> & {
    parseItem(item: string): T | undefined;
    what: string;
    checkList?(list: readonly T[], settings: S): string | undefined;
  },
): Setting<S, C, K, readonly T[]> {
  return setting<S, C, K, readonly T[]>({
    ...spec,
    ...spec.at,
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

/** `list` with `item` in or out; in the order of `all` when given, else a new item goes last. */
export function toggled<T>(list: readonly T[], item: T, on: boolean, all?: readonly T[]): T[] {
  const others = list.filter((x) => x !== item);
  if (!on) return others;
  return all === undefined ? [...others, item] : all.filter((x) => others.includes(x) || x === item);
}
