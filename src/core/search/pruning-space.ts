/**
 * The pruning part of the search space: which pruning methods a study may try, and the range of
 * their strength. SpArSe searches the pruning like any other hyperparameter (DESIGN.md §5).
 */
import { type PruningMethod, pruningMethods } from '../pruning.ts';
import { describeJson as describe, isRecord } from '../untrusted.ts';

export interface PruningSpace {
  /** Methods a candidate may use; `none` leaves the network dense. */
  readonly methods: readonly PruningMethod[];
  /**
   * Range of the sparsity of methods other than none: the fraction of weights (magnitude, svd) or of
   * channels (channels) removed. Below 1, since at least one weight and one channel always stay.
   */
  readonly sparsity: { readonly min: number; readonly max: number };
}

/**
 * Every method, from 30 % to 90 % sparsity. SpArSe's pruned networks on MNIST-like data reach
 * 80–95 % weight sparsity with little loss; below 30 % the savings hardly matter on an MCU.
 */
export const defaultPruningSpace: PruningSpace = { methods: pruningMethods, sparsity: { min: 0.3, max: 0.9 } };

/** An unusable pruning space: `field` is the JSON path (`pruning.sparsity.max`), `reason` says why. */
export class PruningSpaceError extends Error {
  override readonly name = 'PruningSpaceError';
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}



function rejectUnknownFields(record: Record<string, unknown>, field: string, known: readonly string[]): void {
  const unknown = Object.keys(record).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new PruningSpaceError(`${field}.${unknown}`, `is not a field of the pruning space; expected one of ${known.join(', ')}`);
}

function sparsityField(record: Record<string, unknown>, key: 'min' | 'max'): number {
  const value = record[key];
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new PruningSpaceError(`pruning.sparsity.${key}`, `must be a number from 0 up to (not including) 1, got ${describe(value)}`);
  }
  return value;
}

/** Validates untrusted input (parsed JSON) as a pruning space; throws a PruningSpaceError naming the field. */
export function parsePruningSpace(value: unknown): PruningSpace {
  if (!isRecord(value)) throw new PruningSpaceError('pruning', `must be a JSON object with methods and sparsity, got ${describe(value)}`);
  rejectUnknownFields(value, 'pruning', ['methods', 'sparsity']);
  const methods = value.methods;
  const expected = pruningMethods.map((m) => `"${m}"`).join(', ');
  if (!Array.isArray(methods) || methods.length === 0) {
    throw new PruningSpaceError('pruning.methods', `must be a non-empty list of ${expected}, got ${describe(methods)}`);
  }
  const unknown = methods.find((m) => typeof m !== 'string' || !(pruningMethods as readonly string[]).includes(m));
  if (unknown !== undefined) throw new PruningSpaceError('pruning.methods', `unknown pruning method ${describe(unknown)}; expected one of ${expected}`);
  const repeated = methods.find((m, i) => methods.indexOf(m) !== i);
  if (repeated !== undefined) throw new PruningSpaceError('pruning.methods', `lists ${describe(repeated)} more than once; each method must appear once`);
  const sparsity = value.sparsity;
  if (!isRecord(sparsity)) throw new PruningSpaceError('pruning.sparsity', `must be an object { "min": …, "max": … }, got ${describe(sparsity)}`);
  rejectUnknownFields(sparsity, 'pruning.sparsity', ['min', 'max']);
  const min = sparsityField(sparsity, 'min');
  const max = sparsityField(sparsity, 'max');
  if (min > max) throw new PruningSpaceError('pruning.sparsity', `min (${min}) must not be greater than max (${max})`);
  return { methods: methods.slice() as PruningMethod[], sparsity: { min, max } };
}

/**
 * A sparsity rounded to hundredths, so that study files stay readable and repeats are recognised,
 * then kept inside the space's range.
 */
export function clampSparsity(sparsity: number, space: PruningSpace): number {
  const rounded = Math.round(sparsity * 100) / 100;
  return Math.min(space.sparsity.max, Math.max(space.sparsity.min, rounded));
}
