/**
 * What the plain-SVG charts share: the point types the Pareto plot takes, linear and log scales with
 * readable ticks (bytes in round KB), short axis labels, the 2-D front of a panel as a staircase and
 * where limit labels go. No chart library: a scale is a function, its ticks and their labels.
 */
import { paretoFront } from '../core/search/pareto.ts';
import { KiB, shortBytes } from '../core/units.ts';

/**
 * One trial in the Pareto plot, and a target's memory drawn as a labelled vertical line in each
 * panel: the shapes the live study state derives (flash/SRAM are model size/working memory under
 * paper accounting).
 */
export type { ParetoPoint as PlotPoint, MemoryLimit as PlotLimit } from '../state/study.svelte.ts';

export interface Scale {
  (value: number): number;
  readonly ticks: readonly number[];
  readonly log: boolean;
  /** A tick's label: the number itself, or for a byte scale the tick in the axis's unit (`1.5 KB`). */
  readonly tickLabel: (tick: number) => string;
}

/** 1, 2 or 5 times a power of ten, at least `rough`. */
function niceStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10) * power;
}

/** About `count` round ticks from `min` to `max`, both included when they are round. */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const step = niceStep((max - min) / count);
  const ticks: number[] = [];
  // Rounded to the step's precision, so 0.1 + 0.2 reads 0.3.
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toFixed(digits)));
  return ticks;
}

export function linearScale(domain: readonly [number, number], range: readonly [number, number], tickCount = 5): Scale {
  return linearWithTicks(domain, range, niceTicks(domain[0], domain[1], tickCount), String);
}

function linearWithTicks(
  domain: readonly [number, number],
  range: readonly [number, number],
  ticks: readonly number[],
  tickLabel: (tick: number) => string,
): Scale {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = (value: number): number => r0 + ((value - d0) / span) * (r1 - r0);
  return Object.assign(scale, { ticks, log: false, tickLabel });
}

/** 1, 2, 2.5 or 5 times a power of ten, at least `rough`: 2.5 gives quarter-KB steps (0.25 KB = 256 B). */
function niceByteStep(rough: number): number {
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  return (fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10) * power;
}

const byteUnits = [
  { size: 1, name: 'B' },
  { size: KiB, name: 'KB' },
  { size: KiB * KiB, name: 'MB' },
] as const;

/**
 * About `count` round ticks for bytes from `min` to `max`, every label in one unit: bytes under
 * 1 KB (`0, 250 B, 500 B`), KB under 1 MB (`0.5 KB, 1 KB, 1.5 KB`), MB above; steps of 1, 2, 2.5 or
 * 5 × 10^k of that unit (1 KB = 1,024 B, as the datasheets count), so no label reads `1.46 KB`.
 */
export function byteTicks(min: number, max: number, count = 5): { ticks: number[]; labels: string[] } {
  const unit = [...byteUnits].reverse().find((u) => Math.abs(max) >= u.size) ?? byteUnits[0];
  const lo = min / unit.size;
  const hi = max / unit.size;
  if (!(hi > lo)) return { ticks: [min], labels: [min === 0 ? '0' : shortBytes(min)] };
  const nice = niceByteStep((hi - lo) / count);
  // A whole byte is the smallest step there is: 0.5 B → 1 B, 2.5 B → 5 B.
  const step = unit.size === 1 && !Number.isInteger(nice) ? (nice < 1 ? 1 : 5) : nice;
  // Enough decimals for the step: 2 for 0.25, 1 for 0.5, 0 for 100.
  let digits = 0;
  while (digits < 12 && Number(step.toFixed(digits)) !== step) digits++;
  const ticks: number[] = [];
  const labels: string[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k <= Math.floor(hi / step + 1e-9); k++) {
    const value = Number((k * step).toFixed(digits));
    ticks.push(value * unit.size);
    labels.push(value === 0 ? '0' : `${value} ${unit.name}`);
  }
  return { ticks, labels };
}

/** A linear byte scale over `domain` with the ticks of byteTicks. */
function linearBytes(domain: readonly [number, number], range: readonly [number, number], count: number): Scale {
  const { ticks, labels } = byteTicks(domain[0], domain[1], count);
  return linearWithTicks(domain, range, ticks, (tick) => labels[ticks.indexOf(tick)] ?? shortBytes(tick));
}

/** A scale from 0 to just above the largest of `values` (0 to 1 when there is none), with 4 round ticks. */
export function zeroBasedScale(values: readonly number[], range: readonly [number, number]): Scale {
  const top = Math.max(...values, 0);
  const ticks = niceTicks(0, top > 0 ? top : 1, 4);
  return linearScale([0, Math.max(ticks.at(-1)!, top)], range, 4);
}

/** A byte scale from 0 to the largest of `values` (0 to 1 KB when there is none), with about 4 round ticks. */
export function zeroBasedBytesScale(values: readonly number[], range: readonly [number, number]): Scale {
  const top = Math.max(...values, 0);
  return linearBytes([0, top > 0 ? top : KiB], range, 4);
}

/**
 * Log scale over a positive domain. Ticks fall on powers of `base`, every `step`-th one so that
 * about six show: powers of ten for plain numbers; for bytes base 2, which reads 1 KB, 4 KB, 16 KB.
 */
