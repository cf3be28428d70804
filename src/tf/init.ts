/**
 * Seeded weight initialisers, drawn in JavaScript from our own Rng (src/core/rng.ts) rather than by
 * tfjs, so that a seed gives the same starting weights on every backend and in every browser.
 */
import type { Rng } from '../core/rng.ts';

/** A standard normal draw (Box–Muller; 1 − u keeps the logarithm away from 0). */
function standardNormal(rng: Rng): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * He normal (He et al. 2015, "Delving deep into rectifiers"), for weights followed by ReLU: a normal
 * of standard deviation √(2 / fanIn) truncated at two standard deviations, as Keras' `he_normal`
 * does; 0.87962566 is the standard deviation of a unit normal truncated to [−2, 2], divided out so
 * the truncated draws keep the intended variance.
 */
export function heNormal(size: number, fanIn: number, rng: Rng): Float32Array {
  const std = Math.sqrt(2 / fanIn) / 0.87962566;
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    let z = standardNormal(rng);
    while (Math.abs(z) > 2) z = standardNormal(rng);
    values[i] = z * std;
  }
  return values;
}

/**
 * Glorot uniform (Glorot & Bengio 2010), for the classifier, which has no ReLU after it: uniform on
 * ±√(6 / (fanIn + fanOut)), Keras' default for dense layers.
 */
export function glorotUniform(size: number, fanIn: number, fanOut: number, rng: Rng): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = (2 * rng.next() - 1) * limit;
  return values;
}
