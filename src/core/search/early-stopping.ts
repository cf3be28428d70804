/**
 * Multi-fidelity search (issue 10): a trial is judged after each epoch of its training and stopped
 * when it is unlikely to reach the Pareto front, so that hopeless candidates do not get the whole
 * budget. The rule is the median stopping rule (Golovin et al., "Google Vizier", KDD 2017; Optuna's
 * MedianPruner), made multi-objective: a trial is compared only with the earlier completed trials
 * that are at most as large in both memory objectives, the ones that could dominate it. When at least
 * `minPeers` of them reached this epoch and it is below the median of their validation accuracies at
 * that epoch, it is stopped. A trial smaller than all earlier ones is never stopped: nothing it is
 * compared with could keep it off the front.
 */
import { median } from '../median.ts';

/** An earlier completed trial, as the rule sees it. */
export interface EpochCurve {
  /** Validation accuracy after each epoch of its training (before any pruning), from epoch 1. */
  readonly valAccuracyByEpoch: readonly number[];
  /** Its flash-side and SRAM-side bytes under the study's accounting. */
  readonly bytes: readonly [number, number];
}

export interface EpochStopRule {
  /** Earlier comparable trials needed before the rule stops anything (Optuna's n_startup_trials is 5; short studies need fewer). */
  readonly minPeers: number;
}

export const defaultEpochStopRule: EpochStopRule = { minPeers: 3 };

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/**
 * Why the trial should stop after `epoch` (from 1), in words, or undefined to go on. `bytes` are the
 * trial's own (predicted) flash-side and SRAM-side bytes.
 */
export function judgeEpoch(
  epoch: number,
  valAccuracy: number,
  bytes: readonly [number, number],
  earlier: readonly EpochCurve[],
  rule: EpochStopRule = defaultEpochStopRule,
): string | undefined {
  const peers = earlier.filter((t) => t.valAccuracyByEpoch.length >= epoch && t.bytes[0] <= bytes[0] && t.bytes[1] <= bytes[1]);
  if (peers.length < rule.minPeers) return undefined;
  const typical = median(peers.map((t) => t.valAccuracyByEpoch[epoch - 1]!));
  if (!(valAccuracy < typical)) return undefined;
  return (
    `epoch ${epoch}: validation accuracy ${percent(valAccuracy)} is below the median (${percent(typical)}) of the ` +
    `${peers.length} earlier trials at most as large, at that epoch`
  );
}
