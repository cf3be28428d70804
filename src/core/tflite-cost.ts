/**
 * The deploy numbers of an exported graph, computed the fast way for the estimator, which screens
 * hundreds of thousands of candidates a second: the `.tflite` size, the TFLM arena plan's
 * high-water mark and the persistent tail, from the ops alone, with no graph objects, no weights
 * and no allocation. It walks the graph of tflite-graph.ts in the order of `writeModel`
 * (tflite-layout.ts) and plans it as tflm-arena.ts does; tests hold all three equal to the slow,
 * readable versions (and the size equal to the exporter's file) over thousands of architectures.
 */
import type { Architecture } from './architecture.ts';
import type { Measurement, Op } from './ops.ts';
import { type ScratchModel, scratchBytes, tflmReferenceCode } from './runtimes.ts';
import { tfliteGraph } from './tflite-graph.ts';
import { type TableShape, tableLayouts, tfliteBytes } from './tflite-layout.ts';
import { persistentFit, planArena } from './tflm-arena.ts';

/** What the estimator needs of an exported graph. */
export interface TfliteCost {
  /** The exact size of the exported `.tflite`. */
  readonly tfliteBytes: number;
  /** Constant data in it: int8 weights, int32 biases, and the (float32 scale + int64 zero point) pairs. */
  readonly weightBytes: number;
  readonly biasBytes: number;
  readonly quantValues: number;
  readonly operators: number;
  readonly tensors: number;
  /** The greedy plan's high-water mark (TFLM's non-persistent head). */
  readonly nonPersistentBytes: number;
  readonly persistentBytes: number;
  /** The TFLite operator (index in execution order) that writes the buffer reaching the high-water mark. */
  readonly topOperator: number;
  /** The op of `ops` that operator runs (a RESHAPE counts as the op before it, SOFTMAX as the classifier). */
  readonly topOp: number;
  /** Which builtins the graph has beyond FULLY_CONNECTED and SOFTMAX, which every graph has. */
  readonly uses: { readonly conv: boolean; readonly depthwise: boolean; readonly reshape: boolean; readonly mean: boolean; readonly maxPool: boolean; readonly avgPool: boolean };
  /** TFLM's code for the kernels it uses (runtimes.ts, reference kernels on Cortex-M4). */
  readonly codeBytes: number;
}

const CONV = 0;
const DEPTHWISE = 1;
const FULLY_CONNECTED = 2;
const MAX_POOL = 3;
const AVG_POOL = 4;
const MEAN = 5;
const RESHAPE = 6;
const SOFTMAX = 7;

// Scratch space, reused by every call: ops ≤ 2 per layer + the classifier, softmax and one reshape.
const capacity = 1024;
const kinds = new Uint8Array(capacity);
const outputBytes = new Int32Array(capacity);
const outputRank = new Uint8Array(capacity);
const weights = new Int32Array(capacity);
const channels = new Int32Array(capacity);
const scratch = new Int32Array(capacity);
const sourceOps = new Int32Array(capacity);
/** Sizes, first and last use of the planned buffers, then the planner's working arrays. */
const sizes = new Int32Array(capacity * 2);
const firsts = new Int32Array(capacity * 2);
const lasts = new Int32Array(capacity * 2);
const owners = new Int32Array(capacity * 2);
const order = new Int32Array(capacity * 2);
const offsets = new Int32Array(capacity * 2);
const placed = new Int32Array(capacity * 2);

// Table shapes by number, and [object bytes, vtable bytes, canonical bit] per shape.
const EMPTY_BUFFER = 0;
const BUFFER = 1;
const QUANTIZATION = 2;
const TENSOR = 3;
const TENSOR_NO_QUANTIZATION = 4;
const OPERATOR = 5;
const SUB_GRAPH = 6;
const OPERATOR_CODE = 7;
const MODEL = 8;
const shapeNumbers: readonly TableShape[] = [
  'emptyBuffer', 'buffer', 'quantization', 'tensor', 'tensorNoQuantization', 'operator', 'subGraph', 'operatorCode', 'model',
  'convOptions', 'depthwiseOptions', 'fullyConnectedOptions', 'poolOptions', 'reducerOptions', 'reshapeOptions', 'softmaxOptions',
];
/** The options table of each operator kind (CONV … SOFTMAX). */
const OPTIONS_OF = Int32Array.of(9, 10, 11, 12, 12, 13, 14, 15);
let layoutTable: Int32Array | undefined;

