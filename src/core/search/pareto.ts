/**
 * Pareto dominance and the non-dominated front, for objectives that are all minimised.
 */

/** A point of objective values, all minimised. */
export type Point = readonly number[];

/** `a` dominates `b`: no worse in every objective and strictly better in at least one. */
export function dominates(a: Point, b: Point): boolean {
  if (a.length !== b.length) throw new Error(`dominates: points of ${a.length} and ${b.length} objectives cannot be compared`);
  let better = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i]! > b[i]!) return false;
    if (a[i]! < b[i]!) better = true;
  }
  return better;
}

/**
 * Indices (ascending) of the points that no other point dominates. Equal points do not dominate each
 * other, so repeats of a front point are all on the front. O(n²), ample for a study's trials.
 */
export function paretoFront(points: readonly Point[]): number[] {
  const front: number[] = [];
  for (let i = 0; i < points.length; i++) {
    let dominated = false;
    for (let j = 0; j < points.length && !dominated; j++) dominated = j !== i && dominates(points[j]!, points[i]!);
    if (!dominated) front.push(i);
  }
  return front;
}
