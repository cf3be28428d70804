import { describe, expect, it } from 'vitest';
import { type FlashBytes, type SramBytes, alignUp, flashBytes, formatBytes, formatCount, formatKiB, formatMiB, max, shortBytes, sramBytes, sum } from '../../src/core/units.ts';

describe('branded units', () => {
  it('add and compare within one unit', () => {
    expect(sum(flashBytes(3), flashBytes(4))).toBe(7);
    expect(max(sramBytes(3), sramBytes(9))).toBe(9);
    expect(alignUp(1352, 16)).toBe(1360);
    expect(alignUp(1360, 16)).toBe(1360);
  });

  it('cannot be mixed: npm run check compiles these lines and fails if an error goes missing', () => {
    const flash = flashBytes(10);
    const sram = sramBytes(10);
    // @ts-expect-error SRAM bytes are not flash bytes
    const wrong: FlashBytes = sram;
    // @ts-expect-error flash bytes are not SRAM bytes
    const alsoWrong: SramBytes = flash;
    // @ts-expect-error a plain number is not a unit
    const plain: FlashBytes = 10;
    // @ts-expect-error sum() keeps one unit
    sum(flash, sram);
    expect([wrong, alsoWrong, plain]).toEqual([10, 10, 10]);
  });
});

describe('sizes in words', () => {
  it('groups digits by thousands, with a true minus sign', () => {
    expect([formatCount(0), formatCount(999), formatCount(19_758), formatCount(1_234_567.4), formatCount(-4712), formatCount(-123)]).toEqual(['0', '999', '19,758', '1,234,567', '−4,712', '−123']);
  });

  it('writes a size four ways, each for its place', () => {
    expect([formatBytes(6760), formatBytes(12_384), formatBytes(0)]).toEqual(['6,760 B', '12,384 B', '0 B']);
    expect([formatKiB(2048), formatKiB(2048 * 1024), formatKiB(512)]).toEqual(['2 KB', '2048 KB', '0.5 KB']);
    expect([shortBytes(512), shortBytes(12_384), shortBytes(1536), shortBytes(4 * 1024 * 1024)]).toEqual(['512 B', '12.1 KB', '1.5 KB', '4 MB']);
    expect([formatMiB(3 * 1024 * 1024), formatMiB(0), formatMiB(200_000)]).toEqual(['3.0 MB', '0.0 MB', '0.2 MB']);
  });
});

describe('numbers beyond 2^53 − 1 (issue 14)', () => {
  it('are written to three digits, never with digits a double does not hold', () => {
    // 9007199254740993 is held as …992; String(1e21) is "1e+21", which the grouping used to cut into "1e,+21".
    expect([formatCount(9_007_199_254_740_991), formatCount(Number('9007199254740993')), formatCount(1e21), formatCount(-2.7e17)]).toEqual([
      '9,007,199,254,740,991',
      'about 9.01 × 10¹⁵',
      'about 1.00 × 10²¹',
      'about −2.70 × 10¹⁷',
    ]);
    expect([formatBytes(1e21), formatCount(Infinity), formatCount(Number.NaN)]).toEqual(['about 1.00 × 10²¹ B', '∞', 'not a number']);
  });
});
