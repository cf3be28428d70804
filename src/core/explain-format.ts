/**
 * The explained number (explain.ts) and how its values read: digits grouped by thousands, a true
 * minus sign, shapes as `H×W×C`. No Intl, so Node and every browser write the same strings.
 */
import type { Shape } from './architecture.ts';
import type { Accounting } from './resources.ts';
import { formatBytes, formatCount } from './units.ts';

export { formatCount };

export type ExplainedUnit = 'B' | 'MACs' | 'ms' | 'params';

/** One number with the formula that produced it, e.g. `working memory = … = 6,760 B`. */
export interface Explanation {
  readonly label: string;
  readonly value: number;
  readonly unit: ExplainedUnit;
  /** The formula with the values filled in; its last `= …` is the value (a remark in parentheses may follow). */
  readonly formula: string;
}


/** Milliseconds to four significant digits (`1.163`, `157`), grouped from 1,000 on. */
export function formatMs(ms: number): string {
  return ms >= 1000 ? formatCount(ms) : String(Number(ms.toPrecision(4)));
}

/** A value in its unit, as the UI shows it: `6,760 B`, `209,384 MACs`, `1.163 ms`, `19,758 params`. */
export function formatValue(value: number, unit: ExplainedUnit): string {
  return `${unit === 'ms' ? formatMs(value) : formatCount(value)} ${unit}`;
}

/** `26×26×8` for a spatial shape, `576` for a flat one. */
export function shapeText(shape: Shape): string {
  return shape.flat ? formatCount(shape.channels) : `${shape.height}×${shape.width}×${shape.channels}`;
}

/** `26×26×8 = 5,408 B`, or `576 B` for a flat shape: an activation of one byte per element. */
export function activationText(shape: Shape): string {
  const elements = shape.height * shape.width * shape.channels;
  return shape.flat ? formatBytes(elements) : `${shapeText(shape)} = ${formatBytes(elements)}`;
}

/** `a + b + c` over the non-zero terms, or `0` when every term is zero. */
export function sumText(terms: readonly number[]): string {
  const shown = terms.filter((t) => t !== 0).map(formatCount);
  return shown.length === 0 ? '0' : shown.join(' + ');
}

/** The words the UI uses for the flash-side and SRAM-side numbers under an accounting mode. */
export function memoryWords(accounting: Accounting): { readonly flash: string; readonly sram: string } {
  return accounting === 'paper' ? { flash: 'model size', sram: 'working memory' } : { flash: 'flash', sram: 'SRAM' };
}
