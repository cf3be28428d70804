/**
 * MCU targets (DESIGN.md §4): the presets, custom targets read from untrusted JSON, and the memory
 * each one leaves for the model once the user's reserve for application code is taken off.
 * Memory sizes are the datasheets' (1 KB = 1,024 bytes); clocks are the maximum core clock.
 */
import { type FlashBytes, type SramBytes, KiB, flashBytes, sramBytes } from './units.ts';
import { type RuntimeId, runtimeProfiles } from './runtimes.ts';
import { FieldError, type Wording, describe, describeJson, expectAt, isIntegerIn, isNumberIn, isRecord, patternAt, unknownField } from './untrusted.ts';

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
  reserve: { readonly sramBytes: number; readonly flashBytes: number },
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
    reserve: { sramBytes: sramBytes(reserve.sramBytes), flashBytes: flashBytes(reserve.flashBytes) },
    custom: false,
    ...(notes ? { notes } : {}),
  };
}

/**
 * What each preset keeps by default for the user's own program (the sketch that reads a sensor and
 * prints the class, its framework and bootloader), so that "fits" means a model that can be flashed
 * beside a real program. The model's own runtime (TFLM's interpreter, kernels, arena and its 1 KB of
 * RAM outside the arena; the bare-C loops) is counted by the deploy accounting, not here. The user
 * can change each in the setup. Sources, or the ASSUMPTION made where there is none:
 * - Uno: the Optiboot bootloader takes 512 B of the 32 KB (the Arduino IDE's maximum sketch size is
 *   32,256 B). Turning Serial on added 982 B of flash and 197 B of SRAM to one sketch (Arduino IDE
 *   report, joe.blog.freemansoft.com, "Can you spare 200 bytes?", 2022): its two 64-byte ring
 *   buffers and state. ASSUMPTION: the core's start-up, millis() and Serial code round to 1.5 KB of
 *   flash, and Serial, millis() and the stack of loop() and of the interrupts to 256 B of SRAM.
 * - Nano 33 BLE: its bootloader holds the first 64 KB of flash (the IDE's maximum is 983,040 B).
 *   ASSUMPTION: the Arduino core on Mbed OS that the example program uses takes about 80 KB of
 *   flash and 48 KB of SRAM for a sketch that only prints over Serial (threads' stacks and heap).
 * - ESP32: of the 520 KB, the 192 KB of SRAM0 is instruction RAM and cache, not data (ESP32
 *   Technical Reference Manual, "System and Memory"); ESP-IDF's default partition table gives the
 *   application 1 MB of the 4 MB flash. ASSUMPTION: ESP-IDF's FreeRTOS, drivers and task stacks
 *   take another 32 KB of SRAM and 256 KB of the application's flash (Wi-Fi off).
 * - Raspberry Pi Pico: the two 4 KB scratch banks hold the cores' stacks in the Pico SDK.
 *   ASSUMPTION: stdio over USB (TinyUSB) takes about 8 KB more SRAM and 32 KB of flash.
 * - micro:bit v1: ASSUMPTION: a program on Nordic's nRF5 SDK without Bluetooth, 2 KB of SRAM and
 *   16 KB of flash (the micro:bit runtime with its SoftDevice needs 8 KB of RAM and 88 KB of flash
 *   more: raise the reserve for it).
 * - The other 32-bit boards: ASSUMPTION: a vendor-SDK program (start-up, clocks, a UART with
 *   printf, a sensor driver), 4 KB of SRAM and 32 KB of flash.
 */
const vendorSdkReserve = { sramBytes: 4 * KiB, flashBytes: 32 * KiB } as const;

