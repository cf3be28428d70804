import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { hypervolume, hypervolume2d } from '../../../src/core/search/hypervolume.ts';
import { type Point, paretoFront } from '../../../src/core/search/pareto.ts';

/** Volume of the union of the boxes [p, reference] by inclusion–exclusion over every subset. */
function inclusionExclusion(points: readonly Point[], reference: readonly number[]): number {
  let total = 0;
  for (let mask = 1; mask < 1 << points.length; mask++) {
    let size = 0;
    const corner = reference.map(() => -Infinity);
    points.forEach((p, i) => {
      if (mask & (1 << i)) {
        size++;
        p.forEach((v, d) => (corner[d] = Math.max(corner[d]!, v)));
      }
    });
    const volume = corner.reduce((v, c, d) => v * Math.max(0, reference[d]! - c), 1);
    total += size % 2 === 1 ? volume : -volume;
  }
  return total;
}

/** Counts the cells of a `levels`³ grid over [0, 1]³ that some point dominates (points on the grid). */
function gridCount(points: readonly Point[], levels: number): number {
  let cells = 0;
  for (let i = 0; i < levels; i++) {
    for (let j = 0; j < levels; j++) {
      for (let k = 0; k < levels; k++) {
        const corner = [i / levels, j / levels, k / levels];
        if (points.some((p) => p.every((v, d) => v <= corner[d]! + 1e-12))) cells++;
      }
    }
  }
  return cells / levels ** 3;
}

const randomPoints = (seed: number, count: number, levels = 0): Point[] => {
  const rng = createRng(`hv ${seed}`);
  return Array.from({ length: count }, () => [0, 1, 2].map(() => (levels > 0 ? rng.int(0, levels) / levels : rng.next())));
};

describe('hypervolume2d', () => {
  it('matches hand-computed areas', () => {
    expect(hypervolume2d([], [1, 1])).toBe(0);
    expect(hypervolume2d([[0.5, 0.5]], [1, 1])).toBeCloseTo(0.25, 15);
    // A staircase: 0.9·0.2 + 0.4·0.3 + … computed as the union of [0.1,1]×[0.8,1], [0.4,1]×[0.4,1], [0.7,1]×[0.1,1].
    expect(hypervolume2d([[0.1, 0.8], [0.4, 0.4], [0.7, 0.1]], [1, 1])).toBeCloseTo(0.3 * 0.2 + 0.3 * 0.6 + 0.3 * 0.9, 15);
    // Dominated points and repeats add nothing; points past the reference add nothing.
    expect(hypervolume2d([[0.4, 0.4], [0.5, 0.6], [0.4, 0.4], [1.2, 0], [0, 1]], [1, 1])).toBeCloseTo(0.36, 15);
  });
});

describe('hypervolume (3-D)', () => {
  it('matches hand-computed volumes', () => {
    expect(hypervolume([])).toBe(0);
    expect(hypervolume([[0, 0, 0]])).toBe(1);
    expect(hypervolume([[0.5, 0.5, 0.5]])).toBeCloseTo(0.125, 15);
    // Two boxes of 0.5 and 0.5 overlapping in 0.25: 0.75.
    expect(hypervolume([[0, 0, 0.5], [0, 0.5, 0]])).toBeCloseTo(0.75, 15);
    // Three unit-side slabs meeting in the corner cube: 3·(0.5) − 3·(0.25) + 0.125 = 0.875.
    expect(hypervolume([[0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5]])).toBeCloseTo(0.875, 15);
    // Another reference point: the box from (1, 2, 3) to (2, 4, 6) is 1·2·3.
    expect(hypervolume([[1, 2, 3]], [2, 4, 6])).toBeCloseTo(6, 15);
  });

  it('ignores points that are not strictly better than the reference in every objective', () => {
    expect(hypervolume([[1, 0, 0], [0, 1.5, 0], [0, 0, Infinity]])).toBe(0);
    expect(hypervolume([[0.5, 0.5, 0.5], [2, 0, 0], [0, 0, 1]])).toBeCloseTo(0.125, 15);
  });

  it('rejects NaN and points of the wrong length', () => {
    expect(() => hypervolume([[0.1, Number.NaN, 0.1]])).toThrow(/not a number/);
    expect(() => hypervolume([[0.1, 0.1]])).toThrow(/2 objectives, expected 3/);
  });

  it('equals inclusion–exclusion on small random sets', () => {
    for (let seed = 0; seed < 40; seed++) {
      const points = randomPoints(seed, 1 + (seed % 9));
      expect(hypervolume(points)).toBeCloseTo(inclusionExclusion(points, [1, 1, 1]), 12);
    }
  });

  it('equals a grid count on sets with ties and repeats', () => {
    for (let seed = 0; seed < 15; seed++) {
      const points = randomPoints(100 + seed, 25, 6);
      expect(hypervolume(points)).toBeCloseTo(gridCount(points, 6), 12);
    }
  });

  it('depends only on the front, not on order or dominated points', () => {
    const points = randomPoints(7, 60);
    const volume = hypervolume(points);
    expect(hypervolume(paretoFront(points).map((i) => points[i]!))).toBeCloseTo(volume, 12);
    expect(hypervolume([...points].reverse())).toBeCloseTo(volume, 12);
    // Adding a point never lowers it; adding one that dominates a front point raises it.
    expect(hypervolume([...points, [0.99, 0.99, 0.99]])).toBeGreaterThanOrEqual(volume - 1e-15);
    const front = points[paretoFront(points)[0]!]!;
    expect(hypervolume([...points, front.map((v) => v * 0.9)])).toBeGreaterThan(volume);
  });

  it('is quick on a few hundred points', () => {
    const points = randomPoints(3, 400).map((p) => [p[0]!, p[1]!, 1 - p[0]! - p[1]! > 0 ? 1 - p[0]! - p[1]! : p[2]!]);
    const start = performance.now();
    hypervolume(points);
    expect(performance.now() - start).toBeLessThan(500);
  });
});
