import { describe, it, expect } from 'vitest';
import { createRng, restoreRng, type Rng } from '../../src/core/rng.ts';

const draw = (rng: Rng, count: number): number[] => Array.from({ length: count }, () => rng.next());

describe('createRng', () => {
  it('gives the same sequence for the same seed', () => {
    expect(draw(createRng(42), 1000)).toEqual(draw(createRng(42), 1000));
    expect(draw(createRng('study-7'), 1000)).toEqual(draw(createRng('study-7'), 1000));
  });

  it('pins the first outputs, so that stored seeds keep reproducing the same studies', () => {
    // sfc32 seeded through FNV-1a and splitmix32; changing any of them changes these numbers.
    const rng = createRng(42);
    expect(draw(rng, 3).map((x) => x * 2 ** 32)).toEqual([1638748083, 721226348, 1272765990]);
  });

  it('treats the number 42 and the string "42" as one seed', () => {
    expect(draw(createRng(42), 50)).toEqual(draw(createRng('42'), 50));
  });

  it('gives different sequences for different seeds, even neighbouring ones', () => {
    const seeds = [0, 1, 2, 3, 'a', 'b', 'ab', 'ba', ''];
    const firsts = seeds.map((seed) => draw(createRng(seed), 4).join(','));
    expect(new Set(firsts).size).toBe(seeds.length);
  });

  it('rejects a seed that is not a finite number', () => {
    expect(() => createRng(Number.NaN)).toThrow(/finite number/);
    expect(() => createRng(Number.POSITIVE_INFINITY)).toThrow(/finite number/);
  });

  it('draws floats in [0, 1)', () => {
    const rng = createRng(1);
    for (const x of draw(rng, 10_000)) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

describe('state and restoreRng', () => {
  it('resumes exactly where the stream was', () => {
    const rng = createRng('resume');
    draw(rng, 123);
    rng.int(0, 9);
    const state = JSON.parse(JSON.stringify(rng.state())) as ReturnType<Rng['state']>;
    const resumed = restoreRng(state);
    expect(draw(resumed, 500)).toEqual(draw(rng, 500));
  });

  it('does not advance the stream when the state is read', () => {
    const a = createRng(5);
    const b = createRng(5);
    a.state();
    expect(a.next()).toBe(b.next());
  });

  it('keeps the seed, so that forks of a restored stream match forks of the original', () => {
    const rng = createRng(9);
    draw(rng, 10);
    expect(draw(restoreRng(rng.state()).fork('x'), 20)).toEqual(draw(rng.fork('x'), 20));
  });

  it('rejects a malformed state', () => {
    const good = createRng(3).state();
    expect(() => restoreRng({ ...good, a: -1 })).toThrow(/restoreRng/);
    expect(() => restoreRng({ ...good, d: 2 ** 32 })).toThrow(/restoreRng/);
    expect(() => restoreRng({ ...good, b: 1.5 })).toThrow(/restoreRng/);
    expect(() => restoreRng(JSON.parse('{"a":1,"b":2,"c":3,"d":4}') as ReturnType<Rng['state']>)).toThrow(/seed/);
  });
});

describe('fork', () => {
  it('does not advance the parent', () => {
    const parent = createRng(11);
    const twin = createRng(11);
    parent.fork('sampler');
    expect(draw(parent, 100)).toEqual(draw(twin, 100));
  });

  it('depends on the seed and the label only, not on how far the parent has run', () => {
    const early = createRng(11).fork('sampler');
    const parent = createRng(11);
    draw(parent, 1000);
    expect(draw(parent.fork('sampler'), 100)).toEqual(draw(early, 100));
  });

  it('gives streams that differ from the parent, from each other and from other seeds', () => {
    const streams = [
      draw(createRng(11), 50),
      draw(createRng(11).fork('a'), 50),
      draw(createRng(11).fork('b'), 50),
      draw(createRng(12).fork('a'), 50),
      draw(createRng(11).fork('a').fork('b'), 50),
      draw(createRng(11).fork('a/b'), 50),
    ].map((values) => values.join(','));
    expect(new Set(streams).size).toBe(streams.length);
  });

  it('gives streams that do not move together with the parent', () => {
    const parent = createRng(21);
    const child = parent.fork('child');
    const xs = draw(parent, 5000);
    const ys = draw(child, 5000);
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    const [mx, my] = [mean(xs), mean(ys)];
    let cov = 0;
    let vx = 0;
    let vy = 0;
    xs.forEach((x, i) => {
      cov += (x - mx) * (ys[i]! - my);
      vx += (x - mx) ** 2;
      vy += (ys[i]! - my) ** 2;
    });
    // For independent streams the correlation is about N(0, 1/√5000 ≈ 0.014); 0.06 is > 4 standard deviations.
    expect(Math.abs(cov / Math.sqrt(vx * vy))).toBeLessThan(0.06);
  });
});

describe('int', () => {
  it('stays within the bounds and reaches both of them', () => {
    const rng = createRng('int');
    const seen = new Set<number>();
    for (let i = 0; i < 5000; i++) {
      const value = rng.int(-3, 4);
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(-3);
      expect(value).toBeLessThanOrEqual(4);
      seen.add(value);
    }
    expect([...seen].sort((a, b) => a - b)).toEqual([-3, -2, -1, 0, 1, 2, 3, 4]);
  });

  it('returns the only value of a one-value range', () => {
    const rng = createRng(0);
    expect(rng.int(7, 7)).toBe(7);
  });

  it('is roughly uniform (chi-square over 10 buckets)', () => {
    const rng = createRng('uniform');
    const draws = 100_000;
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < draws; i++) counts[rng.int(0, 9)]!++;
    const expected = draws / 10;
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 9 degrees of freedom: P(χ² > 27.9) ≈ 0.001, so a fair generator fails this about once in a thousand seeds.
    expect(chiSquare).toBeLessThan(27.9);
  });

  it('rejects bounds that are not integers or are in the wrong order', () => {
    const rng = createRng(0);
    expect(() => rng.int(5, 4)).toThrow(/min ≤ max/);
    expect(() => rng.int(0.5, 4)).toThrow(/integers/);
    expect(() => rng.int(0, 2 ** 53)).toThrow(/safe integers/);
  });

  it('covers ranges wider than 32 bits', () => {
    const rng = createRng('wide');
    let high = 0;
    for (let i = 0; i < 1000; i++) {
      const value = rng.int(0, 2 ** 40 - 1);
      expect(Number.isInteger(value) && value >= 0 && value < 2 ** 40).toBe(true);
      if (value >= 2 ** 39) high++;
    }
    // The top bit is set about half the time (standard deviation ≈ 16).
    expect(Math.abs(high - 500)).toBeLessThan(100);
  });
});

describe('pick, chance and shuffle', () => {
  it('picks every item of a list, and only those', () => {
    const rng = createRng('pick');
    const items = ['conv', 'separableConv', 'downsampledConv'] as const;
    const seen = new Set<string>();
    for (let i = 0; i < 300; i++) seen.add(rng.pick(items));
    expect([...seen].sort()).toEqual(['conv', 'downsampledConv', 'separableConv']);
  });

  it('refuses to pick from an empty list', () => {
    expect(() => createRng(0).pick([])).toThrow('Rng.pick: cannot pick from an empty list');
  });

  it('never says yes at 0, always at 1, and about half the time at 0.5', () => {
    const rng = createRng('chance');
    let yes = 0;
    for (let i = 0; i < 10_000; i++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
      if (rng.chance(0.5)) yes++;
    }
    // Binomial(10000, 0.5): standard deviation 50, so ±300 is 6 of them.
    expect(Math.abs(yes - 5000)).toBeLessThan(300);
    expect(() => rng.chance(1.5)).toThrow(/from 0 to 1/);
    expect(() => rng.chance(Number.NaN)).toThrow(/from 0 to 1/);
  });

  it('shuffles into a new array with the same items and leaves the input alone', () => {
    const rng = createRng('shuffle');
    const items = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8]);
    const orders = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const shuffled = rng.shuffle(items);
      expect(shuffled).not.toBe(items);
      expect([...shuffled].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      orders.add(shuffled.join(''));
    }
    expect(items).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(orders.size).toBeGreaterThan(150);
    expect(rng.shuffle([])).toEqual([]);
  });

  it('puts every item in every position about equally often', () => {
    const rng = createRng('positions');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 8000; i++) counts[rng.shuffle(['a', 'b', 'c', 'd']).indexOf('a')]!++;
    // 2000 expected per position, standard deviation ≈ 39.
    for (const count of counts) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });
});
