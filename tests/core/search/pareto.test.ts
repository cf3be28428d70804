import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/core/rng.ts';
import { type Point, dominates, paretoFront } from '../../../src/core/search/pareto.ts';

const randomPoints = (seed: number, count: number, dimensions = 3, levels = 0): Point[] => {
  const rng = createRng(seed);
  // With `levels`, values sit on a coarse grid so that ties and repeats happen.
  return Array.from({ length: count }, () => Array.from({ length: dimensions }, () => (levels > 0 ? rng.int(0, levels) / levels : rng.next())));
};

describe('dominates', () => {
  it('needs no worse everywhere and better somewhere', () => {
    expect(dominates([1, 2, 3], [1, 2, 4])).toBe(true);
    expect(dominates([0, 0, 0], [1, 1, 1])).toBe(true);
    expect(dominates([1, 2, 3], [1, 2, 3])).toBe(false);
    expect(dominates([1, 2, 5], [2, 3, 4])).toBe(false);
    expect(dominates([2, 3, 4], [1, 2, 5])).toBe(false);
  });

  it('is irreflexive, asymmetric and transitive', () => {
    const points = randomPoints(1, 40, 3, 3);
    for (const a of points) {
      expect(dominates(a, a)).toBe(false);
      for (const b of points) {
        if (dominates(a, b)) expect(dominates(b, a)).toBe(false);
        for (const c of points) if (dominates(a, b) && dominates(b, c)) expect(dominates(a, c)).toBe(true);
      }
    }
  });

  it('refuses points of different lengths', () => {
    expect(() => dominates([1, 2], [1, 2, 3])).toThrow(/2 and 3 objectives/);
  });
});

describe('paretoFront', () => {
  it('returns the indices of the non-dominated points, in order', () => {
    const points: Point[] = [
      [0.5, 0.5, 0.5],
      [0.1, 0.9, 0.9],
      [0.6, 0.6, 0.6], // dominated by 0
      [0.9, 0.1, 0.9],
      [0.5, 0.5, 0.5], // a repeat of 0: neither dominates the other
      [0.9, 0.9, 0.1],
      [1, 1, 1], // dominated by everything
    ];
    expect(paretoFront(points)).toEqual([0, 1, 3, 4, 5]);
    expect(paretoFront([])).toEqual([]);
    expect(paretoFront([[3, 2, 1]])).toEqual([0]);
  });

  it('keeps exactly the points no other point dominates, on random sets with ties', () => {
    for (let seed = 0; seed < 20; seed++) {
      const points = randomPoints(seed, 30, 3, 4);
      const front = paretoFront(points);
      points.forEach((p, i) => {
        const dominated = points.some((q) => dominates(q, p));
        expect(front.includes(i)).toBe(!dominated);
      });
      // Members of the front are mutually non-dominated.
      for (const i of front) for (const j of front) expect(dominates(points[i]!, points[j]!)).toBe(false);
    }
  });
});
