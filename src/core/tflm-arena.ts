/**
 * The tensor arena TensorFlow Lite Micro allocates for an exported graph (TFLM-FACTS.md, "The arena"):
 *
 * - The non-persistent head: every activation tensor (and each kernel's scratch buffer) gets a
 *   16-aligned buffer for its lifetime, from the operator that writes it to the last one that reads
 *   it, placed by TFLM's GreedyMemoryPlanner (tensorflow/lite/micro/memory_planner/
 *   greedy_memory_planner.cc): buffers sorted by size, largest first (a stable sort of the buffers
 *   in reverse order of addition, so the later-added of two equal buffers goes first), each at the
 *   lowest offset where it overlaps no placed buffer that is alive at the same time. RESHAPE is a
 *   copy into its own buffer, so a flatten holds its input and output at once.
 * - Scratch: of the reference kernels our graphs use, only MEAN asks for one (int32 sums, one per
 *   output element; tensorflow/lite/micro/kernels/reduce.cc), alive during MEAN alone. Optimised
 *   kernels (CMSIS-NN) ask for more: runtimes.ts sizes them. Scratch buffers are added after the
 *   tensors, in operator order.
 * - The persistent tail, fitted over 13 measured nets (largest miss 65 B):
 *   178 B + 118 B × operators + 12 B × tensors + 8 B × output channels of conv, depthwise and
 *   pointwise operators. SOFTMAX and RESHAPE count as operators; constant tensors count as tensors.
 */
import { type ScratchModel, scratchBytes } from './runtimes.ts';
import type { TfliteGraph } from './tflite-graph.ts';
import { alignUp } from './units.ts';

/** TFLM's MicroArenaBufferAlignment(). */
export const arenaAlignment = 16;

/** The fit of the persistent tail (TFLM-FACTS.md). */
export const persistentFit = { base: 178, perOperator: 118, perTensor: 12, perChannel: 8 } as const;

/**
 * How much more than `arena_used_bytes()` to configure: TFLM-FACTS.md measured the smallest arena
 * that lets AllocateTensors() succeed at up to 300 B more on nets under about 2 KB (Prepare's
 * temporaries), within ±8 B on larger ones, and warns that a few bytes too few can crash the
 * reference conv kernel. We add 512 B, or 1/16 of the arena where that is more.
 */
export function arenaMargin(arenaBytes: number): number {
  return Math.max(512, alignUp(arenaBytes / 16, arenaAlignment));
}

export interface PlannedBuffer {
  /** The tensor it holds, or −1 for a kernel's scratch buffer. */
  readonly tensor: number;
  /** The operator a scratch buffer belongs to; for a tensor, the one that writes it (−1: the input). */
  readonly operator: number;
  /** 16-aligned bytes. */
  readonly size: number;
  /** First and last operator (inclusive) during which it must stay. */
  readonly first: number;
  readonly last: number;
  /** Offset in the arena, as the greedy planner places it. */
  readonly offset: number;
}

export interface ArenaPlan {
  readonly buffers: readonly PlannedBuffer[];
  /** The planner's high-water mark: max over buffers of offset + size. */
  readonly nonPersistentBytes: number;
  readonly persistentBytes: number;
  /** What `arena_used_bytes()` reports: non-persistent + persistent. */
  readonly arenaBytes: number;
  /** The buffer whose end sets the high-water mark (the first, on a tie). */
  readonly topBuffer: number;
  /** Per operator: bytes of buffers alive while it runs, and the top of the highest one. */
  readonly perOperator: readonly { readonly liveBytes: number; readonly top: number }[];
}

/** Scratch bytes operator `index` asks the planner for: MEAN's sums, and the kernels' own (CMSIS-NN's im2col). */
export function operatorScratch(graph: TfliteGraph, index: number, scratch: ScratchModel): number {
  const operator = graph.operators[index]!;
  if (operator.builtin === 'MEAN') return 4 * graph.tensors[operator.outputs[0]!]!.bytes;
  if (operator.op < 0 || operator.builtin === 'FULLY_CONNECTED' || operator.builtin === 'MAX_POOL_2D') return 0;
  const op = graph.ops[operator.op]!;
  return scratchBytes(scratch, op.kernelKind, op.input.channels, op.kernel, op.stride);
}

