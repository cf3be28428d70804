/** The scales and labels the SVG charts share (src/ui/charts.ts), in Node. */
import { describe, expect, it } from 'vitest';
import { bytesScale, linearScale, logScale, niceTicks, shortBytes, stepPath } from '../../src/ui/charts.ts';

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
});
