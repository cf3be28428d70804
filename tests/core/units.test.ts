import { describe, expect, it } from 'vitest';
import { type FlashBytes, type SramBytes, alignUp, flashBytes, max, sramBytes, sum } from '../../src/core/units.ts';

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
