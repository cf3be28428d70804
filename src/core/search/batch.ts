/**
 * Batches of proposals for parallel trials (issue 15; DESIGN.md §6): P workers each train one
 * candidate, so a strategy proposes P candidates at once, or one while P − 1 others are still
 * running ("pending"). Every strategy proposes a batch sequentially from one random stream: the
 * first candidate exactly as its single `propose` would, each later one seeing the pending
 * candidates and those already chosen for the batch, which it does not propose again.
 *
 * - random: independent feasible draws, redrawn when a draw repeats a pending or chosen candidate.
 * - mobo: the pending and chosen candidates enter the surrogates as fantasies with a constant lie
 *   (mobo.ts, `moboLie`), as in Ginsbourger, Le Riche & Carraro, "Kriging is well-suited to
 *   parallelize optimization" (Computational Intelligence in Expensive Optimization Problems,
 * Springer 2010), so that the batch spreads instead of proposing one point P times.
 * - evolution: one tournament per candidate; children already pending or chosen count as tried.
 * - Before a strategy's random start is over, its batch is random draws, as its proposals are.
 */
import type { Rng } from '../rng.ts';
import { type Candidate, candidateKey } from './candidate.ts';

/** Throws, in words, unless `size` is a positive integer. */
export function assertBatchSize(size: number): void {
  if (!Number.isInteger(size) || size < 1) {
    throw new Error(`a batch of proposals needs a size that is a positive integer (the number of trials to run at once), got ${String(size)}`);
  }
}

/**
 * `size` proposals, each from `proposeOne(avoid, rng)`, where `avoid` holds the pending candidates
 * and the ones this batch has chosen so far, in that order, and `avoidKeys` their candidateKeys.
 * All of them draw from the same `rng` stream, one after the other.
 */
export function proposeSequentially(
  pending: readonly Candidate[],
  size: number,
  rng: Rng,
  proposeOne: (avoid: readonly Candidate[], avoidKeys: ReadonlySet<string>, rng: Rng) => Candidate,
): Candidate[] {
  assertBatchSize(size);
  const avoid = [...pending];
  const avoidKeys = new Set(pending.map(candidateKey));
  const batch: Candidate[] = [];
  for (let i = 0; i < size; i++) {
    const candidate = proposeOne(avoid, avoidKeys, rng);
    batch.push(candidate);
    avoid.push(candidate);
    avoidKeys.add(candidateKey(candidate));
  }
  return batch;
}