export function logScale(domain: readonly [number, number], range: readonly [number, number], base = 10): Scale {
  const l0 = Math.log10(domain[0]);
  const l1 = Math.log10(domain[1]);
  const [r0, r1] = range;
  const span = l1 - l0 || 1;
  const scale = (value: number): number => r0 + ((Math.log10(Math.max(value, domain[0])) - l0) / span) * (r1 - r0);
  const lowest = Math.ceil(Math.log(domain[0]) / Math.log(base) - 1e-9);
  const highest = Math.floor(Math.log(domain[1]) / Math.log(base) + 1e-9);
  const step = Math.max(1, Math.ceil((highest - lowest + 1) / 6));
  const ticks: number[] = [];
  for (let p = Math.ceil(lowest / step) * step; p <= highest; p += step) ticks.push(base ** p);
  return Object.assign(scale, { ticks, log: true, tickLabel: base === 2 ? shortBytes : String });
}

/**
 * A scale for byte counts: log when they span more than 20×, since models and MCU memories go from
 * hundreds of bytes to megabytes; linear from 0 otherwise.
 */
export function bytesScale(values: readonly number[], range: readonly [number, number]): Scale {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return linearBytes([0, KiB], range, 5);
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  if (max / min > 20) return logScale([min / 1.5, max * 1.5], range, 2);
  return linearBytes([0, max * 1.1], range, 5);
}

/** Axis labels: `512 B`, `32 KB`, `1.5 MB` (1 KB = 1,024 B, as the datasheets count). */
export { shortBytes };

/** `0.9125` → `91.3 %` */
export const percent = (fraction: number): string => `${(fraction * 100).toFixed(1)} %`;

/** Step line through points sorted by x: across, then up or down to the next point. */
export function stepPath(points: readonly { x: number; y: number }[]): string {
  if (points.length === 0) return '';
  const sorted = [...points].sort((a, b) => a.x - b.x);
  let d = `M${sorted[0]!.x.toFixed(1)},${sorted[0]!.y.toFixed(1)}`;
  for (const p of sorted.slice(1)) d += ` H${p.x.toFixed(1)} V${p.y.toFixed(1)}`;
  return d;
}

/**
 * The front of one panel of the Pareto plot: the feasible points that no other feasible point beats
 * on that panel's two axes (no larger `x`, no lower accuracy, better in one), in `x` order. The
 * study's front is 3-D (accuracy, model size, working memory): a trial on it may lose on one
 * projection to a trial that needs more of the other memory, so each panel has its own 2-D front.
 */
export function projectedFront<P extends { readonly accuracy: number; readonly feasible: boolean }>(points: readonly P[], x: (p: P) => number): P[] {
  const feasible = points.filter((p) => p.feasible);
  return paretoFront(feasible.map((p) => [x(p), -p.accuracy]))
    .map((i) => feasible[i]!)
    .sort((a, b) => x(a) - x(b) || a.accuracy - b.accuracy);
}

/**
 * The staircase of a 2-D front in screen coordinates (x right, y up the page is smaller): from
 * each point across to the next one's x, then up to it, which bounds what the front attains; then on
 * to `right`, the plot's edge, since nothing further right does better than the last point.
 */
export function frontStaircase(front: readonly { x: number; y: number }[], right?: number): string {
  const path = stepPath(front);
  return path && right !== undefined && right > Math.max(...front.map((p) => p.x)) ? `${path} H${right.toFixed(1)}` : path;
}

/** Where a limit line's label goes: its anchor point and which way the text runs from it. */
export interface LimitLabelPlace {
  readonly x: number;
  readonly y: number;
  readonly anchor: 'start' | 'end';
}

/**
 * Labels for vertical limit lines at `lines[i].x`, that never overlap: each beside its line, to the
 * right when it fits inside `right`, else to the left; left to right, each goes in the lowest row
 * where it clears the labels already there by `gap`. Rows stack up from `bottom`, `rowHeight` apart:
 * the accuracy axis starts at 0, so the bottom of the plot is where no trial lies. Widths are
 * estimated at `charWidth` per character (about 5.5 px for 10 px system-ui). In the order of `lines`.
 */
export function limitLabelLayout(
  lines: readonly { readonly x: number; readonly text: string }[],
  plot: { readonly right: number; readonly bottom: number },
  { charWidth = 5.5, rowHeight = 13, offset = 4, gap = 6 } = {},
): LimitLabelPlace[] {
  const places: LimitLabelPlace[] = new Array(lines.length);
  const rows: { from: number; to: number }[][] = [];
  const order = lines.map((_, i) => i).sort((a, b) => lines[a]!.x - lines[b]!.x || a - b);
  for (const i of order) {
    const { x, text } = lines[i]!;
    const width = text.length * charWidth;
    const anchor = x + offset + width <= plot.right ? 'start' : 'end';
    const from = anchor === 'start' ? x + offset : x - offset - width;
    const to = from + width;
    let row = rows.findIndex((placed) => placed.every((p) => to + gap <= p.from || from >= p.to + gap));
    if (row === -1) row = rows.push([]) - 1;
    rows[row]!.push({ from, to });
    places[i] = { x: anchor === 'start' ? x + offset : x - offset, y: plot.bottom - offset - rowHeight * row, anchor };
  }
  return places;
}

/** Polyline path through points in the given order. */
export function linePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
