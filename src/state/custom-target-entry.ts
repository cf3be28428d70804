/**
 * A custom target as the form enters it (name, memory, core, clock, reserve), turned into the JSON
 * that parseCustomTarget reads and that travels in the study config. parseCustomTarget is the only
 * judge; its messages are renamed to the form's labels.
 */
import { type CoreId, TargetError, parseCustomTarget, presetTargetIds } from '../core/targets.ts';
import { type CustomTargetSpec, type Problem, customTargetId } from './setup-settings.ts';

export interface CustomTargetEntry {
  readonly name: string;
  readonly sramBytes: number;
  readonly flashBytes: number;
  /** Default: a Cortex-M4F at 64 MHz, the most common core among the presets. */
  readonly core?: CoreId;
  readonly clockMhz?: number;
  readonly reserveSramBytes?: number;
  readonly reserveFlashBytes?: number;
}

export const customTargetDefaults = { core: 'cortex-m4f', clockMhz: 64 } as const satisfies Partial<CustomTargetEntry>;

/** The form's labels for parseCustomTarget's fields. */
export const customTargetLabels: Readonly<Record<string, string>> = {
  id: 'Name',
  name: 'Name',
  core: 'Core',
  clockMhz: 'Clock (MHz)',
  sramBytes: 'SRAM (bytes)',
  flashBytes: 'Flash (bytes)',
  'reserve.sramBytes': 'Reserved SRAM (bytes)',
  'reserve.flashBytes': 'Reserved flash (bytes)',
};

/** An id from the name ("My board" → "my-board"), made unique among presets and `taken`. */
function idFromName(name: string, taken: readonly string[]): string {
  const base = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|-+$/g, '').slice(0, 56) || 'custom';
  const used = new Set([...presetTargetIds, ...taken]);
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** The spec of a new custom target, or the problems of the entry, each naming the form's field. */
export function customTargetSpec(entry: CustomTargetEntry, existing: readonly CustomTargetSpec[]): { spec: CustomTargetSpec } | { problems: Problem[] } {
  const numbers: [string, number | undefined][] = [
    ['sramBytes', entry.sramBytes],
    ['flashBytes', entry.flashBytes],
    ['clockMhz', entry.clockMhz],
    ['reserve.sramBytes', entry.reserveSramBytes],
    ['reserve.flashBytes', entry.reserveFlashBytes],
  ];
  // An empty number field reaches here as NaN, which parseCustomTarget would quote as null.
  const empty = numbers.filter(([, value]) => value !== undefined && !Number.isFinite(value));
  const name = entry.name.trim();
  const problems: Problem[] = empty.map(([field]) => ({ field: customTargetLabels[field]!, message: 'is empty or not a number' }));
  if (name === '') problems.unshift({ field: 'Name', message: 'is empty; give the target a name' });
  if (problems.length > 0) return { problems };
  const spec: CustomTargetSpec = {
    id: idFromName(name, existing.map(customTargetId)),
    name,
    core: entry.core ?? customTargetDefaults.core,
    clockMhz: entry.clockMhz ?? customTargetDefaults.clockMhz,
    sramBytes: entry.sramBytes,
    flashBytes: entry.flashBytes,
    reserve: { sramBytes: entry.reserveSramBytes ?? 0, flashBytes: entry.reserveFlashBytes ?? 0 },
  };
  try {
    parseCustomTarget(spec);
  } catch (error) {
    if (!(error instanceof TargetError)) throw error;
    const field = customTargetLabels[error.path];
    return { problems: [field !== undefined ? { field, message: error.reason } : { field: 'Custom target', message: error.message }] };
  }
  return { spec };
}
