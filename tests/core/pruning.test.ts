import { describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { bcKlScale, channelsLeft, globalMagnitudeMasks, gradualSparsity, magnitudeMask, prunedArchitecture, strongestChannels } from '../../src/core/pruning.ts';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';

describe('gradual sparsity (Zhu & Gupta eq. 1)', () => {
  const schedule = { initialSparsity: 0, finalSparsity: 0.8, beginStep: 100, endStep: 300 };
  it('is 0 before the start, cubic in between, final after the end', () => {
    expect(gradualSparsity(0, schedule)).toBe(0);
    expect(gradualSparsity(100, schedule)).toBe(0);
    // halfway: 0.8 + (0 − 0.8)·(1 − 0.5)³ = 0.8 − 0.1 = 0.7
    expect(gradualSparsity(200, schedule)).toBeCloseTo(0.7, 12);
    // a quarter: 0.8 − 0.8·0.75³ = 0.8 − 0.3375 = 0.4625
    expect(gradualSparsity(150, schedule)).toBeCloseTo(0.4625, 12);
    expect(gradualSparsity(300, schedule)).toBe(0.8);
    expect(gradualSparsity(10_000, schedule)).toBe(0.8);
  });
  it('never decreases', () => {
    let previous = 0;
    for (let step = 0; step <= 400; step++) {
      const s = gradualSparsity(step, { ...schedule, initialSparsity: 0.1 });
      expect(s).toBeGreaterThanOrEqual(previous);
      previous = s;
    }
  });
});

describe('magnitude masks', () => {
  it('zero the smallest magnitudes, floor(s·n) of them', () => {
    const w = new Float32Array([0.5, -0.1, 0.3, -0.9, 0.05, 0.2, 0, -0.4]);
    // floor(0.5·8) = 4 pruned: |0| < |0.05| < |−0.1| < |0.2|.
    expect([...magnitudeMask(w, 0.5)]).toEqual([1, 0, 1, 1, 0, 0, 0, 1]);
    expect([...magnitudeMask(w, 0)]).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect([...magnitudeMask(w, 1)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    // floor(0.3·8) = 2
    expect(magnitudeMask(w, 0.3).reduce((a, b) => a + b, 0)).toBe(6);
  });
  it('breaks ties deterministically, keeping earlier weights', () => {
    expect([...magnitudeMask(new Float32Array([1, -1, 1, -1]), 0.5)]).toEqual([1, 1, 0, 0]);
  });
  it('rejects a sparsity outside 0–1', () => {
    expect(() => magnitudeMask(new Float32Array(2), 1.5)).toThrow('sparsity must be from 0 to 1, got 1.5');
  });
});

describe('global magnitude masks', () => {
  it('prune the smallest magnitudes across ops, floor(s·N) in all', () => {
    const a = new Float32Array([0.9, 0.1, 0.5, 0.05]);
    const b = new Float32Array(100).map((_, i) => (i + 1) / 1000); // 0.001 … 0.1
    const [ma, mb] = globalMagnitudeMasks([a, b], 0.5); // floor(0.5·104) = 52 pruned
    // Pruned in order: b's 0.001 … 0.049 (49), then the tie at 0.05 (b's first: later ops go first on
    // a tie), a's 0.05, then b's 0.051: 52.
    expect([...ma!]).toEqual([1, 1, 1, 0]);
    expect(mb!.reduce((n, v) => n + v, 0)).toBe(100 - 51);
    expect([...mb!.slice(0, 51)].every((v) => v === 0)).toBe(true);
  });
  it('keep at least 2 % (and one weight) of every op', () => {
    const tiny = new Float32Array([1e-6, 2e-6, 3e-6]);
    const big = new Float32Array(1000).fill(1);
    const [mt, mbig] = globalMagnitudeMasks([tiny, big], 0.9); // floor(0.9·1003) = 902 pruned
    expect([...mt!]).toEqual([0, 0, 1]); // ceil(0.02·3) = 1 kept: the largest
    expect(mbig!.reduce((n, v) => n + v, 0)).toBe(1000 - 900);
    const [all] = globalMagnitudeMasks([new Float32Array(10).fill(1)], 1);
    expect(all!.reduce((n, v) => n + v, 0)).toBe(1); // the protected weight stays
  });
});

describe('channel pruning', () => {
  it('keeps the channels with the largest L1 norms, in order', () => {
    expect(strongestChannels([3, 9, 1, 9, 4], 3)).toEqual([1, 3, 4]); // norms 9, 9, 4
    expect(strongestChannels([2, 2, 2], 2)).toEqual([0, 1]);
    expect(() => strongestChannels([1, 2], 3)).toThrow('must keep from 1 to 2 channels, got 3');
    expect(channelsLeft(16, 0.5)).toBe(8);
    expect(channelsLeft(10, 0.75)).toBe(3); // round(2.5) = 3
    expect(channelsLeft(2, 0.9)).toBe(1);
  });

  it('shrinks the architecture and its estimate', () => {
    const architecture = parseArchitecture({
      input: { height: 8, width: 8, channels: 1 },
      classes: 10,
      layers: [
        { type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same' },
        { type: 'maxPool', size: 2 },
        { type: 'downsampledConv', filters: 16, bottleneck: 4, kernel: 3, stride: 1, padding: 'same' },
        { type: 'flatten' },
        { type: 'dense', units: 32 },
      ],
    });
    const smaller = prunedArchitecture(architecture, [{ channels: 4 }, undefined, { channels: 8, bottleneck: 2 }, undefined, { channels: 16 }]);
    expect(smaller.layers).toEqual([
      { type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'same' },
      { type: 'maxPool', size: 2 },
      { type: 'downsampledConv', filters: 8, bottleneck: 2, kernel: 3, stride: 1, padding: 'same' },
      { type: 'flatten' },
      { type: 'dense', units: 16 },
    ]);
    const uno = [findPresetTarget('arduino-uno')!];
    const before = estimate(architecture, uno);
    const after = estimate(smaller, uno);
    // conv 3·3·1·4+4 = 40; pw 4·2+2 = 10; conv 3·3·2·8+8 = 152; dense 4·4·8=128 → 16: 128·16+16 = 2,064; classifier 16·10+10 = 170.
    expect(after.params).toBe(40 + 10 + 152 + 2064 + 170);
    expect(after.params).toBeLessThan(before.params);
    // The measurement route gives the same numbers as the smaller architecture.
    const measured = estimate(architecture, uno, { measurement: [{ channels: 4 }, undefined, { channels: 8, bottleneck: 2 }, undefined, { channels: 16 }] });
    expect([measured.params, measured.paper.workingMemoryBytes, measured.targets[0]!.deploy.flashBytes]).toEqual([
      after.params,
      after.paper.workingMemoryBytes,
      after.targets[0]!.deploy.flashBytes,
    ]);
    expect(() => prunedArchitecture(architecture, [{ channels: 9 }])).toThrow('layers[0] (conv): kept channels must be from 1 to 8, got 9');
  });
});

describe('bcKlScale (the strength of Bayesian Compression)', () => {
  it('scales the KL term from 10^0.5 at strength 0 by 10^1.5 over the whole range, and refuses 1', () => {
    expect(bcKlScale(0)).toBeCloseTo(Math.sqrt(10), 12);
    expect(bcKlScale(0.5)).toBeCloseTo(10 ** 1.25, 12);
    expect(bcKlScale(0.3)).toBeCloseTo(10 ** 0.95, 12);
    expect(() => bcKlScale(1)).toThrow('the Bayesian Compression strength must be at least 0 and below 1, got 1');
  });
});
