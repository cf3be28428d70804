/**
 * The one toolkit for untrusted, already parsed JSON: architectures, search and pruning spaces,
 * custom targets, the dataset manifest, the study document, weights files and the setup link are
 * all read with it. A reader checks one value at a JSON path (`trials[3].metrics.testAccuracy`) and
 * returns it typed, or throws a FieldError with that path and the reason in words, so the first
 * problem of a document is reported where it is. Nothing is coerced or clamped.
 *
 * Readers word a refusal as the study document does (`must be …, got …`, or `is missing; it must
 * be …`). The older parsers of core word theirs slightly differently, and their messages are public
 * (tests, the CLI, the setup form): they pass their own Wording, which also picks the FieldError
 * subclass they throw.
 */

/** A problem with one value: `path` is where (empty for the document itself), `reason` what is wrong. */
export class FieldError extends Error {
  override readonly name: string = 'FieldError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
  }
}

export type JsonRecord = Record<string, unknown>;

/** A JSON object: not null, not a list. */
export const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A whole number from `min` to `max` that a double holds exactly. JSON.parse turns 9007199254740993
 * into 9007199254740992 without a word, so a count beyond 2^53 − 1 is refused whatever `max` says:
 * kept, it would be printed as a number the user never wrote.
 */
export const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max;

/** 9,007,199,254,740,991 (2^53 − 1): the largest whole number a double holds exactly, as messages write it. */
export const maxSafeIntegerText = '9,007,199,254,740,991';

/** True for a finite number beyond ±(2^53 − 1): one whose digits JSON.parse may already have changed. */
const isBeyondExact = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER;

/** How a number beyond 2^53 − 1 is named: never by its digits, which may not be the ones in the file. */
const beyondExactText = (value: number): string =>
  `a number ${value < 0 ? 'below −' : 'above '}${maxSafeIntegerText}, too large to hold exactly`;

/**
 * Keys that are never accepted in untrusted JSON. JSON.parse makes `"__proto__"` an own field; kept
 * and spread or assigned into another object it can replace that object's prototype, and
 * `constructor` and `prototype` name the same machinery. No field of ours has these names.
 */
export const forbiddenKeys: readonly string[] = ['__proto__', 'constructor', 'prototype'];

/** The first own key of `record` that is in `forbiddenKeys`, or undefined. */
export const forbiddenKeyOf = (record: object): string | undefined => Object.keys(record).find((key) => forbiddenKeys.includes(key));

/** Why a forbidden key is refused, after its path. */
export const forbiddenKeyReason = 'is a field name that is never accepted (it could change how JavaScript treats the object); remove it';

/** A finite number from `min` to `max`. */
export const isNumberIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;

/** A short description of a value for a message; long strings are cut, objects are not spelt out. */
export function describe(value: unknown): string {
  if (isBeyondExact(value)) return beyondExactText(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** A value as its JSON, cut to 60 characters: for settings whose lists and numbers the user must see. */
export function describeJson(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (isBeyondExact(value)) return beyondExactText(value);
  let json: string;
  try {
    // A number beyond 2^53 − 1 inside a list is named, not written with digits it may not have had.
    json = JSON.stringify(value, (_key, item: unknown) => (isBeyondExact(item) ? `(${item < 0 ? 'below −' : 'above '}${maxSafeIntegerText})` : item)) ?? String(value);
  } catch {
    // Too deep for JSON.stringify: only a short description is needed anyway.
    json = describe(value);
  }
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}

/**
 * `parent.key`, or `parent["odd key"]` for keys that are not plain identifiers and keys over 40
 * characters (cut to 40: a path is quoted in messages, and an unknown key may be any length).
 */
export function childPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key) && key.length <= 40) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}

export const itemPath = (parent: string, index: number): string => `${parent}[${index}]`;

// ---------------------------------------------------------------------------------------------
// How a refusal is worded
// ---------------------------------------------------------------------------------------------

/** How a parser words a refused value, and which error it throws. */
export interface Wording {
  /** Names the refused value after "got": `describe` (objects not spelt out) or `describeJson` (lists shown). */
  readonly describe: (value: unknown) => string;
  /** True: an absent value "is missing; it must be …"; false: it "must be …, got nothing". */
  readonly namesMissing: boolean;
  /** True: an unknown field's message lists the known ones as "expected one of a, b"; false: "expected a, b". */
  readonly oneOf: boolean;
  /** What is thrown: FieldError, or a parser's own subclass of it. */
  readonly error: new (path: string, reason: string) => FieldError;
}

/** The study document's wording, which every reader uses unless it is given another. */
export const documentWording: Wording = { describe, namesMissing: true, oneOf: false, error: FieldError };

/** The reason `value` is refused: `must be ${expected}, got …`, or `is missing; it must be ${expected}`. */
export function mustBe(expected: string, value: unknown, wording: Wording = documentWording): string {
  if (value === undefined && wording.namesMissing) return `is missing; it must be ${expected}`;
  return `must be ${expected}, got ${wording.describe(value)}`;
}

