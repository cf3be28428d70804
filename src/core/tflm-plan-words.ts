/**
 * The TFLite graph and TFLM's arena plan (tflite-graph.ts, tflm-arena.ts) in words, for the
 * explanations, the arena plan chart and the CLI: operators named after the builtin and the op they
 * run (`CONV_2D · layers[0] (conv)`), and each planned buffer named after what it holds.
 */
import { opName } from './ops.ts';
import type { GraphTensor, TfliteGraph } from './tflite-graph.ts';
import type { ArenaPlan, PlannedBuffer } from './tflm-arena.ts';
import { formatCount } from './explain-format.ts';

/** What a planned buffer holds: the network input, an op's output, RESHAPE's copy, or a kernel's scratch. */
export type BufferKind = 'input' | 'activation' | 'reshape' | 'scratch';

export interface PlanRow {
  /** Index in `plan.buffers`. */
  readonly index: number;
  readonly kind: BufferKind;
  /** `output of CONV_2D · layers[0] (conv)`, `network input`, `scratch of …`. */
  readonly name: string;
  /** `26×26×8` for a tensor; `im2col`, `int32 sums` for scratch. */
  readonly what: string;
  readonly size: number;
  readonly first: number;
  readonly last: number;
  readonly offset: number;
  /** Sets the high-water mark. */
  readonly top: boolean;
}

/** `26×26×8` for a [1, 26, 26, 8] tensor, `576` for [1, 576]. */
export function tensorShapeText(tensor: GraphTensor): string {
  return tensor.shape.slice(1).map(formatCount).join('×');
}

/** `CONV_2D · layers[0] (conv)`, `RESHAPE · flatten`, `SOFTMAX`: an operator in execution order, in words. */
export function operatorLabel(graph: TfliteGraph, index: number): string {
  const operator = graph.operators[index]!;
  if (operator.op >= 0) return `${operator.builtin} · ${opName(graph.ops[operator.op]!)}`;
  return operator.builtin === 'RESHAPE' ? 'RESHAPE · flatten' : operator.builtin;
}

/** Every operator's label, in execution order. */
export function operatorLabels(graph: TfliteGraph): string[] {
  return graph.operators.map((_, index) => operatorLabel(graph, index));
}

function kindOf(graph: TfliteGraph, buffer: PlannedBuffer): BufferKind {
  if (buffer.tensor < 0) return 'scratch';
  if (buffer.operator < 0) return 'input';
  return graph.operators[buffer.operator]!.builtin === 'RESHAPE' ? 'reshape' : 'activation';
}

/** One row per planned buffer, in the planner's order of addition (tensors, then scratch). */
export function planRows(graph: TfliteGraph, plan: ArenaPlan): PlanRow[] {
  return plan.buffers.map((buffer, index): PlanRow => {
    const kind = kindOf(graph, buffer);
    let name: string;
    let what: string;
    if (kind === 'scratch') {
      const builtin = graph.operators[buffer.operator]!.builtin;
      name = `scratch of ${operatorLabel(graph, buffer.operator)}`;
      what = builtin === 'MEAN' || builtin === 'AVERAGE_POOL_2D' ? 'int32 sums' : builtin === 'DEPTHWISE_CONV_2D' ? 'int16 window' : 'im2col';
    } else {
      const tensor = graph.tensors[buffer.tensor]!;
      name = kind === 'input' ? 'network input' : kind === 'reshape' ? 'output of RESHAPE · flatten (a copy)' : `output of ${operatorLabel(graph, buffer.operator)}`;
      what = tensorShapeText(tensor);
    }
    return { index, kind, name, what, size: buffer.size, first: buffer.first, last: buffer.last, offset: buffer.offset, top: index === plan.topBuffer };
  });
}

/** `operator 3` or `operators 0–1`. */
export function lifetimeText(first: number, last: number): string {
  return first === last ? `operator ${first}` : `operators ${first}–${last}`;
}

/**
 * The buffer that sets the high-water mark, in words: `the output of MAX_POOL_2D · layers[1]
 * (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B`.
 */
export function topBufferText(graph: TfliteGraph, plan: ArenaPlan): string {
  const row = planRows(graph, plan)[plan.topBuffer];
  if (!row) return 'no buffer';
  let bytes: string;
  if (row.kind === 'scratch') {
    bytes = `${row.what}, ${formatCount(row.size)} B`;
  } else {
    const raw = graph.tensors[plan.buffers[row.index]!.tensor]!.bytes;
    const shape = row.what.includes('×') ? `${row.what} = ` : '';
    bytes = raw === row.size ? `${shape}${formatCount(raw)} B` : `${shape}${formatCount(raw)} → ${formatCount(row.size)} B`;
  }
  return `the ${row.name} (${bytes}) at offset ${formatCount(row.offset)} B`;
}