function loadLayouts(): Int32Array {
  const layouts = tableLayouts();
  const table = new Int32Array(3 * shapeNumbers.length);
  shapeNumbers.forEach((name, i) => {
    table[3 * i] = layouts[name].objectBytes;
    table[3 * i + 1] = layouts[name].vtableBytes;
    table[3 * i + 2] = 1 << layouts[name].canonical;
  });
  return table;
}

/** Above this many bytes of tensors in all, tfliteCost takes the readable path (int32 would overflow). */
const largestFast = 2 ** 28;

/** The same numbers from the graph itself (tflite-graph.ts, tflite-layout.ts, tflm-arena.ts). */
function slowCost(architecture: Architecture, ops: readonly Op[], scratchModel: ScratchModel): TfliteCost {
  const graph = tfliteGraph(architecture, measurementOfOps(architecture, ops));
  const plan = planArena(graph, scratchModel);
  let weightBytes = 0;
  let biasBytes = 0;
  let quantValues = 0;
  let bits = 0;
  const kindOf: Record<string, number> = { CONV_2D: CONV, DEPTHWISE_CONV_2D: DEPTHWISE, FULLY_CONNECTED: FULLY_CONNECTED, MAX_POOL_2D: MAX_POOL, AVERAGE_POOL_2D: AVG_POOL, MEAN, RESHAPE, SOFTMAX };
  for (const tensor of graph.tensors) {
    if (tensor.role === 'weights') weightBytes += tensor.bytes;
    if (tensor.role === 'bias') biasBytes += tensor.bytes;
    quantValues += tensor.quantCount;
  }
  for (const operator of graph.operators) bits |= 1 << kindOf[operator.builtin]!;
  const top = plan.buffers[plan.topBuffer]!;
  const topOperator = Math.max(0, top.operator);
  const source = graph.operators[topOperator]!;
  return {
    tfliteBytes: tfliteBytes(graph),
    weightBytes,
    biasBytes,
    quantValues,
    operators: graph.operators.length,
    tensors: graph.tensors.length,
    nonPersistentBytes: plan.nonPersistentBytes,
    persistentBytes: plan.persistentBytes,
    topOperator,
    topOp: source.op >= 0 ? source.op : source.builtin === 'SOFTMAX' ? ops.length - 1 : Math.max(0, graph.operators.slice(0, topOperator).reduce((last, o) => (o.op >= 0 ? o.op : last), 0)),
    codeBytes: codeOf(bits),
    uses: usesOf(bits),
  };
}

/** The channel counts of `ops` as a measurement, so that the graph has the ops' (pruned) shapes. */
function measurementOfOps(architecture: Architecture, ops: readonly Op[]): Measurement {
  const measurement: { channels?: number; bottleneck?: number }[] = architecture.layers.map(() => ({}));
  for (const op of ops) {
    const layer = architecture.layers[op.layerIndex];
    if (layer === undefined) continue;
    if (layer.type === 'downsampledConv' && op.kind === 'pointwise') measurement[op.layerIndex]!.bottleneck = op.output.channels;
    else if (op.kind !== 'pool' && op.kind !== 'depthwise') measurement[op.layerIndex]!.channels = op.output.channels;
  }
  return measurement;
}

/** Which builtins a graph has, from the bits of the kinds used. */
function usesOf(bits: number): TfliteCost['uses'] {
  return {
    conv: (bits & (1 << CONV)) !== 0,
    depthwise: (bits & (1 << DEPTHWISE)) !== 0,
    reshape: (bits & (1 << RESHAPE)) !== 0,
    mean: (bits & (1 << MEAN)) !== 0,
    maxPool: (bits & (1 << MAX_POOL)) !== 0,
    avgPool: (bits & (1 << AVG_POOL)) !== 0,
  };
}

