/**
 * Random variates the search needs beyond what Rng gives: standard normal draws.
 */
import type { Rng } from '../rng.ts';

/**
 * A standard normal draw by the Box–Muller transform (Box & Muller, Ann. Math. Statist. 1958).
 * 1 − next() lies in (0, 1], so the logarithm is finite.
 */
export function standardNormal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}
