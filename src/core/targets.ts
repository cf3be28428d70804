/**
 * MCU targets (DESIGN.md §4): the presets, custom targets read from untrusted JSON, and the memory
 * each one leaves for the model once the user's reserve for application code is taken off.
 * Memory sizes are the datasheets' (1 KB = 1,024 bytes); clocks are the maximum core clock.
 */
import { type FlashBytes, type SramBytes, KiB, flashBytes, sramBytes } from './units.ts';
import { type RuntimeId, runtimeProfiles } from './runtimes.ts';
import { FieldError, type Wording, describeJson, expectAt, isIntegerIn, isNumberIn, isRecord, patternAt, unknownField } from './untrusted.ts';

export type CoreId = 'avr8' | 'cortex-m0' | 'cortex-m0plus' | 'cortex-m4f' | 'cortex-m7' | 'xtensa-lx6';

export interface CoreProfile {
  readonly id: CoreId;
  readonly name: string;
  /**
   * Cycles per int8 multiply-accumulate in a tuned inner loop, loads and loop overhead included.
   * All are GUESSES from the instruction sets (see each comment): latency is labelled a rough estimate.
   */
  readonly cyclesPerMac: number;
  readonly defaultRuntime: RuntimeId;
}

export const coreProfiles: Readonly<Record<CoreId, CoreProfile>> = {
  // 8×8 MUL takes 2 cycles, but a 32-bit accumulator, LPM loads from flash and the loop cost ~10 more.
  avr8: { id: 'avr8', name: 'AVR 8-bit', cyclesPerMac: 12, defaultRuntime: 'bare-c' },
  // No SIMD; loads, sign extension, MULS and ADD per MAC.
  'cortex-m0': { id: 'cortex-m0', name: 'Arm Cortex-M0', cyclesPerMac: 6, defaultRuntime: 'tflm-reference' },
  'cortex-m0plus': { id: 'cortex-m0plus', name: 'Arm Cortex-M0+', cyclesPerMac: 5, defaultRuntime: 'tflm-reference' },
  // SMLAD does two 16-bit MACs per cycle; unpacking int8 and the loop bring it to about one.
  'cortex-m4f': { id: 'cortex-m4f', name: 'Arm Cortex-M4F', cyclesPerMac: 1, defaultRuntime: 'tflm-cmsis-nn' },
  // Dual-issue pipeline over the same SIMD instructions.
  'cortex-m7': { id: 'cortex-m7', name: 'Arm Cortex-M7', cyclesPerMac: 0.6, defaultRuntime: 'tflm-cmsis-nn' },
  // MUL16/MAC16 on the LX6 without the S3's vector unit, through ESP-NN.
  'xtensa-lx6': { id: 'xtensa-lx6', name: 'Xtensa LX6', cyclesPerMac: 1.5, defaultRuntime: 'tflm-esp-nn' },
};

export interface Reserve {
  readonly flashBytes: FlashBytes;
  readonly sramBytes: SramBytes;
}

export interface Target {
  readonly id: string;
  readonly name: string;
  readonly chip: string;
  readonly core: CoreId;
  readonly clockMhz: number;
  readonly sramBytes: SramBytes;
  readonly flashBytes: FlashBytes;
  readonly runtime: RuntimeId;
  /** Memory kept for the user's application: the model may use what is left. */
  readonly reserve: Reserve;
  readonly custom: boolean;
  readonly notes?: string;
}

const noReserve: Reserve = { flashBytes: flashBytes(0), sramBytes: sramBytes(0) };

function preset(
  id: string,
  name: string,
  chip: string,
  core: CoreId,
  clockMhz: number,
  sramKiB: number,
  flashKiB: number,
  notes?: string,
): Target {
  return {
    id,
    name,
    chip,
    core,
    clockMhz,
    sramBytes: sramBytes(sramKiB * KiB),
    flashBytes: flashBytes(flashKiB * KiB),
    runtime: coreProfiles[core].defaultRuntime,
    reserve: noReserve,
    custom: false,
    ...(notes ? { notes } : {}),
  };
}

