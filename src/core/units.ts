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
