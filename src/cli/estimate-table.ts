/** The readable per-layer table that `npm run estimate` prints without --json. */
import type { Architecture, Shape } from '../core/architecture.ts';
import { opName } from '../core/ops.ts';
import { type Accounting, type Estimate, type TargetEstimate, type Verdict, deployGraph, explainVerdict } from '../core/resources.ts';
import { formatBytes, formatCount as grouped } from '../core/units.ts';
import type { Target } from '../core/targets.ts';
import { runtimeProfiles } from '../core/runtimes.ts';
import { planArena } from '../core/tflm-arena.ts';
import { lifetimeText, operatorLabels, planRows, topBufferText } from '../core/tflm-plan-words.ts';

const shapeText = (s: Shape): string => (s.flat ? `${s.channels}` : `${s.height}×${s.width}×${s.channels}`);

/** Right-aligns numeric columns, left-aligns the first two. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c <= 1 || c === cells.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function verdictText(verdict: Verdict, target: Target): string {
  return verdict.fits ? 'fits' : `DOES NOT FIT: ${explainVerdict(verdict, target).join('; ')}`;
}

export function formatEstimateTable(file: string, architecture: Architecture, estimate: Estimate, accounting: Accounting): string {
  const { ops, paper } = estimate;
  const first = estimate.targets[0]!;
  const out: string[] = [];
  const { height, width, channels } = architecture.input;
  out.push(`${file}: input ${height}×${width}×${channels}, ${architecture.classes} classes, ${architecture.layers.length} layers → ${ops.length} ops`);

  if (accounting === 'paper') {
    out.push('Accounting: paper (SpArSe): 1 byte per non-zero weight, bias and activation; memory = input + output of the op', '');
    const rows = ops.map((op, i) => [
      String(i),
      opName(op),
      shapeText(op.output),
      grouped(op.weights + op.biases),
      grouped(op.nonzeroWeights + op.biases),
      grouped(op.macs),
      grouped(paper.ops[i]!.modelSize),
      grouped(paper.ops[i]!.workingMemory),
      i === paper.peakOp ? '◀ peak' : '',
    ]);
    rows.push(['', 'total', '', grouped(estimate.params), grouped(estimate.nonzeroParams), grouped(estimate.macs), grouped(paper.modelSizeBytes), grouped(paper.workingMemoryBytes)]);
    out.push(table(['#', 'op', 'output', 'params', 'non-zero', 'MACs', 'size B', 'memory B', ''], rows), '');
    out.push('Targets (paper):');
    for (const t of estimate.targets) {
      const v = t.verdicts.paper;
      out.push(
        `  ${t.target.id}: model size ${grouped(v.flash.used)} / ${formatBytes(v.flash.available)}, working memory ${grouped(v.sram.used)} / ${formatBytes(v.sram.available)}: ${verdictText(v, t.target)}`,
      );
    }
  } else {
    const runtime = runtimeProfiles[first.deploy.runtime];
    const basis = first.deploy.exportable
      ? 'flash in model.tflite as exported; activations = 16-aligned input + output + scratch; persistent = its share of the fitted tail'
      : 'an estimate only, no export for 8-bit AVR yet; activations = input + output';
    out.push(`Accounting: deploy: int8 on ${runtime.name}; per-op costs for ${first.target.id}: ${basis}`, '');
    const rows = ops.map((op, i) => {
      const d = first.deploy.ops[i]!;
      return [
        String(i),
        opName(op),
        shapeText(op.output),
        grouped(op.weights + op.biases),
        grouped(op.macs),
        d.weightEncoding === 'none' ? '' : d.weightEncoding,
        grouped(d.flash),
        grouped(d.scratchBytes),
        grouped(d.arena),
        grouped(d.persistent),
        i === first.deploy.peakOp ? '◀ peak' : '',
      ];
    });
    out.push(table(['#', 'op', 'output', 'params', 'MACs', 'weights', 'flash B', 'scratch B', 'activations B', 'persistent B', ''], rows), '');
    out.push('Targets (deploy):');
    for (const t of estimate.targets) out.push(...deployTotals(t));
    const planned = estimate.targets.find((t) => runtimeProfiles[t.deploy.runtime].family === 'tflm');
    if (planned) out.push('', ...arenaPlanText(estimate, planned));
  }
  return `${out.join('\n')}\n`;
}

/** A target's deploy totals, part by part. */
function deployTotals(t: TargetEstimate): string[] {
  const { flash, sram } = t.deploy;
  const v = t.verdicts.deploy;
  const name = runtimeProfiles[t.deploy.runtime].name;
  const latency = `    latency ≈ ${t.latencyMs.toFixed(1)} ms at ${t.target.clockMhz} MHz (rough: MACs × cycles per MAC / clock)`;
  if (!t.deploy.exportable) {
    return [
      `  ${t.target.id} (${name}, an estimate only: no export for 8-bit AVR yet): ${verdictText(v, t.target)}`,
      `    flash ${formatBytes(t.deploy.flashBytes)} of ${formatBytes(v.flash.available)} = model ${grouped(flash.model)} (weights ${grouped(flash.weights)} + biases ${grouped(flash.biases)} + quantization ${grouped(flash.quantization)} + op structs ${grouped(flash.graph)}) + runtime code ${grouped(flash.runtimeCode)}`,
      `    SRAM ${formatBytes(t.deploy.sramBytes)} of ${formatBytes(v.sram.available)} = activations ${grouped(sram.arena)} + runtime ${grouped(sram.runtime)}`,
      latency,
    ];
  }
  return [
    `  ${t.target.id} (${name}): ${verdictText(v, t.target)}`,
    `    flash ${formatBytes(t.deploy.flashBytes)} of ${formatBytes(v.flash.available)} = model.tflite ${grouped(flash.model)} (weights ${grouped(flash.weights)} + biases ${grouped(flash.biases)} + quantization ${grouped(flash.quantization)} + graph ${grouped(flash.graph)}) + runtime code ${grouped(flash.runtimeCode)}`,
    `    SRAM ${formatBytes(t.deploy.sramBytes)} of ${formatBytes(v.sram.available)} = arena ${grouped(sram.arena)} (greedy plan) + persistent ${grouped(sram.persistent)} + margin ${grouped(sram.margin)} + runtime ${grouped(sram.runtime)}`,
    `    arena_used_bytes() ${formatBytes(t.deploy.arenaUsedBytes)} (arena + persistent); give tensor_arena ${formatBytes(t.deploy.arenaUsedBytes + sram.margin)} (+ margin)`,
    latency,
  ];
}

