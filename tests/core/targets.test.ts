import { describe, expect, it } from 'vitest';
import { availableMemory, findPresetTarget, hasDefaultReserve, parseCustomTarget, parseTargetSpec, presetTargetIds, presetTargets, withReserve } from '../../src/core/targets.ts';

const custom = { id: 'my-board', name: 'My board', core: 'cortex-m4f', clockMhz: 80, sramBytes: 65_536, flashBytes: 262_144 };

describe('preset targets', () => {
  it('are the ten boards of DESIGN.md §4 with their datasheet memories', () => {
    expect(presetTargetIds).toEqual(['arduino-uno', 'microbit-v1', 'microbit-v2', 'nano33-ble', 'stm32f446re', 'stm32f746', 'stm32h743', 'esp32', 'rp2040', 'apollo3']);
    const memory = Object.fromEntries(presetTargets.map((t) => [t.id, [t.sramBytes / 1024, t.flashBytes / 1024]]));
    expect(memory).toEqual({
      'arduino-uno': [2, 32],
      'microbit-v1': [16, 256],
      'microbit-v2': [128, 512],
      'nano33-ble': [256, 1024],
      stm32f446re: [128, 512],
      stm32f746: [320, 1024],
      stm32h743: [512, 2048],
      esp32: [520, 4096],
      rp2040: [264, 2048],
      apollo3: [384, 1024],
    });
    expect(findPresetTarget('arduino-uno')).toMatchObject({ chip: 'ATmega328P', core: 'avr8', clockMhz: 16, runtime: 'bare-c' });
    expect(findPresetTarget('nope')).toBeUndefined();
  });

  it('take a reserve for application code off what the model may use', () => {
    const uno = withReserve(findPresetTarget('arduino-uno')!, { flashBytes: 512, sramBytes: 300 });
    expect(availableMemory(uno)).toEqual({ flash: 32_768 - 512, sram: 2048 - 300 });
    expect(() => withReserve(uno, { flashBytes: 0, sramBytes: 2048 })).toThrow('reserve.sramBytes must be a whole number of bytes below 2048, got 2048');
  });
});

describe('the presets\' default reserves for the user\'s own code (issue 13)', () => {
  it('keep memory for the board\'s usual framework and a small program, as targets.ts states', () => {
    const reserves = Object.fromEntries(presetTargets.map((t) => [t.id, [t.reserve.sramBytes, t.reserve.flashBytes / 1024]]));
    expect(reserves).toEqual({
      'arduino-uno': [256, 2],
      'microbit-v1': [2048, 16],
      'microbit-v2': [4096, 32],
      'nano33-ble': [48 * 1024, 144],
      stm32f446re: [4096, 32],
      stm32f746: [4096, 32],
      stm32h743: [4096, 32],
      esp32: [224 * 1024, 3328],
      rp2040: [16 * 1024, 32],
      apollo3: [4096, 32],
    });
    expect(availableMemory(findPresetTarget('arduino-uno')!)).toEqual({ flash: 30_720, sram: 1792 });
    expect(presetTargets.every(hasDefaultReserve)).toBe(true);
  });
});

describe('parseTargetSpec', () => {
  it('reads a preset id, a preset with a reserve of the user\'s own, or a custom target', () => {
    expect(parseTargetSpec('esp32')).toBe(findPresetTarget('esp32'));
    const uno = parseTargetSpec({ id: 'arduino-uno', reserve: { sramBytes: 512 } });
    // A missing field keeps the preset's default.
    expect(uno).toEqual({ ...findPresetTarget('arduino-uno')!, reserve: { sramBytes: 512, flashBytes: 2048 } });
    expect(hasDefaultReserve(uno)).toBe(false);
    expect(parseTargetSpec(custom)).toEqual(parseCustomTarget(custom));
  });

  it.each([
    ['an unknown id', 'pdp-11', 'unknown target "pdp-11"; expected a preset id (arduino-uno,'],
    ['a preset with other fields', { id: 'arduino-uno', sramBytes: 4096 }, 'unknown field "sramBytes": the preset "arduino-uno" takes only "id" and "reserve"'],
    ['a reserve that leaves nothing', { id: 'arduino-uno', reserve: { sramBytes: 2048 } }, '"reserve.sramBytes" (2048) leaves no SRAM of the 2048 bytes for the model'],
    ['a negative reserve', { id: 'arduino-uno', reserve: { flashBytes: -1 } }, '"reserve.flashBytes" must be a whole number of bytes from 0'],
  ])('refuses %s in words', (_what, spec, message) => {
    expect(() => parseTargetSpec(spec)).toThrow(message);
  });
});

