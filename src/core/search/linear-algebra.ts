/**
 * The little dense linear algebra a Gaussian process needs, on row-major Float64Arrays: Cholesky
 * factorisation with jitter, and triangular solves. Plain loops; the matrices have a few hundred rows.
 */

/**
 * The lower Cholesky factor L of the symmetric n×n matrix `a` (L·Lᵀ = a), or undefined when `a` is not
 * numerically positive definite. Only the lower triangle of `a` is read; `a` is left as it is.
 */
export function cholesky(a: Float64Array, n: number): Float64Array | undefined {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let diagonal = a[rowJ + j]!;
    for (let k = 0; k < j; k++) diagonal -= l[rowJ + k]! * l[rowJ + k]!;
    if (!(diagonal > 0)) return undefined;
    const ljj = Math.sqrt(diagonal);
    l[rowJ + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) sum -= l[rowI + k]! * l[rowJ + k]!;
      l[rowI + j] = sum / ljj;
    }
  }
  return l;
}

/**
 * Cholesky of `a` + jitter·I, with the jitter raised tenfold from 0 (then 1e-10 of the mean diagonal)
 * until the factorisation succeeds, the usual remedy for kernel matrices that rounding has made
 * slightly indefinite (Rasmussen & Williams, Gaussian Processes for Machine Learning, 2006, A.4).
 * Undefined when even a jitter of the whole mean diagonal fails.
 */
export function choleskyWithJitter(a: Float64Array, n: number): { factor: Float64Array; jitter: number } | undefined {
  let scale = 0;
  for (let i = 0; i < n; i++) scale += a[i * n + i]!;
  scale = n > 0 && scale > 0 ? scale / n : 1;
  const plain = cholesky(a, n);
  if (plain) return { factor: plain, jitter: 0 };
  const shifted = new Float64Array(a);
  for (let jitter = 1e-10 * scale; jitter <= scale; jitter *= 10) {
    for (let i = 0; i < n; i++) shifted[i * n + i] = a[i * n + i]! + jitter;
    const factor = cholesky(shifted, n);
    if (factor) return { factor, jitter };
  }
  return undefined;
}

/** Solves L·x = b for x (L lower triangular, n×n); b is left as it is. */
export function solveLower(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    const row = i * n;
    for (let k = 0; k < i; k++) sum -= l[row + k]! * x[k]!;
    x[i] = sum / l[row + i]!;
  }
  return x;
}

/** Solves Lᵀ·x = b for x (L lower triangular, n×n); b is left as it is. */
export function solveUpperTransposed(l: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = b[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}