/** Throws the wording's error for `value` at `path`; `expected` says what it must be. */
export function refuse(value: unknown, path: string, expected: string, wording: Wording = documentWording): never {
  throw new wording.error(path, mustBe(expected, value, wording));
}

// ---------------------------------------------------------------------------------------------
// Readers: each returns the value typed, or throws naming `path`
// ---------------------------------------------------------------------------------------------

/** The reader every other one is made of: `value` when `accepts` it, else a refusal saying it must be `expected`. */
export function expectAt<T>(value: unknown, path: string, accepts: (value: unknown) => value is T, expected: string, wording?: Wording): T {
  if (!accepts(value)) refuse(value, path, expected, wording);
  return value;
}

/**
 * A JSON object, its fields left to the caller; `expected` describes it (`an object with height,
 * width and channels`). A forbidden key (`__proto__`…) is refused here, whatever the caller reads.
 */
export function recordAt(value: unknown, path: string, expected: string, wording: Wording = documentWording): JsonRecord {
  const record = expectAt(value, path, isRecord, expected, wording);
  const forbidden = forbiddenKeyOf(record);
  if (forbidden !== undefined) throw new wording.error(childPath(path, forbidden), forbiddenKeyReason);
  return record;
}

/** The first field of `record` that is not `known`, or undefined. */
export const unknownField = (record: JsonRecord, known: readonly string[]): string | undefined => Object.keys(record).find((key) => !known.includes(key));

/** Throws on the first field of `record` that is not `known`: a misspelt field would otherwise be dropped silently. */
export function knownFieldsAt(record: JsonRecord, path: string, known: readonly string[], what: string, wording: Wording = documentWording): void {
  const unknown = unknownField(record, known);
  if (unknown !== undefined) {
    throw new wording.error(childPath(path, unknown), `is not a field of ${what}; expected ${wording.oneOf ? 'one of ' : ''}${known.join(', ')}`);
  }
}

/**
 * An object whose fields are all among `required` and `optional` (`what` names it: `a study config`).
 * Missing required fields are found by the readers of each field, in the order the caller reads them.
 */
export function objectAt(value: unknown, path: string, what: string, required: readonly string[], optional: readonly string[] = []): JsonRecord {
  // Not recordAt: `__proto__` and the like are never known fields, so knownFieldsAt refuses them as unknown.
  const record = expectAt(value, path, isRecord, `an object (${what})`);
  knownFieldsAt(record, path, [...required, ...optional], what);
  return record;
}

/** A list of at most `maxLength` entries, unchecked; `what` describes it (`a list of trials`). */
export function listAt(value: unknown, path: string, maxLength: number, what = 'a list'): readonly unknown[] {
  const list = expectAt(value, path, Array.isArray, what);
  if (list.length > maxLength) throw new FieldError(path, `has ${list.length} entries; at most ${maxLength} are allowed`);
  return list;
}

/** A finite number from `min` to `max`. */
export function numberAt(value: unknown, path: string, min: number, max: number, wording?: Wording): number {
  return expectAt(value, path, (v): v is number => isNumberIn(v, min, max), `a number from ${min} to ${max}`, wording);
}

/** A probability-like fraction: at least 0 and strictly below 1. */
export function fractionBelowOneAt(value: unknown, path: string): number {
  return expectAt(value, path, (v): v is number => isNumberIn(v, 0, 1) && v < 1, 'a number at least 0 and below 1');
}

/** A finite number above 0 and at most `max` (a learning rate, minutes). */
export function positiveNumberAt(value: unknown, path: string, max: number): number {
  return expectAt(value, path, (v): v is number => isNumberIn(v, 0, max) && v > 0, `a number above 0 and at most ${max}`);
}

/** A whole number from `min` to `max`. */
export function integerAt(value: unknown, path: string, min: number, max: number, wording?: Wording): number {
  return expectAt(value, path, (v): v is number => isIntegerIn(v, min, max), `an integer from ${min} to ${max}`, wording);
}

/** A count or a size: a whole number, 0 or more, that a double holds exactly (isIntegerIn); `unit` names what is counted. */
export function countAt(value: unknown, path: string, unit = ''): number {
  return expectAt(value, path, (v): v is number => isIntegerIn(v, 0, Number.MAX_SAFE_INTEGER), `a whole number${unit === '' ? '' : ` of ${unit}`} (0 or more)`);
}

/** A duration or a rate: finite, 0 or more. */
export function nonNegativeAt(value: unknown, path: string): number {
  return expectAt(value, path, (v): v is number => isNumberIn(v, 0, Infinity), 'a finite number, 0 or more');
}

/** A seed: any whole number a double holds exactly. */
export function seedAt(value: unknown, path: string): number {
  return expectAt(value, path, (v): v is number => typeof v === 'number' && Number.isSafeInteger(v), 'a whole number (the seed)');
}