describe('custom targets', () => {
  it('are read from JSON, with the core’s usual runtime', () => {
    expect(parseCustomTarget({ ...custom, reserve: { sramBytes: 1024 } })).toEqual({
      ...custom,
      chip: 'custom',
      runtime: 'tflm-cmsis-nn',
      reserve: { sramBytes: 1024, flashBytes: 0 },
      custom: true,
    });
    expect(parseCustomTarget({ ...custom, runtime: 'tflm-reference' }).runtime).toBe('tflm-reference');
  });

  it.each([
    ['not an object', 'x', 'a target must be a JSON object'],
    ['an unknown field', { ...custom, ram: 3 }, 'unknown field "ram"'],
    ['a bad id', { ...custom, id: 'My Board' }, '"id" must be a short id of lowercase letters'],
    ['a preset id', { ...custom, id: 'esp32' }, '"id" "esp32" is a preset\'s id; choose another'],
    ['no name', { ...custom, name: '' }, '"name" must be a name of 1 to 80 characters, got ""'],
    ['an unknown core', { ...custom, core: 'z80' }, '"core" must be one of avr8, cortex-m0'],
    ['a zero clock', { ...custom, clockMhz: 0 }, '"clockMhz" must be a clock in MHz above 0'],
    ['fractional SRAM', { ...custom, sramBytes: 10.5 }, '"sramBytes" must be a whole number of bytes from 1 to 1073741824, got 10.5'],
    ['missing flash', { id: 'b', name: 'B', core: 'avr8', clockMhz: 8, sramBytes: 10 }, '"flashBytes" must be a whole number of bytes from 1 to 1073741824, got nothing'],
    ['a reserve as large as the SRAM', { ...custom, reserve: { sramBytes: 65_536 } }, '"reserve.sramBytes" (65536) leaves no SRAM of the 65536 bytes for the model'],
    ['a negative reserve', { ...custom, reserve: { flashBytes: -1 } }, '"reserve.flashBytes" must be a whole number of bytes from 0'],
    ['an unknown reserve field', { ...custom, reserve: { ram: 1 } }, 'unknown field "reserve.ram"'],
    ['an unknown runtime', { ...custom, runtime: 'tvm' }, '"runtime" must be one of tflm-cmsis-nn'],
  ])('rejects %s, naming the field', (_, value, message) => {
    expect(() => parseCustomTarget(value)).toThrow(message);
  });
});

describe('custom targets from untrusted JSON (issue 14)', () => {
  const board = { id: 'b', name: 'B', core: 'avr8', clockMhz: 8, sramBytes: 2048, flashBytes: 32_768 };

  it('quotes an unknown field or target cut short, however long it is', () => {
    const long = 'k'.repeat(50_000);
    expect(() => parseCustomTarget({ ...board, [long]: 1 })).toThrow(`unknown field "${'k'.repeat(40)}…"; expected id, name`);
    expect(() => parseTargetSpec(long)).toThrow(`unknown target "${'k'.repeat(40)}…"; expected a preset id`);
    expect(() => parseCustomTarget({ ...board, reserve: { [long]: 1 } })).toThrow(`unknown field "reserve.${'k'.repeat(32)}…"; expected sramBytes and flashBytes`);
  });

  it('refuses memory beyond 2^53 − 1 without printing digits the file never had', () => {
    const message = (() => {
      try {
        parseCustomTarget(JSON.parse('{"id":"b","name":"B","core":"avr8","clockMhz":8,"sramBytes":9007199254740993,"flashBytes":32768}'));
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    })();
    expect(message).toBe('"sramBytes" must be a whole number of bytes from 1 to 1073741824, got a number above 9,007,199,254,740,991, too large to hold exactly');
  });
});
