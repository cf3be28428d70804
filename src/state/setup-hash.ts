/**
 * The share link's hash (`#dataset=mnist&targets=arduino-uno&…`), written and read through the
 * settings table. Every key is always written, so applying a link reproduces its settings exactly
 * whatever the settings were before. Reading treats the hash as hostile: it is length-capped, each
 * entry is checked on its own, and a bad entry is reported and skipped while the good ones apply.
 */
import { quote } from './setting-kinds.ts';
import { type Problem, type SettingRow, type Settings, type SettingsContext, settingsTable } from './setup-settings.ts';

/** Far above a full link with 16 custom targets (about 5,000 characters). */
export const maxHashLength = 16_000;
const maxEntries = 2 * settingsTable.length;
const linkField = 'Share link';

const settingsByKey = new Map<string, SettingRow>(settingsTable.map((s) => [s.key, s]));

/** Commas stay readable; everything else that is not URL-safe is percent-encoded. */
const encodeValue = (value: string): string => encodeURIComponent(value).replace(/%2C/g, ',');

export function settingsToHash(settings: Settings): string {
  return settingsTable.map((s) => `${s.key}=${encodeValue(s.encode(settings))}`).join('&');
}

function decodePart(text: string): string | undefined {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

export interface AppliedHash {
  readonly settings: Settings;
  readonly problems: readonly Problem[];
  /** Keys of the settings the hash changed or confirmed. */
  readonly applied: ReadonlySet<string>;
}

/** `settings` with the valid entries of `hash` (with or without its leading #) applied. */
export function applySettingsHash(settings: Settings, hash: string, context: SettingsContext): AppliedHash {
  const problems: Problem[] = [];
  const applied = new Set<string>();
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.length > maxHashLength) {
    problems.push({ field: linkField, message: `is ${text.length} characters long; at most ${maxHashLength} are read, so it was ignored` });
    return { settings, problems, applied };
  }
  const parts = text.split('&').filter((part) => part !== '');
  if (parts.length > maxEntries) {
    problems.push({ field: linkField, message: `has ${parts.length} entries; only the first ${maxEntries} were read` });
  }
  const values = new Map<string, string>();
  const seen = new Set<string>();
  for (const part of parts.slice(0, maxEntries)) {
    const equals = part.indexOf('=');
    const rawKey = equals < 0 ? part : part.slice(0, equals);
    const key = decodePart(rawKey) ?? rawKey;
    const setting = settingsByKey.get(key);
    if (setting === undefined) {
      problems.push({ field: linkField, message: `unknown setting ${quote(key)}; it was ignored` });
      continue;
    }
    if (seen.has(key)) {
      problems.push({ field: setting.label, message: `is given more than once in the share link; the first value was used` });
      continue;
    }
    seen.add(key);
    const rawValue = equals < 0 ? '' : part.slice(equals + 1);
    // Checked before decoding, so that a huge value is never decoded.
    if (rawValue.length > 3 * setting.maxLength) {
      problems.push({ field: setting.label, message: `the share link's value is ${rawValue.length} characters long; it was ignored` });
      continue;
    }
    const value = decodePart(rawValue);
    if (value === undefined || value.length > setting.maxLength) {
      const why = value === undefined ? 'is not valid percent-encoding' : `is ${value.length} characters long; at most ${setting.maxLength} are read`;
      problems.push({ field: setting.label, message: `the share link's value ${why}; it was ignored` });
      continue;
    }
    values.set(key, value);
  }
  let current = settings;
  for (const setting of settingsTable) {
    const value = values.get(setting.key);
    if (value === undefined) continue;
    const decoded = setting.decode(value, current, context);
    if (decoded.ok) {
      current = decoded.value;
      applied.add(setting.key);
    } else {
      problems.push({ field: setting.label, message: `${decoded.message}; the share link's value was ignored` });
    }
  }
  return { settings: current, problems, applied };
}
