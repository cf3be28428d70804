/**
 * The pruning part of the search space: which pruning methods a study may try, and the range of
 * their strength. SpArSe searches the pruning like any other hyperparameter (DESIGN.md §5).
 */
import { type PruningMethod, pruningMethods } from '../pruning.ts';
import { FieldError, type Wording, describeJson as describe, expectAt, firstRepeat, isNumberIn, knownFieldsAt, rangeAt, recordAt, refuse } from '../untrusted.ts';

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

/** An unusable pruning space: its `path` is the JSON path (`pruning.sparsity.max`), `reason` says why. */
export class PruningSpaceError extends FieldError {
  override readonly name = 'PruningSpaceError';

  /** The path under its older name. */
  get field(): string {
    return this.path;
  }
}

/** Values are shown as JSON, an absent one "got nothing". */
const wording: Wording = { describe, namesMissing: false, oneOf: true, error: PruningSpaceError };

const sparsityAt = (value: unknown, path: string): number =>
  expectAt(value, path, (v): v is number => isNumberIn(v, 0, 1) && v < 1, 'a number from 0 up to (not including) 1', wording);

/** Validates untrusted input (parsed JSON) as a pruning space; throws a PruningSpaceError naming the field. */
export function parsePruningSpace(value: unknown): PruningSpace {
  const record = recordAt(value, 'pruning', 'a JSON object with methods and sparsity', wording);
  knownFieldsAt(record, 'pruning', ['methods', 'sparsity'], 'the pruning space', wording);
  const methods = record.methods;
  const expected = pruningMethods.map((m) => `"${m}"`).join(', ');
  if (!Array.isArray(methods) || methods.length === 0) refuse(methods, 'pruning.methods', `a non-empty list of ${expected}`, wording);
  const unknown = methods.find((m) => typeof m !== 'string' || !(pruningMethods as readonly string[]).includes(m));
  if (unknown !== undefined) throw new PruningSpaceError('pruning.methods', `unknown pruning method ${describe(unknown)}; expected one of ${expected}`);
  const repeated = firstRepeat(methods);
  if (repeated >= 0) throw new PruningSpaceError('pruning.methods', `lists ${describe(methods[repeated])} more than once; each method must appear once`);
  const sparsity = recordAt(record.sparsity, 'pruning.sparsity', 'an object { "min": …, "max": … }', wording);
  knownFieldsAt(sparsity, 'pruning.sparsity', ['min', 'max'], 'the pruning space', wording);
  return { methods: methods.slice() as PruningMethod[], sparsity: rangeAt(sparsity, 'pruning.sparsity', sparsityAt, wording) };
}

/**
 * A sparsity rounded to hundredths, so that study files stay readable and repeats are recognised,
 * then kept inside the space's range.
 */
export function clampSparsity(sparsity: number, space: PruningSpace): number {
  const rounded = Math.round(sparsity * 100) / 100;
  return Math.min(space.sparsity.max, Math.max(space.sparsity.min, rounded));
}
