/**
 * Gradual magnitude pruning (Zhu & Gupta 2017) as trainer hooks: every Δt steps between the start
 * and the end of the schedule, the network is masked down to the schedule's sparsity by weight
 * magnitude (one threshold over all ops, see globalMagnitudeMasks); the trainer re-applies the masks
 * after every step, so pruned weights stay at zero through the rest of fine-tuning.
 */
import { type GradualSchedule, globalMagnitudeMasks, gradualSparsity } from '../../core/pruning.ts';
import type { Network } from '../network.ts';
import type { StepContext } from '../train-options.ts';

export interface MagnitudePruningOptions {
  /** Fraction of the network's weights at zero when the schedule ends. */
  readonly sparsity: number;
  /** Steps of the fine-tuning run the schedule spans. */
  readonly totalSteps: number;
  /**
   * Fraction of the run after which the final sparsity holds. Zhu & Gupta let the network recover
   * for the rest of the run at the final sparsity; 0.6 leaves 40 % of the steps for that.
   */
  readonly endFraction?: number;
  /** Mask updates over the schedule (Zhu & Gupta's Δt = (end − begin) / updates); default 10. */
  readonly updates?: number;
}

/** Masks `network` to `sparsity` by magnitude (one download of all kernels). */
export async function applyMagnitudeMasks(network: Network, sparsity: number): Promise<void> {
  const weights = await network.getWeights();
  // Magnitudes of the kernels as evaluated, so that already-pruned weights count as zero.
  const kernels = weights.map((w) => (w.mask ? w.kernel.map((v, i) => v * w.mask![i]!) : w.kernel));
  globalMagnitudeMasks(kernels, sparsity).forEach((mask, index) => network.setMask(index, Float32Array.from(mask)));
  network.applyMasks();
}

/**
 * The schedule and an `afterStep` hook for the trainer. `fromEpoch` is the first epoch whose weights
 * are fully pruned, for early stopping: earlier, less sparse weights must not be restored as "best".
 */
export function magnitudePruning(network: Network, options: MagnitudePruningOptions, stepsPerEpoch: number) {
  const { sparsity, totalSteps } = options;
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`magnitude pruning: sparsity must be at least 0 and below 1, got ${sparsity}`);
  const endStep = Math.max(0, Math.min(totalSteps - 1, Math.round(totalSteps * (options.endFraction ?? 0.6)) - 1));
  const updates = Math.max(1, options.updates ?? 10);
  const schedule: GradualSchedule = { initialSparsity: 0, finalSparsity: sparsity, beginStep: 0, endStep };
  const every = Math.max(1, Math.floor(endStep / updates));
  const afterStep = async (context: StepContext): Promise<void> => {
    const { step } = context;
    if (step > endStep || (step % every !== 0 && step !== endStep)) return;
    await applyMagnitudeMasks(network, gradualSparsity(step, schedule));
  };
  return { schedule, afterStep, fromEpoch: Math.floor(endStep / stepsPerEpoch) + 2 };
}