/** Preset targets, in the order the UI lists them. Ids are public (CLI and study files). */
export const presetTargets: readonly Target[] = [
  preset('arduino-uno', 'Arduino Uno', 'ATmega328P', 'avr8', 16, 2, 32, { sramBytes: 256, flashBytes: 2 * KiB }, 'The Optiboot bootloader takes 0.5 KB of the flash.'),
  preset('microbit-v1', 'BBC micro:bit v1', 'nRF51822', 'cortex-m0', 16, 16, 256, { sramBytes: 2 * KiB, flashBytes: 16 * KiB }),
  preset('microbit-v2', 'BBC micro:bit v2', 'nRF52833', 'cortex-m4f', 64, 128, 512, vendorSdkReserve),
  preset('nano33-ble', 'Arduino Nano 33 BLE', 'nRF52840', 'cortex-m4f', 64, 256, 1024, { sramBytes: 48 * KiB, flashBytes: (64 + 80) * KiB }, 'The bootloader takes the first 64 KB of the flash.'),
  preset('stm32f446re', 'STM32 Nucleo-F446RE', 'STM32F446RE', 'cortex-m4f', 180, 128, 512, vendorSdkReserve),
  preset('stm32f746', 'STM32F746 Discovery', 'STM32F746NG', 'cortex-m7', 216, 320, 1024, vendorSdkReserve),
  preset('stm32h743', 'STM32H743', 'STM32H743ZI', 'cortex-m7', 480, 512, 2048, vendorSdkReserve, 'SRAM is the 512 KB AXI SRAM, the largest contiguous block.'),
  preset('esp32', 'ESP32', 'ESP32-D0WD', 'xtensa-lx6', 240, 520, 4096, { sramBytes: (192 + 32) * KiB, flashBytes: (3 * 1024 + 256) * KiB }, 'Flash is the usual 4 MB external SPI flash of ESP32 modules; 192 KB of the SRAM is instruction RAM.'),
  preset('rp2040', 'Raspberry Pi Pico', 'RP2040', 'cortex-m0plus', 133, 264, 2048, { sramBytes: 16 * KiB, flashBytes: 32 * KiB }, 'Flash is the 2 MB external QSPI flash of the Pico board.'),
  preset('apollo3', 'SparkFun Edge', 'Apollo3 Blue', 'cortex-m4f', 48, 384, 1024, vendorSdkReserve),
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

/**
 * A reserve from untrusted JSON, `{ "sramBytes"?, "flashBytes"? }` (a missing one is `fallback`'s),
 * each below the memory it is taken from.
 */
function reserveAt(r: unknown, sram: number, flash: number, fallback: Reserve): Reserve {
  if (!isRecord(r)) throw new TargetError('reserve', 'must be an object with sramBytes and flashBytes');
  const extra = unknownField(r, ['sramBytes', 'flashBytes']);
  if (extra !== undefined) throw new TargetError('', `unknown field ${describe(`reserve.${extra}`)}; expected sramBytes and flashBytes`);
  const reserveSram = r.sramBytes === undefined ? fallback.sramBytes : bytesAt(r.sramBytes, 'reserve.sramBytes', 0);
  const reserveFlash = r.flashBytes === undefined ? fallback.flashBytes : bytesAt(r.flashBytes, 'reserve.flashBytes', 0);
  if (reserveSram >= sram) throw new TargetError('reserve.sramBytes', `(${reserveSram}) leaves no SRAM of the ${sram} bytes for the model`);
  if (reserveFlash >= flash) throw new TargetError('reserve.flashBytes', `(${reserveFlash}) leaves no flash of the ${flash} bytes for the model`);
  return { sramBytes: sramBytes(reserveSram), flashBytes: flashBytes(reserveFlash) };
}

const knownFields = ['id', 'name', 'chip', 'core', 'clockMhz', 'sramBytes', 'flashBytes', 'runtime', 'reserve', 'notes'];

/**
 * Reads a custom target from untrusted JSON:
 * `{ "id", "name", "core", "clockMhz", "sramBytes", "flashBytes", "reserve"?: { "sramBytes", "flashBytes" },
 *    "chip"?, "runtime"?, "notes"? }`. `runtime` defaults to the core's usual runtime.
 */
export function parseCustomTarget(value: unknown): Target {
  if (!isRecord(value)) throw new TargetError('', 'a target must be a JSON object');
  const unknown = unknownField(value, knownFields);
  if (unknown !== undefined) throw new TargetError('', `unknown field ${describe(unknown)}; expected ${knownFields.join(', ')}`);
  const id = patternAt(value.id, 'id', /^[a-z0-9][a-z0-9._-]{0,63}$/, 'a short id of lowercase letters, digits, ".", "_" or "-"', wording);
  if (presetsById.has(id)) throw new TargetError('id', `${JSON.stringify(id)} is a preset's id; choose another`);
  const name = patternAt(value.name, 'name', /^[^\u0000-\u001f]{1,80}$/, 'a name of 1 to 80 characters', wording);
  const core = keyAt(value.core, 'core', coreProfiles);
  const isClock = (v: unknown): v is number => isNumberIn(v, 0, 10_000) && v > 0;
  const clockMhz = expectAt(value.clockMhz, 'clockMhz', isClock, 'a clock in MHz above 0 and at most 10000', wording);
  const sram = bytesAt(value.sramBytes, 'sramBytes', 1);
  const flash = bytesAt(value.flashBytes, 'flashBytes', 1);
  const reserve = value.reserve === undefined ? noReserve : reserveAt(value.reserve, sram, flash, noReserve);
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

/**
 * A target as studies and the CLI name it: a preset id; a preset with a reserve of the user's own,
 * `{ "id": "arduino-uno", "reserve": { "sramBytes": 512, "flashBytes": 4096 } }` (a missing field
 * keeps the preset's default); or a custom target's JSON (parseCustomTarget).
 */
export function parseTargetSpec(value: unknown): Target {
  if (typeof value === 'string') {
    const preset = presetsById.get(value);
    if (preset === undefined) throw new TargetError('', `unknown target ${describe(value)}; expected a preset id (${presetTargetIds.join(', ')}) or a custom target object`);
    return preset;
  }
  const preset = isRecord(value) && typeof value.id === 'string' ? presetsById.get(value.id) : undefined;
  if (preset === undefined) return parseCustomTarget(value);
  const extra = unknownField(value as Record<string, unknown>, ['id', 'reserve']);
  if (extra !== undefined) {
    throw new TargetError('', `unknown field ${describe(extra)}: the preset ${JSON.stringify(preset.id)} takes only "id" and "reserve" (give a custom target an id of its own)`);
  }
  const reserve = (value as Record<string, unknown>).reserve;
  return reserve === undefined ? preset : { ...preset, reserve: reserveAt(reserve, preset.sramBytes, preset.flashBytes, preset.reserve) };
}

/** True when the target is a preset whose reserve is its default one. */
export const hasDefaultReserve = (target: Target): boolean => {
  const preset = presetsById.get(target.id);
  return preset !== undefined && !target.custom && preset.reserve.sramBytes === target.reserve.sramBytes && preset.reserve.flashBytes === target.reserve.flashBytes;
};
