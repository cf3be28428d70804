/**
 * Readers for untrusted, already parsed JSON. Each one checks one value at a JSON path
 * (`trials[3].metrics.testAccuracy`) and throws a FieldError with that path and the reason in words,
 * so the first problem of a document is reported where it is. Nothing is coerced or clamped.
 */
import { describe } from '../core/untrusted.ts';

/** A problem with one value: `path` is where (empty for the document itself), `reason` what is wrong. */
export class FieldError extends Error {
  override readonly name = 'FieldError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === '' ? reason : `${path}: ${reason}`);
  }
}

export type JsonRecord = Record<string, unknown>;

export const isRecord = (value: unknown): value is JsonRecord => typeof value === 'object' && value !== null && !Array.isArray(value);

export { describe };

/** `parent.key`, or `parent["odd key"]` for keys that are not plain identifiers (cut to 40 characters). */
export function childPath(parent: string, key: string): string {
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return parent === '' ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}]`;
}

export const itemPath = (parent: string, index: number): string => `${parent}[${index}]`;

/** Throws unless `value` is present; `expected` says what it must be. */
function present(value: unknown, path: string, expected: string): void {
  if (value === undefined) throw new FieldError(path, `is missing; it must be ${expected}`);
}

function fail(value: unknown, path: string, expected: string): never {
  present(value, path, expected);
  throw new FieldError(path, `must be ${expected}, got ${describe(value)}`);
}

/**
 * An object whose fields are all among `required` and `optional`. An unknown field is an error (a
 * misspelt field would otherwise be dropped silently); missing required fields are found by the
 * readers of each field, in the order the caller reads them.
 */
export function objectAt(value: unknown, path: string, what: string, required: readonly string[], optional: readonly string[] = []): JsonRecord {
  if (!isRecord(value)) fail(value, path, `an object (${what})`);
  for (const key of Object.keys(value)) {
    if (!required.includes(key) && !optional.includes(key)) {
      throw new FieldError(childPath(path, key), `is not a field of ${what}; expected ${[...required, ...optional].join(', ')}`);
    }
  }
  return value;
}

export function listAt(value: unknown, path: string, maxLength: number, what = 'a list'): readonly unknown[] {
  if (!Array.isArray(value)) fail(value, path, what);
  if (value.length > maxLength) throw new FieldError(path, `has ${value.length} entries; at most ${maxLength} are allowed`);
  return value;
}

export function numberAt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) fail(value, path, `a number from ${min} to ${max}`);
  return value;
}

/** A probability-like fraction: at least 0 and strictly below 1. */
export function fractionBelowOneAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) fail(value, path, 'a number at least 0 and below 1');
  return value;
}

export function positiveNumberAt(value: unknown, path: string, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > max) fail(value, path, `a number above 0 and at most ${max}`);
  return value;
}

export function integerAt(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(value, path, `an integer from ${min} to ${max}`);
  return value;
}

/** A count or a size: a whole number, 0 or more, that a double holds exactly. */
export function countAt(value: unknown, path: string, unit = ''): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) fail(value, path, `a whole number${unit === '' ? '' : ` of ${unit}`} (0 or more)`);
  return value;
}

/** A duration or a rate: finite, 0 or more. */
export function nonNegativeAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) fail(value, path, 'a finite number, 0 or more');
  return value;
}

export function seedAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(value, path, 'a whole number (the seed)');
  return value;
}

export function booleanAt(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') fail(value, path, 'true or false');
  return value;
}

export function choiceAt<T extends string>(value: unknown, path: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) fail(value, path, `one of ${choices.map((c) => `"${c}"`).join(', ')}`);
  return value as T;
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
  if (typeof value !== 'string') fail(value, path, 'text');
  if (value.length === 0 && !rule.allowEmpty) throw new FieldError(path, 'must not be empty');
  if (value.length > rule.maxLength) throw new FieldError(path, `is ${value.length} characters long; at most ${rule.maxLength} are allowed`);
  const control = rule.multiline ? /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/;
  const found = control.exec(value);
  if (found) {
    const code = found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
    throw new FieldError(path, `contains the control character U+${code} at position ${found.index}; only plain text is allowed`);
  }
  return value;
}

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

/** Ids end up in keys, file names and URLs, so they are restricted to a safe alphabet. */
export function idAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || !idPattern.test(value)) fail(value, path, 'an id of 1 to 200 letters, digits, ".", "_", ":" or "-" (starting with a letter or digit)');
  return value;
}

const isoPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function isoTimeAt(value: unknown, path: string): string {
  if (typeof value !== 'string' || !isoPattern.test(value) || !Number.isFinite(Date.parse(value))) {
    fail(value, path, 'an ISO 8601 time such as "2026-11-05T09:30:00.000Z"');
  }
  return value;
}

/**
 * Throws when an object or list inside `value` lies more than `maxDepth` levels down (`value` itself
 * is level 1). Used on the parts kept as they are (extra layer fields, custom targets), so that no
 * later JSON.stringify or structured clone recurses without end. Iterative: no stack to overflow.
 */
export function checkDepth(value: unknown, path: string, maxDepth: number): void {
  const pending: { value: unknown; path: string; depth: number }[] = [{ value, path, depth: 1 }];
  while (pending.length > 0) {
    const { value: current, path: at, depth } = pending.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) throw new FieldError(at, `is nested more than ${maxDepth} levels deep`);
    const entries: [string, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [itemPath(at, index), item])
      : Object.entries(current).map(([key, item]) => [childPath(at, key), item]);
    for (let i = entries.length - 1; i >= 0; i--) pending.push({ value: entries[i]![1], path: entries[i]![0], depth: depth + 1 });
  }
}
