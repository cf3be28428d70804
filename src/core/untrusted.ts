/**
 * What every reader of untrusted JSON in core (architectures, search and pruning spaces) and in
 * contracts (the study document) shares: telling a JSON object apart, and naming a bad value in a
 * message without echoing a whole document back.
 */

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A short description of a value for a message; long strings are cut, objects are not spelt out. */
export function describe(value: unknown): string {
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
  const json = JSON.stringify(value) ?? String(value);
  return json.length > 60 ? `${json.slice(0, 60)}…` : json;
}