/** Code bytes by the bits of the kinds used (tflmCodeBytes without building a set). */
function codeOf(used: number): number {
  const k = tflmReferenceCode.kernels;
  let bytes = tflmReferenceCode.interpreter + tflmReferenceCode.shared + k.dense + k.softmax;
  if (used & (1 << CONV)) bytes += k.conv;
  if (used & (1 << DEPTHWISE)) bytes += k.depthwise;
  if (used & (1 << MAX_POOL)) bytes += k.maxPool;
  if (used & (1 << AVG_POOL)) bytes += k.avgPool;
  if (used & (1 << MEAN)) bytes += k.mean;
  if (used & (1 << RESHAPE)) bytes += k.reshape;
  return bytes;
}

/** The canonical vtables written so far in the current file, as a bit set. */
const vtablesWritten = new Int32Array(1);

/** A table at offset `o`: 4-align, the object, and its vtable the first time that vtable is met. */
function table(o: number, shape: number): number {
  const layout = layoutTable!;
  const bit = layout[3 * shape + 2]!;
  const end = ((o + 3) & ~3) + layout[3 * shape]!;
  if ((vtablesWritten[0]! & bit) !== 0) return end;
  vtablesWritten[0] = vtablesWritten[0]! | bit;
  return end + layout[3 * shape + 1]!;
}

/**
 * One quantised tensor, as writeModel writes it: its shape vector (`shapeBytes` with the length),
 * `q` scales, `q` int64 zero points (8-aligned), the quantisation table and the tensor table.
 */
function quantisedTensor(o: number, shapeBytes: number, q: number): number {
  o = ((o + 3) & ~3) + shapeBytes;
  o = ((o + 3) & ~3) + 4 * q + 4;
  o = ((o + 7) & ~7) + 8 * q + 4;
  return table(table(o, QUANTIZATION), TENSOR);
}

/** Operators pushed so far, and a bit per kind used. */
let n = 0;
let used = 0;

function push(kind: number, bytes: number, rank: number, w: number, c: number, scratchBytes: number, source: number): void {
  if (n >= capacity - 2) throw new Error(`tfliteCost: more than ${capacity - 2} operators`);
  kinds[n] = kind;
  outputBytes[n] = bytes;
  outputRank[n] = rank;
  weights[n] = w;
  channels[n] = c;
  scratch[n] = scratchBytes;
  sourceOps[n] = source;
  used |= 1 << kind;
  n++;
}

/**
 * The deploy cost of an architecture's exported graph from its ops (expandOps, pruning's
 * measurement applied). Matches tfliteBytes(tfliteGraph(…)) and planArena(…) exactly.
 */