/** Sizes and lifetimes of the buffers TFLM plans, in the order it adds them (tensors, then scratch). */
function requirements(graph: TfliteGraph, scratch: ScratchModel): { tensor: number; operator: number; size: number; first: number; last: number }[] {
  const last = graph.operators.length - 1;
  const firstUse = new Array<number>(graph.tensors.length).fill(-1);
  const lastUse = new Array<number>(graph.tensors.length).fill(-1);
  firstUse[graph.input] = 0;
  graph.operators.forEach((operator, index) => {
    for (const t of operator.inputs) lastUse[t] = index;
    for (const t of operator.outputs) if (firstUse[t]! < 0) firstUse[t] = index;
  });
  lastUse[graph.output] = last;
  const result: { tensor: number; operator: number; size: number; first: number; last: number }[] = [];
  graph.tensors.forEach((tensor, index) => {
    if (tensor.buffer !== 0) return;
    result.push({ tensor: index, operator: tensor.operator, size: alignUp(tensor.bytes, arenaAlignment), first: firstUse[index]!, last: Math.max(lastUse[index]!, firstUse[index]!) });
  });
  graph.operators.forEach((_, index) => {
    const bytes = operatorScratch(graph, index, scratch);
    if (bytes > 0) result.push({ tensor: -1, operator: index, size: alignUp(bytes, arenaAlignment), first: index, last: index });
  });
  return result;
}

/** Places buffers as TFLM's GreedyMemoryPlanner does; returns each buffer's offset, in input order. */
export function greedyOffsets(buffers: readonly { readonly size: number; readonly first: number; readonly last: number }[]): number[] {
  const n = buffers.length;
  // Filled from the tail, then stable-sorted by size, descending (ReverseSortInPlace).
  const order = Array.from({ length: n }, (_, i) => n - 1 - i);
  let swapped = true;
  while (swapped) {
    swapped = false;
    for (let i = 1; i < n; i++) {
      if (buffers[order[i - 1]!]!.size < buffers[order[i]!]!.size) {
        const t = order[i - 1]!;
        order[i - 1] = order[i]!;
        order[i] = t;
        swapped = true;
      }
    }
  }
  const offsets = new Array<number>(n).fill(-1);
  // Placed buffers, sorted by offset (new ones go after those with an equal offset).
  const placed: number[] = [];
  for (const id of order) {
    const wanted = buffers[id]!;
    let candidate = 0;
    for (const other of placed) {
      const b = buffers[other]!;
      if (b.first > wanted.last || wanted.first > b.last) continue;
      if (offsets[other]! - candidate >= wanted.size) break;
      candidate = Math.max(candidate, offsets[other]! + b.size);
    }
    offsets[id] = candidate;
    let at = 0;
    while (at < placed.length && offsets[placed[at]!]! <= candidate) at++;
    placed.splice(at, 0, id);
  }
  return offsets;
}

/** Output channels of the operators whose kernels keep a multiplier and shift per channel. */
function perChannelOutputs(graph: TfliteGraph): number {
  let channels = 0;
  for (const operator of graph.operators) {
    if (operator.builtin === 'CONV_2D' || operator.builtin === 'DEPTHWISE_CONV_2D') {
      const shape = graph.tensors[operator.outputs[0]!]!.shape;
      channels += shape[shape.length - 1]!;
    }
  }
  return channels;
}

/** The persistent tail by the fit of TFLM-FACTS.md. */
export function persistentBytes(graph: TfliteGraph): number {
  return persistentFit.base + persistentFit.perOperator * graph.operators.length + persistentFit.perTensor * graph.tensors.length + persistentFit.perChannel * perChannelOutputs(graph);
}

/** The whole arena plan of a graph; `scratch` says which kernels ask for scratch (reference: none). */
export function planArena(graph: TfliteGraph, scratch: ScratchModel = 'none'): ArenaPlan {
  const wanted = requirements(graph, scratch);
  const offsets = greedyOffsets(wanted);
  let top = 0;
  let topBuffer = 0;
  const buffers = wanted.map((b, i): PlannedBuffer => {
    const offset = offsets[i]!;
    if (offset + b.size > top) {
      top = offset + b.size;
      topBuffer = i;
    }
    return { ...b, offset };
  });
  const perOperator = graph.operators.map((_, index) => {
    let liveBytes = 0;
    let highest = 0;
    for (const b of buffers) {
      if (b.first > index || b.last < index) continue;
      liveBytes += b.size;
      highest = Math.max(highest, b.offset + b.size);
    }
    return { liveBytes, top: highest };
  });
  const persistent = persistentBytes(graph);
  return { buffers, nonPersistentBytes: top, persistentBytes: persistent, arenaBytes: top + persistent, topBuffer, perOperator };
}