export function booleanAt(value: unknown, path: string): boolean {
  return expectAt(value, path, (v): v is boolean => typeof v === 'boolean', 'true or false');
}

/** One of `choices`; the message lists them quoted (`one of "cosine", "step"`). */
export function choiceAt<T extends string>(value: unknown, path: string, choices: readonly T[]): T {
  const isChoice = (v: unknown): v is T => typeof v === 'string' && (choices as readonly string[]).includes(v);
  return expectAt(value, path, isChoice, `one of ${choices.map((c) => `"${c}"`).join(', ')}`);
}

/** Text that `pattern` matches in full (an id, a name); `expected` describes it in words. */
export function patternAt(value: unknown, path: string, pattern: RegExp, expected: string, wording?: Wording): string {
  return expectAt(value, path, (v): v is string => typeof v === 'string' && pattern.test(v), expected, wording);
}

export interface TextRule {
  readonly maxLength: number;
  /** Allows line breaks and tabs (error messages); single-line text allows no control character. */
  readonly multiline?: boolean;
  readonly allowEmpty?: boolean;
}

/**
 * Plain text, kept as it is: the UI renders it as text (never as HTML), so markup in it is harmless
 * and is not escaped here. Control characters are refused; they have no business in a name.
 */
export function textAt(value: unknown, path: string, rule: TextRule): string {
  const text = expectAt(value, path, (v): v is string => typeof v === 'string', 'text');
  if (text.length === 0 && !rule.allowEmpty) throw new FieldError(path, 'must not be empty');
  if (text.length > rule.maxLength) throw new FieldError(path, `is ${text.length} characters long; at most ${rule.maxLength} are allowed`);
  const control = rule.multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
  const found = control.exec(text);
  if (found) {
    const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new FieldError(path, `contains the control character U+${code} at position ${found.index}; only plain text is allowed`);
  }
  return text;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Ids end up in keys, file names and URLs, so they are restricted to a safe alphabet. */
export function idAt(value: unknown, path: string): string {
  return patternAt(value, path, idPattern, 'an id of 1 to 200 letters, digits, ".", "_", ":" or "-" (starting with a letter or digit)');
}

const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** A time in ISO 8601 with its zone, which Date can read. */
export function isoTimeAt(value: unknown, path: string): string {
  const isIsoTime = (v: unknown): v is string => typeof v === 'string' && isoPattern.test(v) && Number.isFinite(Date.parse(v));
  return expectAt(value, path, isIsoTime, 'an ISO 8601 time such as "2026-11-05T09:30:00.000Z"');
}

/**
 * `{ min, max }` of `record`, each read by `read` at `path.min` and `path.max`, with min not above
 * max. Other fields of `record` are the caller's to check.
 */
export function rangeAt(record: JsonRecord, path: string, read: (value: unknown, path: string) => number, wording: Wording = documentWording): { min: number; max: number } {
  const min = read(record.min, childPath(path, 'min'));
  const max = read(record.max, childPath(path, 'max'));
  if (min > max) throw new wording.error(path, `min (${min}) must not be greater than max (${max})`);
  return { min, max };
}

/** Index of the first entry of `list` that an earlier one repeats, or −1: for lists of choices, each allowed once. */
export const firstRepeat = (list: readonly unknown[]): number => list.findIndex((item, index) => list.indexOf(item) !== index);

/**
 * Throws when an object or list inside `value` lies more than `maxDepth` levels down (`value` itself
 * is level 1), or when an object in it has a forbidden key (`__proto__`…). Used on the parts kept as
 * they are (extra layer fields, the architecture of a study), so that no later JSON.stringify or
 * structured clone recurses without end and nothing kept can reach a prototype. Iterative: no stack
 * to overflow, whatever the depth.
 */
export function checkDepth(value: unknown, path: string, maxDepth: number, wording: Wording = documentWording): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 1 }];
  while (pending.length > 0) {
    const { value: current, path: at, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) throw new wording.error(at, `is nested more than ${maxDepth} levels deep`);
    if (!Array.isArray(current)) {
      const forbidden = forbiddenKeyOf(current);
      if (forbidden !== undefined) throw new wording.error(childPath(at, forbidden), forbiddenKeyReason);
    }
    const entries: [string, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [itemPath(at, index), item])
      : Object.entries(current).map(([key, item]) => [childPath(at, key), item]);
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ value: entries[i]![1], path: entries[i]![0], depth: depth + 1 });
  }
}

/**
 * Runs `read` and throws a FieldError it raises again as `wrap(error)`: for a file's or a store's
 * own error, which names the file or the record before the path.
 */
export function rethrowFieldErrors<T>(read: () => T, wrap: (error: FieldError) => Error): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof FieldError) throw wrap(error);
    throw error;
  }
}