/** Preset targets, in the order the UI lists them. Ids are public (CLI and study files). */
export const presetTargets: readonly Target[] = [
  preset('arduino-uno', 'Arduino Uno', 'ATmega328P', 'avr8', 16, 2, 32, 'The Optiboot bootloader takes 0.5 KB of the flash.'),
  preset('microbit-v1', 'BBC micro:bit v1', 'nRF51822', 'cortex-m0', 16, 16, 256),
  preset('microbit-v2', 'BBC micro:bit v2', 'nRF52833', 'cortex-m4f', 64, 128, 512),
  preset('nano33-ble', 'Arduino Nano 33 BLE', 'nRF52840', 'cortex-m4f', 64, 256, 1024),
  preset('stm32f446re', 'STM32 Nucleo-F446RE', 'STM32F446RE', 'cortex-m4f', 180, 128, 512),
  preset('stm32f746', 'STM32F746 Discovery', 'STM32F746NG', 'cortex-m7', 216, 320, 1024),
  preset('stm32h743', 'STM32H743', 'STM32H743ZI', 'cortex-m7', 480, 512, 2048, 'SRAM is the 512 KB AXI SRAM, the largest contiguous block.'),
  preset('esp32', 'ESP32', 'ESP32-D0WD', 'xtensa-lx6', 240, 520, 4096, 'Flash is the usual 4 MB external SPI flash of ESP32 modules.'),
  preset('rp2040', 'Raspberry Pi Pico', 'RP2040', 'cortex-m0plus', 133, 264, 2048, 'Flash is the 2 MB external QSPI flash of the Pico board.'),
  preset('apollo3', 'SparkFun Edge', 'Apollo3 Blue', 'cortex-m4f', 48, 384, 1024),
];

const presetsById = new Map(presetTargets.map((target) => [target.id, target]));

export const presetTargetIds: readonly string[] = presetTargets.map((target) => target.id);

/** The preset with this id, or undefined. */
export const findPresetTarget = (id: string): Target | undefined => presetsById.get(id);

/** Flash and SRAM the model may use on this target: its memory minus the reserve. */
export function availableMemory(target: Target): { flash: FlashBytes; sram: SramBytes } {
  return {
    flash: flashBytes(target.flashBytes - target.reserve.flashBytes),
    sram: sramBytes(target.sramBytes - target.reserve.sramBytes),
  };
}

/**
 * A custom target that cannot be used. Its message starts with the field in quotes
 * (`"sramBytes" must be …`), which the setup form reads to name the field by its label.
 */
export class TargetError extends FieldError {
  override readonly name = 'TargetError';
  constructor(path: string, reason: string) {
    super(path, reason);
    this.message = path === '' ? reason : `"${path}" ${reason}`;
  }
}

/** Values are shown as JSON, an absent one "got nothing". */
const wording: Wording = { describe: describeJson, namesMissing: false, oneOf: false, error: TargetError };

/** Largest memory we accept in a custom target: 1 GiB, far beyond any microcontroller. */
const maxMemoryBytes = 1024 * 1024 * KiB;

const bytesAt = (value: unknown, path: string, min: number): number =>
  expectAt(value, path, (v): v is number => isIntegerIn(v, min, maxMemoryBytes), `a whole number of bytes from ${min} to ${maxMemoryBytes}`, wording);

/** One of the keys of `table` (own keys only: "toString" is not a core). */
const keyAt = <K extends string>(value: unknown, path: string, table: Readonly<Record<K, unknown>>): K =>
  expectAt(value, path, (v): v is K => typeof v === 'string' && Object.hasOwn(table, v), `one of ${Object.keys(table).join(', ')}`, wording);

const knownFields = ['id', 'name', 'chip', 'core', 'clockMhz', 'sramBytes', 'flashBytes', 'runtime', 'reserve', 'notes'];

/**
 * Reads a custom target from untrusted JSON:
 * `{ "id", "name", "core", "clockMhz", "sramBytes", "flashBytes", "reserve"?: { "sramBytes", "flashBytes" },
 *    "chip"?, "runtime"?, "notes"? }`. `runtime` defaults to the core's usual runtime.
 */
