/** The scales and labels the SVG charts share (src/ui/charts.ts), in Node. */
import { describe, expect, it } from 'vitest';
import {
  byteTicks,
  bytesScale,
  frontStaircase,
  limitLabelLayout,
  linearScale,
  logScale,
  niceTicks,
  projectedFront,
  shortBytes,
  stepPath,
  zeroBasedBytesScale,
} from '../../src/ui/charts.ts';

describe('chart scales', () => {
  it('puts round ticks on a linear scale and maps the domain onto the range', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.3, 1, 4)).toEqual([0.4, 0.6, 0.8, 1]);
    const y = linearScale([0, 1], [200, 10]);
    expect([y(0), y(0.5), y(1)]).toEqual([200, 105, 10]);
  });

  it('reads bytes on a log scale at powers of two once they span more than 20×', () => {
    const x = bytesScale([700, 4_000, 40_000, 32_768], [0, 100]);
    expect(x.log).toBe(true);
    expect(x.ticks.map(shortBytes)).toEqual(['1 KB', '4 KB', '16 KB']); // 2^9..2^15 in the domain, every other one
    expect(x(700 / 1.5)).toBe(0);
    expect(x(40_000 * 1.5)).toBeCloseTo(100, 9);
    expect(bytesScale([700, 900], [0, 100]).log).toBe(false);
    expect(logScale([1, 1e6], [0, 1]).ticks).toEqual([1, 100, 10_000, 1_000_000]);
  });

  it('writes short byte labels with 1 KB = 1,024 B', () => {
    expect([shortBytes(512), shortBytes(2048), shortBytes(32_768), shortBytes(1536), shortBytes(4 * 1024 * 1024)]).toEqual(['512 B', '2 KB', '32 KB', '1.5 KB', '4 MB']);
  });

  it('draws a step line through points in x order', () => {
    expect(stepPath([{ x: 30, y: 5 }, { x: 10, y: 20 }, { x: 20, y: 10 }])).toBe('M10.0,20.0 H20.0 V10.0 H30.0 V5.0');
    expect(stepPath([])).toBe('');
  });

  it('reads a linear byte axis in round steps of one unit (issue 13: not "1000 B, 1.46 KB, 1.95 KB")', () => {
    expect(byteTicks(0, 2_100)).toEqual({ ticks: [0, 512, 1024, 1536, 2048], labels: ['0', '0.5 KB', '1 KB', '1.5 KB', '2 KB'] });
    expect(byteTicks(900, 2_000)).toEqual({ ticks: [1024, 1280, 1536, 1792], labels: ['1 KB', '1.25 KB', '1.5 KB', '1.75 KB'] });
    expect(byteTicks(0, 1_100)).toEqual({ ticks: [0, 256, 512, 768, 1024], labels: ['0', '0.25 KB', '0.5 KB', '0.75 KB', '1 KB'] });
    expect(byteTicks(0, 800)).toEqual({ ticks: [0, 200, 400, 600, 800], labels: ['0', '200 B', '400 B', '600 B', '800 B'] });
    expect(byteTicks(0, 1_000, 4)).toEqual({ ticks: [0, 250, 500, 750, 1000], labels: ['0', '250 B', '500 B', '750 B', '1000 B'] });
    expect(byteTicks(0, 300 * 1024)).toEqual({ ticks: [0, 102_400, 204_800, 307_200], labels: ['0', '100 KB', '200 KB', '300 KB'] });
    expect(byteTicks(0, 3 * 1024 * 1024)).toEqual({ ticks: [0, 1_048_576, 2_097_152, 3_145_728], labels: ['0', '1 MB', '2 MB', '3 MB'] });
    expect(byteTicks(0, 9)).toEqual({ ticks: [0, 2, 4, 6, 8], labels: ['0', '2 B', '4 B', '6 B', '8 B'] });
    expect(byteTicks(0, 11)).toEqual({ ticks: [0, 5, 10], labels: ['0', '5 B', '10 B'] }); // never a 2.5 B step
  });

  it('gives the byte scales those ticks and labels: the Pareto plot\'s linear panels and the arena plan', () => {
    const x = bytesScale([700, 900, 1_900], [0, 100]); // 0 to 2,090 B
    expect(x.log).toBe(false);
    expect(x.ticks).toEqual([0, 512, 1024, 1536, 2048]);
    expect(x.ticks.map(x.tickLabel)).toEqual(['0', '0.5 KB', '1 KB', '1.5 KB', '2 KB']);
    const arena = zeroBasedBytesScale([6_768], [220, 0]);
    expect(arena.ticks.map(arena.tickLabel)).toEqual(['0', '2 KB', '4 KB', '6 KB']);
    expect([arena(0), arena(6_768)]).toEqual([220, 0]);
    const log = bytesScale([700, 40_000], [0, 100]);
    expect(log.ticks.map(log.tickLabel)).toEqual(['1 KB', '4 KB', '16 KB']);
  });

  it('finds the 2-D front of one panel among the feasible points, in x order', () => {
    const point = (id: string, accuracy: number, flashBytes: number, sramBytes: number, feasible = true) => ({ id, accuracy, flashBytes, sramBytes, feasible });
    // All four are on the 3-D front; by working memory alone, b beats c (less memory, more accuracy).
    const points = [
      point('a', 0.9, 700, 300),
      point('b', 0.95, 4_000, 600),
      point('c', 0.93, 1_500, 900),
      point('d', 0.97, 9_000, 1_200),
      point('e', 0.99, 500, 100, false),
    ];
    expect(projectedFront(points, (p) => p.flashBytes).map((p) => p.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(projectedFront(points, (p) => p.sramBytes).map((p) => p.id)).toEqual(['a', 'b', 'd']);
    expect(projectedFront([point('x', 0.5, 1, 1, false)], (p) => p.flashBytes)).toEqual([]);
  });

  it('draws a 2-D front as a staircase, across then up, on to the right edge', () => {
    expect(frontStaircase([{ x: 10, y: 80 }, { x: 40, y: 30 }, { x: 25, y: 50 }], 100)).toBe('M10.0,80.0 H25.0 V50.0 H40.0 V30.0 H100.0');
    expect(frontStaircase([{ x: 100, y: 30 }], 100)).toBe('M100.0,30.0');
    expect(frontStaircase([], 100)).toBe('');
  });

  it('stacks the labels of close limit lines instead of overlapping them', () => {
    const plot = { right: 386, bottom: 216 };
    // 22 characters at 5.5 px: 121 px wide.
    const uno = { x: 100, text: 'Arduino Uno: 2 KB SRAM' };
    const nano = { x: 110, text: 'Nano 33 BLE: 2.5 KB SR' };
    const far = { x: 250, text: 'Far: 8 KB' };
    expect(limitLabelLayout([nano, uno, far], plot)).toEqual([
      { x: 114, y: 199, anchor: 'start' }, // overlaps Uno's: one row up
      { x: 104, y: 212, anchor: 'start' },
      { x: 254, y: 212, anchor: 'start' }, // clear of both: the bottom row
    ]);
    // Near the right edge a label runs to the left of its line.
    expect(limitLabelLayout([{ x: 380, text: 'Edge: 1 KB' }], plot)).toEqual([{ x: 376, y: 212, anchor: 'end' }]);
    // Two lines at the same x: one above the other.
    expect(limitLabelLayout([uno, { ...uno, text: 'Uno twin: 2 KB SRAM' }], plot).map((p) => p.y)).toEqual([212, 199]);
  });
});