/** TFLM's arena plan for one target: per operator what is alive, then every buffer and its offset. */
function arenaPlanText(estimate: Estimate, t: TargetEstimate): string[] {
  const runtime = runtimeProfiles[t.deploy.runtime];
  const graph = deployGraph(estimate);
  const plan = planArena(graph, runtime.scratch);
  const labels = operatorLabels(graph);
  const operators = labels.map((label, i) => [
    String(i),
    label,
    grouped(plan.perOperator[i]!.liveBytes),
    grouped(plan.perOperator[i]!.top),
    plan.perOperator[i]!.top === plan.nonPersistentBytes ? '◀ high-water mark' : '',
  ]);
  const buffers = planRows(graph, plan).map((row) => [
    String(row.index),
    row.name,
    row.what,
    grouped(row.size),
    lifetimeText(row.first, row.last),
    grouped(row.offset),
    row.top ? `◀ top: ${grouped(row.offset + row.size)}` : '',
  ]);
  return [
    `Arena plan on ${t.target.id} (${runtime.name}): TFLM's GreedyMemoryPlanner places the buffers largest first, each at the lowest offset free for its lifetime; a flatten (RESHAPE) copies into its own buffer.`,
    `High-water mark ${formatBytes(plan.nonPersistentBytes)}, set by ${topBufferText(graph, plan)}.`,
    '',
    table(['#', 'operator', 'live B', 'top B', ''], operators),
    '',
    table(['#', 'buffer', 'holds', 'size B', 'alive during', 'offset B', ''], buffers),
  ];
}
