/**
 * What the plain-SVG charts share: the point types the Pareto plot takes, linear and log scales with
 * readable ticks, and short axis labels. No chart library: a scale is a function and its ticks.
 */

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
  const [d0, d1] = domain;
  const [r0, r1] = range;
  const span = d1 - d0 || 1;
  const scale = (value: number): number => r0 + ((value - d0) / span) * (r1 - r0);
  return Object.assign(scale, { ticks: niceTicks(d0, d1, tickCount), log: false });
}

/** A scale from 0 to just above the largest of `values` (0 to 1 when there is none), with 4 round ticks. */
export function zeroBasedScale(values: readonly number[], range: readonly [number, number]): Scale {
  const top = Math.max(...values, 0);
  const ticks = niceTicks(0, top > 0 ? top : 1, 4);
  return linearScale([0, Math.max(ticks.at(-1)!, top)], range, 4);
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
  return Object.assign(scale, { ticks, log: true });
}

/**
 * A scale for byte counts: log when they span more than 20×, since models and MCU memories go from
 * hundreds of bytes to megabytes; linear from 0 otherwise.
 */
export function bytesScale(values: readonly number[], range: readonly [number, number]): Scale {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return linearScale([0, 1], range);
  const min = Math.min(...positive);
  const max = Math.max(...positive);
  if (max / min > 20) return logScale([min / 1.5, max * 1.5], range, 2);
  return linearScale([0, max * 1.1], range);
}

/** Axis labels: `512 B`, `32 KB`, `1.5 MB` (1 KB = 1,024 B, as the datasheets count). */
export { shortBytes } from '../core/units.ts';

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

/** Polyline path through points in the given order. */
export function linePath(points: readonly { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
}