export function tfliteCost(architecture: Architecture, ops: readonly Op[], scratchModel: ScratchModel = 'none'): TfliteCost {
  layoutTable ??= loadLayouts();
  // The fast path counts in int32; a network with hundreds of megabytes of tensors (no
  // microcontroller's) takes the readable path, whose arithmetic holds for any size.
  const inputBytes = architecture.input.height * architecture.input.width * architecture.input.channels;
  let largest = inputBytes;
  for (const op of ops) largest += op.weights + 4 * op.biases + op.outputElements;
  if (largest > largestFast) return slowCost(architecture, ops, scratchModel);
  const layers = architecture.layers;
  // 1. The operator sequence of tfliteGraph, as flat arrays.
  n = 0;
  used = 0;
  let cursor = 0;
  let constants = 0;
  let weightBytes = 0;
  let biasBytes = 0;
  let quantValues = 1; // the input's pair
  let perChannel = 0;
  let currentBytes = architecture.input.height * architecture.input.width * architecture.input.channels;
  for (let layerIndex = 0; layerIndex <= layers.length; layerIndex++) {
    if (layerIndex < layers.length && layers[layerIndex]!.type === 'flatten') {
      push(RESHAPE, currentBytes, 2, 0, 0, 0, Math.max(0, cursor - 1));
      quantValues += 1;
      continue;
    }
    for (; cursor < ops.length && ops[cursor]!.layerIndex === layerIndex; cursor++) {
      const op = ops[cursor]!;
      const out = op.outputElements;
      const rank = op.output.flat ? 2 : 4;
      const c = op.output.channels;
      if (op.kind === 'conv' || op.kind === 'pointwise' || op.kind === 'depthwise') {
        push(op.kind === 'depthwise' ? DEPTHWISE : CONV, out, rank, op.weights, c, scratchBytes(scratchModel, op.kernelKind, op.input.channels, op.kernel, op.stride), cursor);
        constants += 2;
        weightBytes += op.weights;
        biasBytes += 4 * c;
        quantValues += 2 * c + 1;
        perChannel += c;
      } else if (op.kind === 'dense') {
        push(FULLY_CONNECTED, out, rank, op.weights, c, 0, cursor);
        constants += 2;
        weightBytes += op.weights;
        biasBytes += 4 * c;
        quantValues += 3;
      } else if (op.layerType === 'globalAvgPool') {
        push(MEAN, out, rank, 0, c, 4 * out, cursor);
        constants += 1;
        quantValues += 1;
      } else {
        push(op.kernelKind === 'maxPool' ? MAX_POOL : AVG_POOL, out, rank, 0, c, op.kernelKind === 'maxPool' ? 0 : scratchBytes(scratchModel, 'avgPool', op.input.channels, op.kernel, op.stride), cursor);
        quantValues += 1;
      }
      currentBytes = out;
    }
  }
  push(SOFTMAX, architecture.classes, 2, 0, architecture.classes, 0, ops.length - 1);
  quantValues += 1;
  const opCount = n;
  const tensors = 1 + opCount + constants;

  // 2. The file, in writeModel's order, with the Builder's arithmetic inlined (see ByteCounter in
  // tflite-layout.ts): `o` is the offset, 4-aligned after every vector; `w` the vtables written.
  let o = 0;
  vtablesWritten[0] = 0;
  o = table(o, EMPTY_BUFFER);
  for (let i = 0; i < opCount; i++) {
    const kind = kinds[i]!;
    if (kind === CONV || kind === DEPTHWISE || kind === FULLY_CONNECTED) {
      // Weights (16-aligned bytes), then the int32 bias (a multiple of 4, so 4-alignment is enough to
      // decide the 16-alignment pad too).
      const bytes = weights[i]!;
      o += (-(o + bytes) & 3);
      o += (-(o + bytes) & 15) + bytes + 4;
      o = table(o, BUFFER);
      const biasBytes = 4 * channels[i]!;
      o = ((o + 3) & ~3);
      o += (-(o + biasBytes) & 15) + biasBytes + 4;
      o = table(o, BUFFER);
    } else if (kind === MEAN) {
      o = ((o + 3) & ~3);
      o += (-(o + 8) & 15) + 12;
      o = table(o, BUFFER);
    }
  }
  // Tensors: the input (rank 4, one scale), then per op its weights and bias (one scale a channel,
  // or one for FULLY_CONNECTED), MEAN's axes, and its output.
  o = quantisedTensor(o, 20, 1);
  for (let i = 0; i < opCount; i++) {
    const kind = kinds[i]!;
    if (kind === CONV || kind === DEPTHWISE || kind === FULLY_CONNECTED) {
      const q = kind === FULLY_CONNECTED ? 1 : channels[i]!;
      o = quantisedTensor(o, kind === FULLY_CONNECTED ? 12 : 20, q);
      o = quantisedTensor(o, 8, q);
    } else if (kind === MEAN) {
      o = ((o + 3) & ~3) + 8;
      o = table(o, TENSOR_NO_QUANTIZATION);
    }
    o = quantisedTensor(o, 4 * outputRank[i]! + 4, 1);
  }
  // Operators: inputs, outputs, options, operator.
  for (let i = 0; i < opCount; i++) {
    const kind = kinds[i]!;
    o = ((o + 3) & ~3) + (kind === CONV || kind === DEPTHWISE || kind === FULLY_CONNECTED ? 16 : kind === MEAN ? 12 : 8);
    o = ((o + 3) & ~3) + 8;
    if (kind === RESHAPE) o = ((o + 3) & ~3) + 12;
    o = table(o, OPTIONS_OF[kind]!);
    o = table(o, OPERATOR);
  }
  o = ((o + 3) & ~3) + 4 * tensors + 4;
  o = ((o + 3) & ~3) + 8;
  o = ((o + 3) & ~3) + 8;
  o = ((o + 3) & ~3) + 4 * opCount + 4;
  o = table(o, SUB_GRAPH);
  let distinct = 0;
  // conv and pointwise share CONV_2D: kinds are already builtins.
  for (let bits = used; bits !== 0; bits &= bits - 1) distinct++;
  for (let i = 0; i < distinct; i++) o = table(o, OPERATOR_CODE);
  o = ((o + 3) & ~3) + 4 * distinct + 4;
  o = ((o + 3) & ~3) + 8;
  o = ((o + 3) & ~3) + 4 * (1 + constants) + 4;
  o = table(o, MODEL);
  // finish(): the data buffers made the largest alignment 16.
  o += (-(o + 8) & 15) + 4;
  o += -(o + 4) & 15;
  o = ((o + 3) & ~3) + 4;
  const tfliteBytes = o;

  // 3. The arena: activations in tensor order (input, then each operator's output), then scratch.
  // (Locals, not module state, in the loops: V8 keeps them in registers.)
  let m = 0;
  sizes[m] = (inputBytes + 15) & ~15;
  firsts[m] = 0;
  lasts[m] = 0;
  owners[m++] = -1;
  for (let i = 0; i < opCount; i++, m++) {
    sizes[m] = (outputBytes[i]! + 15) & ~15;
    firsts[m] = i;
    lasts[m] = i === opCount - 1 ? i : i + 1;
    owners[m] = i;
  }
  for (let i = 0; i < opCount; i++) {
    if (scratch[i]! === 0) continue;
    sizes[m] = (scratch[i]! + 15) & ~15;
    firsts[m] = i;
    lasts[m] = i;
    owners[m++] = i;
  }
  const count = m;
  // TFLM fills its list from the tail and bubble-sorts it by size, descending; a stable insertion
  // sort of the reversed list gives the same order.
  for (let i = 0; i < count; i++) {
    const id = count - 1 - i;
    const size = sizes[id]!;
    let at = i;
    while (at > 0 && sizes[order[at - 1]!]! < size) {
      order[at] = order[at - 1]!;
      at--;
    }
    order[at] = id;
  }
  let placedCount = 0;
  for (let k = 0; k < count; k++) {
    const id = order[k]!;
    const size = sizes[id]!;
    const first = firsts[id]!;
    const last = lasts[id]!;
    let candidate = 0;
    for (let p = 0; p < placedCount; p++) {
      const other = placed[p]!;
      if (firsts[other]! > last || first > lasts[other]!) continue;
      if (offsets[other]! - candidate >= size) break;
      const end = offsets[other]! + sizes[other]!;
      if (end > candidate) candidate = end;
    }
    offsets[id] = candidate;
    let at = placedCount;
    while (at > 0 && offsets[placed[at - 1]!]! > candidate) {
      placed[at] = placed[at - 1]!;
      at--;
    }
    placed[at] = id;
    placedCount++;
  }
  // The first buffer, in the order they were added, whose end is the high-water mark.
  let top = 0;
  let topOwner = -1;
  for (let id = 0; id < count; id++) {
    if (offsets[id]! + sizes[id]! > top) {
      top = offsets[id]! + sizes[id]!;
      topOwner = owners[id]!;
    }
  }
  const persistentBytes = persistentFit.base + persistentFit.perOperator * opCount + persistentFit.perTensor * tensors + persistentFit.perChannel * perChannel;
  return {
    tfliteBytes,
    weightBytes,
    biasBytes,
    quantValues,
    operators: opCount,
    tensors,
    nonPersistentBytes: top,
    persistentBytes,
    topOperator: topOwner < 0 ? 0 : topOwner,
    topOp: topOwner < 0 ? 0 : sourceOps[topOwner]!,
    codeBytes: codeOf(used),
    uses: usesOf(used),
  };
}