export function parseCustomTarget(value: unknown): Target {
  if (!isRecord(value)) throw new TargetError('', 'a target must be a JSON object');
  const unknown = unknownField(value, knownFields);
  if (unknown !== undefined) throw new TargetError('', `unknown field ${JSON.stringify(unknown)}; expected ${knownFields.join(', ')}`);
  const id = patternAt(value.id, 'id', /^[a-z0-9][a-z0-9._-]{0,63}$/, 'a short id of lowercase letters, digits, ".", "_" or "-"', wording);
  if (presetsById.has(id)) throw new TargetError('id', `${JSON.stringify(id)} is a preset's id; choose another`);
  const name = patternAt(value.name, 'name', /^[^\u0000-\u001f]{1,80}$/, 'a name of 1 to 80 characters', wording);
  const core = keyAt(value.core, 'core', coreProfiles);
  const isClock = (v: unknown): v is number => isNumberIn(v, 0, 10_000) && v > 0;
  const clockMhz = expectAt(value.clockMhz, 'clockMhz', isClock, 'a clock in MHz above 0 and at most 10000', wording);
  const sram = bytesAt(value.sramBytes, 'sramBytes', 1);
  const flash = bytesAt(value.flashBytes, 'flashBytes', 1);
  let reserve = noReserve;
  if (value.reserve !== undefined) {
    const r = value.reserve;
    if (!isRecord(r)) throw new TargetError('reserve', 'must be an object with sramBytes and flashBytes');
    const extra = unknownField(r, ['sramBytes', 'flashBytes']);
    if (extra !== undefined) throw new TargetError('', `unknown field "reserve.${extra}"; expected sramBytes and flashBytes`);
    const reserveSram = r.sramBytes === undefined ? 0 : bytesAt(r.sramBytes, 'reserve.sramBytes', 0);
    const reserveFlash = r.flashBytes === undefined ? 0 : bytesAt(r.flashBytes, 'reserve.flashBytes', 0);
    if (reserveSram >= sram) throw new TargetError('reserve.sramBytes', `(${reserveSram}) leaves no SRAM of the ${sram} bytes for the model`);
    if (reserveFlash >= flash) throw new TargetError('reserve.flashBytes', `(${reserveFlash}) leaves no flash of the ${flash} bytes for the model`);
    reserve = { sramBytes: sramBytes(reserveSram), flashBytes: flashBytes(reserveFlash) };
  }
  const runtime = value.runtime === undefined ? coreProfiles[core].defaultRuntime : keyAt(value.runtime, 'runtime', runtimeProfiles);
  const optionalText = (field: 'chip' | 'notes', maxLength: number): string | undefined => {
    const text = value[field];
    if (text === undefined) return undefined;
    if (typeof text !== 'string' || text.length > maxLength) throw new TargetError(field, `must be text of at most ${maxLength} characters`);
    return text;
  };
  const notes = optionalText('notes', 500);
  return {
    id,
    name,
    chip: optionalText('chip', 80) ?? 'custom',
    core,
    clockMhz,
    sramBytes: sramBytes(sram),
    flashBytes: flashBytes(flash),
    runtime,
    reserve,
    custom: true,
    ...(notes !== undefined ? { notes } : {}),
  };
}

/** A preset with the user's reserve for application code. */
export function withReserve(target: Target, reserve: { flashBytes: number; sramBytes: number }): Target {
  const { flashBytes: flash, sramBytes: sram } = reserve;
  const bad = (value: number, total: number): boolean => !Number.isInteger(value) || value < 0 || value >= total;
  if (bad(flash, target.flashBytes)) throw new TargetError('', `reserve.flashBytes must be a whole number of bytes below ${target.flashBytes}, got ${flash}`);
  if (bad(sram, target.sramBytes)) throw new TargetError('', `reserve.sramBytes must be a whole number of bytes below ${target.sramBytes}, got ${sram}`);
  return { ...target, reserve: { flashBytes: flashBytes(flash), sramBytes: sramBytes(sram) } };
}
