/**
 * Branded unit types. A `FlashBytes` is a number the compiler will not let you add to, compare with
 * or pass as `SramBytes` (or `Macs`) by accident: bytes of flash and bytes of SRAM are different budgets.
 * Plain arithmetic on them yields `number`; the helpers below keep the brand.
 */
declare const unitBrand: unique symbol;

/** A number tagged with the unit `U`. */
export type Unit<U extends string> = number & { readonly [unitBrand]: U };

/** Bytes stored in non-volatile memory: weights, biases, quantisation parameters, graph, code. */
export type FlashBytes = Unit<'flash bytes'>;
/** Bytes of RAM in use at run time: activations, scratch buffers, runtime state. */
export type SramBytes = Unit<'SRAM bytes'>;
/** Multiply-accumulate operations of one inference. */
export type Macs = Unit<'MACs'>;
/** Milliseconds of (estimated) wall time. */
export type Milliseconds = Unit<'ms'>;

export const flashBytes = (n: number): FlashBytes => n as FlashBytes;
export const sramBytes = (n: number): SramBytes => n as SramBytes;
export const macs = (n: number): Macs => n as Macs;
export const milliseconds = (n: number): Milliseconds => n as Milliseconds;

/** Sum of quantities of one unit; mixing units is a compile error. */
export function sum<T extends Unit<string>>(...values: T[]): T {
  let total = 0;
  for (const value of values) total += value;
  return total as T;
}

/** The larger of quantities of one unit. */
export function max<T extends Unit<string>>(a: T, b: T): T {
  return (a >= b ? a : b) as T;
}

/** Rounds `n` up to a multiple of `alignment` (a power of two or any positive integer). */
export function alignUp(n: number, alignment: number): number {
  return Math.ceil(n / alignment) * alignment;
}

/** 1 KB as the datasheets of our targets use it: 1,024 bytes. */
export const KiB = 1024;

// ---------------------------------------------------------------------------------------------
// How sizes read. No Intl, so Node and every browser write the same strings (and verdicts, made
// for every screened candidate, stay cheap).
// ---------------------------------------------------------------------------------------------

const superscripts = '⁰¹²³⁴⁵⁶⁷⁸⁹';

/**
 * `19758` → `19,758`; `-4712` → `−4,712` (rounded to a whole number). Beyond 2^53 − 1 a double's
 * digits are no longer all exact (9007199254740993 is held as …992, and `String(1e21)` is `1e+21`),
 * so such a number is written to three digits, `about 2.71 × 10¹⁷`, and never with invented digits.
 */
export function formatCount(n: number): string {
  if (Number.isNaN(n)) return 'not a number';
  if (!Number.isFinite(n)) return n < 0 ? '−∞' : '∞';
  if (Math.abs(n) > Number.MAX_SAFE_INTEGER) {
    const [mantissa, exponent] = Math.abs(n).toExponential(2).split('e+') as [string, string];
    const power = [...exponent].map((digit) => superscripts[Number(digit)]).join('');
    return `about ${n < 0 ? '−' : ''}${mantissa} × 10${power}`;
  }
  const rounded = Math.round(n);
  const digits = String(Math.abs(rounded));
  let grouped = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3);
    grouped = grouped ? `${digits.slice(start, end)},${grouped}` : digits.slice(start, end);
  }
  return rounded < 0 ? `−${grouped}` : grouped;
}

/** Exact, to the byte: `6760` → `6,760 B`. For budgets, verdicts and formulas. */
export const formatBytes = (n: number): string => `${formatCount(n)} B`;

/** A datasheet size in KB, exact: `2048` → `2 KB`, `2097152` → `2048 KB` (never turned into MB). */
export const formatKiB = (n: number): string => `${n / KiB} KB`;

/** Rounded to about three digits in the largest unit that fits: `512 B`, `32 KB`, `1.5 MB`. For axes and labels. */
export function shortBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= KiB && unit < units.length - 1) {
    value /= KiB;
    unit++;
  }
  const digits = unit === 0 || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${Number(value.toFixed(digits))} ${units[unit]}`;
}

/** A file's size in MB (1,048,576 bytes) to one decimal: `3.0 MB`, `0.2 MB`. For uploads and stored datasets. */
export const formatMiB = (n: number): string => `${(n / (KiB * KiB)).toFixed(1)} MB`;
