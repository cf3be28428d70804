import { describe, expect, it } from 'vitest';
import { median } from '../../src/core/median.ts';

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones, without touching its input', () => {
    const values = [5, 1, 4];
    expect(median(values)).toBe(4);
    expect(values).toEqual([5, 1, 4]);
    expect(median([3, 1, 4, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([1, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY])).toBe(Number.POSITIVE_INFINITY);
    expect(median([])).toBeNaN();
  });
});
