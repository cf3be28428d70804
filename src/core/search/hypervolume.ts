/**
 * The exact hypervolume of a set of points against a reference point, for minimised objectives: the
 * volume of the union of the boxes [p, reference] over the points. Points that are not strictly
 * better than the reference in every objective contribute nothing.
 *
 * 3-D: sweep along the third objective (the HSO "slicing" idea of While, Hingston, Barone & Huband,
 * IEEE TEC 2006, in the simple form of Fonseca, Paquete & López-Ibáñez, CEC 2006): points are taken in
 * increasing third objective, each slab between two consecutive values adds its height times the 2-D
 * area dominated by the points seen so far, kept as a staircase. O(n²), exact in floating point up to
 * rounding. Studies have hundreds of trials, so this is ample.
 */
import type { Point } from './pareto.ts';

function checkPoint(point: Point, dimensions: number, what: string): void {
  if (point.length !== dimensions) throw new Error(`hypervolume: ${what} has ${point.length} objectives, expected ${dimensions}`);
  for (const value of point) if (Number.isNaN(value)) throw new Error(`hypervolume: ${what} has a value that is not a number`);
}

/** Points strictly better than the reference in every objective; the rest dominate no volume. */
function inside(points: readonly Point[], reference: Point): Point[] {
  points.forEach((point, index) => checkPoint(point, reference.length, `point ${index}`));
  return points.filter((point) => point.every((value, i) => value < reference[i]!));
}

/**
 * The 2-D region dominated so far, as a staircase: x ascending, y strictly descending, no point
 * dominated by another.
 */
class Staircase {
  private readonly xs: number[] = [];
  private readonly ys: number[] = [];

  /** Adds a point, dropping the steps it dominates; a dominated point changes nothing. */
  add(x: number, y: number): void {
    const { xs, ys } = this;
    // First step with xs[i] > x; the step before it (if any) has the smallest y among steps with xs ≤ x.
    let at = 0;
    while (at < xs.length && xs[at]! <= x) at++;
    if (at > 0 && ys[at - 1]! <= y) return;
    // Steps from `start` on with y ≥ the new y are dominated: x ≥ the new x and y ≥ the new y.
    const start = at > 0 && xs[at - 1] === x ? at - 1 : at;
    let end = start;
    while (end < xs.length && ys[end]! >= y) end++;
    xs.splice(start, end - start, x);
    ys.splice(start, end - start, y);
  }

  /** Area dominated by the steps and bounded by the reference (rx, ry). */
  area(rx: number, ry: number): number {
    const { xs, ys } = this;
    let total = 0;
    for (let i = 0; i < xs.length; i++) total += ((i + 1 < xs.length ? xs[i + 1]! : rx) - xs[i]!) * (ry - ys[i]!);
    return total;
  }
}

/** Exact area dominated by 2-D points, bounded by `reference`. */
export function hypervolume2d(points: readonly Point[], reference: readonly [number, number]): number {
  const staircase = new Staircase();
  for (const [x, y] of inside(points, reference)) staircase.add(x!, y!);
  return staircase.area(reference[0], reference[1]);
}

/** Exact volume dominated by 3-D points, bounded by `reference` (by default (1, 1, 1), for normalised objectives). */
export function hypervolume(points: readonly Point[], reference: readonly [number, number, number] = [1, 1, 1]): number {
  const sorted = inside(points, reference).sort((a, b) => a[2]! - b[2]!);
  const staircase = new Staircase();
  let volume = 0;
  for (let i = 0; i < sorted.length; i++) {
    const point = sorted[i]!;
    staircase.add(point[0]!, point[1]!);
    const top = i + 1 < sorted.length ? sorted[i + 1]![2]! : reference[2];
    if (top > point[2]!) volume += (top - point[2]!) * staircase.area(reference[0], reference[1]);
  }
  return volume;
}
