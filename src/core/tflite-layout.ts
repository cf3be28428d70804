/**
 * How a TfliteGraph becomes a flatbuffer, written once: `writeModel` makes the same calls whether
 * the writer is the exporter's (src/deploy, the `flatbuffers` runtime's Builder) or the byte
 * counter below, which repeats the Builder's arithmetic (alignment padding, vtables and their
 * de-duplication) without writing anything. So the estimator knows the exported file's exact size
 * without weights, and a test holds the two equal.
 *
 * Tables and fields follow TensorFlow's `tensorflow/lite/schema/schema.fbs` (schema version 3, as
 * of tflite-micro commit 6cdf0d7, 2025): field ids below are the schema's, counted from 0 in
 * declaration order (a union takes two: its type, then its value). The file is stripped as the
 * facts describe it (TFLM-FACTS.md): no tensor names, no description, no metadata, no signature.
 *
 * Two habits make the size a sum of per-table constants: every table starts 4-byte aligned
 * (`startTable` pads first), and fields are written widest first. A table's vtable is then the same
 * wherever it lands, so the Builder's de-duplication keeps exactly one vtable per table shape.
 */
import type { Architecture } from './architecture.ts';
import { type GraphOptions, type TfliteGraph, builtinCodes, builtinVersions, tfliteGraph } from './tflite-graph.ts';

/** The writer `writeModel` drives. Offsets are the Builder's (bytes from the end of the buffer). */
export interface FlatWriter {
  /** The bytes of constant buffer `buffer` as a `[ubyte]` vector, 16-byte aligned (force_align: 16). */
  dataVector(buffer: number, bytes: number): number;
  /** The float32 scales of tensor `tensor`'s quantisation. */
  scaleVector(tensor: number, count: number): number;
  /** The int64 zero points of tensor `tensor`'s quantisation. */
  zeroPointVector(tensor: number, count: number): number;
  int32Vector(values: readonly number[]): number;
  offsetVector(offsets: readonly number[]): number;
  /** Starts a table of `fields` field slots; `shape` names its layout for the counter's vtable reuse. */
  startTable(fields: number, shape: TableShape): void;
  addOffset(slot: number, offset: number): void;
  addInt32(slot: number, value: number): void;
  addInt8(slot: number, value: number): void;
  addFloat32(slot: number, value: number): void;
  endTable(): number;
  /** Finishes the buffer with file identifier "TFL3". */
  finish(root: number): void;
}

/**
 * The layouts of tables this file writes: one per sequence of (slot, width) writes. Tables of one
 * shape always get byte-identical vtables. Different shapes may also match (the Builder then shares
 * their vtable); the counter finds that out by comparing vtables the first time it meets a shape.
 */
export const tableShapes = [
  'emptyBuffer',
  'buffer',
  'quantization',
  'tensor',
  'tensorNoQuantization',
  'convOptions',
  'depthwiseOptions',
  'poolOptions',
  'fullyConnectedOptions',
  'reshapeOptions',
  'reducerOptions',
  'softmaxOptions',
  'operator',
  'subGraph',
  'operatorCode',
  'model',
] as const;
export type TableShape = (typeof tableShapes)[number];

/** TFLite TensorType values (schema.fbs `enum TensorType`). */
const tensorTypes = { int32: 2, int8: 9 } as const;

/** BuiltinOptions union member values (schema.fbs `union BuiltinOptions`, NONE = 0). */
const builtinOptionTypes: Readonly<Record<GraphOptions['type'], number>> = {
  conv: 1, // Conv2DOptions
  depthwise: 2, // DepthwiseConv2DOptions
  pool: 5, // Pool2DOptions
  fullyConnected: 8, // FullyConnectedOptions
  softmax: 9, // SoftmaxOptions
  reshape: 17, // ReshapeOptions
  mean: 27, // ReducerOptions
};

/** schema.fbs `enum Padding : byte { SAME, VALID }` and `enum ActivationFunctionType` (NONE 0, RELU 1). */
const paddingValue = (padding: 'same' | 'valid'): number => (padding === 'same' ? 0 : 1);
const activationValue = (relu: boolean): number => (relu ? 1 : 0);

/** The schema version of the Model table (schema.fbs: "Version 3"). */
export const schemaVersion = 3;

type Fields = readonly (readonly [id: number, value: number])[];

/**
 * A table of `slots` fields: its int32 fields, then its offsets, then its int8 fields, in the order
 * the file has them (the Builder places each field as it is added).
 */
function scalarTable(w: FlatWriter, slots: number, name: TableShape, int32s: Fields, int8s: Fields, offsets: Fields = []): number {
  w.startTable(slots, name);
  for (const [id, value] of int32s) w.addInt32(id, value);
  for (const [id, offset] of offsets) w.addOffset(id, offset);
  for (const [id, value] of int8s) w.addInt8(id, value);
  return w.endTable();
}

function writeOptions(w: FlatWriter, options: GraphOptions): number {
  switch (options.type) {
    case 'conv': {
      // Conv2DOptions: padding 0, stride_w 1, stride_h 2, fused_activation_function 3, dilation_w_factor 4, dilation_h_factor 5.
      const { stride } = options;
      return scalarTable(w, 6, 'convOptions', [[1, stride], [2, stride], [4, 1], [5, 1]], [[0, paddingValue(options.padding)], [3, activationValue(options.relu)]]);
    }
    case 'depthwise': {
      // DepthwiseConv2DOptions: padding 0, stride_w 1, stride_h 2, depth_multiplier 3, fused_activation_function 4, dilation_w 5, dilation_h 6.
      const { stride } = options;
      return scalarTable(w, 7, 'depthwiseOptions', [[1, stride], [2, stride], [3, 1], [5, 1], [6, 1]], [[0, paddingValue(options.padding)], [4, activationValue(options.relu)]]);
    }
    case 'pool': {
      // Pool2DOptions: padding 0, stride_w 1, stride_h 2, filter_width 3, filter_height 4, fused_activation_function 5.
      const { size } = options;
      return scalarTable(w, 6, 'poolOptions', [[1, size], [2, size], [3, size], [4, size]], [[0, paddingValue('valid')], [5, 0]]);
    }
    case 'fullyConnected': {
      // FullyConnectedOptions: fused_activation_function 0, weights_format 1, keep_num_dims 2.
      return scalarTable(w, 3, 'fullyConnectedOptions', [], [[0, activationValue(options.relu)], [1, 0], [2, 0]]);
    }
    case 'reshape': {
      // ReshapeOptions: new_shape 0.
      const newShape = w.int32Vector(options.newShape);
      w.startTable(1, 'reshapeOptions');
      w.addOffset(0, newShape);
      return w.endTable();
    }
    case 'mean': {
      // ReducerOptions: keep_dims 0.
      return scalarTable(w, 1, 'reducerOptions', [], [[0, 0]]);
    }
    case 'softmax': {
      // SoftmaxOptions: beta 0.
      w.startTable(1, 'softmaxOptions');
      w.addFloat32(0, 1);
      return w.endTable();
    }
  }
}

/** Writes the whole model; returns nothing: the writer holds the result. */
export function writeModel(w: FlatWriter, graph: TfliteGraph): void {
  // Children before parents: the Builder writes back to front.
  const buffers: number[] = [];
  for (let b = 0; b < graph.buffers.length; b++) {
    const bytes = graph.buffers[b]!;
    if (bytes === 0) {
      w.startTable(1, 'emptyBuffer');
      buffers.push(w.endTable());
      continue;
    }
    const data = w.dataVector(b, bytes);
    // Buffer: data 0.
    w.startTable(1, 'buffer');
    w.addOffset(0, data);
    buffers.push(w.endTable());
  }

  const tensors: number[] = [];
  graph.tensors.forEach((tensor, index) => {
    const shape = w.int32Vector(tensor.shape);
    let quantization = 0;
    if (tensor.quantCount > 0) {
      const scale = w.scaleVector(index, tensor.quantCount);
      const zeroPoint = w.zeroPointVector(index, tensor.quantCount);
      // QuantizationParameters: min 0, max 1, scale 2, zero_point 3, details_type 4, details 5, quantized_dimension 6.
      w.startTable(7, 'quantization');
      w.addOffset(2, scale);
      w.addOffset(3, zeroPoint);
      w.addInt32(6, tensor.quantizedDimension);
      quantization = w.endTable();
    }
    // Tensor: shape 0, type 1, buffer 2, name 3, quantization 4.
    w.startTable(5, quantization ? 'tensor' : 'tensorNoQuantization');
    w.addOffset(0, shape);
    w.addInt32(2, tensor.buffer);
    if (quantization) w.addOffset(4, quantization);
    w.addInt8(1, tensorTypes[tensor.type]);
    tensors.push(w.endTable());
  });

  const operators: number[] = [];
  for (const operator of graph.operators) {
    const inputs = w.int32Vector(operator.inputs);
    const outputs = w.int32Vector(operator.outputs);
    const options = writeOptions(w, operator.options);
    // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3, builtin_options 4.
    w.startTable(5, 'operator');
    w.addInt32(0, operator.opcodeIndex);
    w.addOffset(1, inputs);
    w.addOffset(2, outputs);
    w.addOffset(4, options);
    w.addInt8(3, builtinOptionTypes[operator.options.type]);
    operators.push(w.endTable());
  }

  const tensorVector = w.offsetVector(tensors);
  const inputs = w.int32Vector([graph.input]);
  const outputs = w.int32Vector([graph.output]);
  const operatorVector = w.offsetVector(operators);
  // SubGraph: tensors 0, inputs 1, outputs 2, operators 3.
  const subGraph = scalarTable(w, 4, 'subGraph', [], [], [[0, tensorVector], [1, inputs], [2, outputs], [3, operatorVector]]);

  // OperatorCode: deprecated_builtin_code 0 (byte), custom_code 1, version 2, builtin_code 3.
  const codes = graph.opcodes.map((name) => scalarTable(w, 4, 'operatorCode', [[2, builtinVersions[name]], [3, builtinCodes[name]]], [[0, builtinCodes[name]]]));
  const codeVector = w.offsetVector(codes);
  const subGraphs = w.offsetVector([subGraph]);
  const bufferVector = w.offsetVector(buffers);
  // Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
  w.finish(scalarTable(w, 5, 'model', [[0, schemaVersion]], [], [[1, codeVector], [2, subGraphs], [4, bufferVector]]));
}

/**
 * The canonical vtable of each table shape, learnt the first time a shape is met (the content does
 * not depend on where the table lands, see the file comment), and the index of the first shape with
 * the same content: shapes with equal vtables share one.
 */
const shapeVtables = new Map<TableShape, { readonly content: readonly number[]; readonly canonical: number }>();
const canonicalContents: (readonly number[])[] = [];

function sameContent(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Counts the bytes the Builder would write, mirroring its arithmetic (`flatbuffers` 25.x, mjs/builder.js:
 * prep, startVector, endObject's trimming and de-duplication, finish with a file identifier).
 */
export class ByteCounter implements FlatWriter {
  #offset = 0;
  #minAlign = 1;
  #slots: number[] = [];
  #slotCount = 0;
  #objectStart = 0;
  #shape: TableShape = 'model';
  /** Canonical vtables already written in this buffer, as a bit set. */
  #written = 0;

  get size(): number {
    return this.#offset;
  }

  #prep(size: number, additional: number): void {
    if (size > this.#minAlign) this.#minAlign = size;
    this.#offset += -(this.#offset + additional) & (size - 1);
  }

  #vector(elementSize: number, count: number, alignment: number): number {
    const bytes = elementSize * count;
    this.#prep(4, bytes);
    this.#prep(alignment, bytes);
    this.#offset += bytes + 4;
    return this.#offset;
  }

  dataVector(_buffer: number, bytes: number): number {
    return this.#vector(1, bytes, 16);
  }

  scaleVector(_tensor: number, count: number): number {
    return this.#vector(4, count, 4);
  }

  zeroPointVector(_tensor: number, count: number): number {
    return this.#vector(8, count, 8);
  }

  int32Vector(values: readonly number[]): number {
    return this.#vector(4, values.length, 4);
  }

  offsetVector(offsets: readonly number[]): number {
    return this.#vector(4, offsets.length, 4);
  }

  startTable(fields: number, shape: TableShape): void {
    this.#prep(4, 0);
    this.#slotCount = fields;
    for (let i = 0; i < fields; i++) this.#slots[i] = 0;
    this.#objectStart = this.#offset;
    this.#shape = shape;
  }

  #field(slot: number, size: number): void {
    this.#prep(size, 0);
    this.#offset += size;
    this.#slots[slot] = this.#offset;
  }

  addOffset(slot: number): void {
    this.#field(slot, 4);
  }

  addInt32(slot: number): void {
    this.#field(slot, 4);
  }

  addInt8(slot: number): void {
    this.#field(slot, 1);
  }

  addFloat32(slot: number): void {
    this.#field(slot, 4);
  }

  endTable(): number {
    this.#prep(4, 0);
    this.#offset += 4;
    const location = this.#offset;
    let known = shapeVtables.get(this.#shape);
    if (known === undefined) {
      let trimmed = this.#slotCount;
      while (trimmed > 0 && this.#slots[trimmed - 1] === 0) trimmed--;
      const content = [(trimmed + 2) * 2, location - this.#objectStart];
      for (let i = 0; i < trimmed; i++) content.push(this.#slots[i] === 0 ? 0 : location - this.#slots[i]!);
      let canonical = canonicalContents.findIndex((other) => sameContent(other, content));
      if (canonical < 0) canonical = canonicalContents.push(content) - 1;
      known = { content, canonical };
      shapeVtables.set(this.#shape, known);
    }
    const bit = 1 << known.canonical;
    if ((this.#written & bit) === 0) {
      // A new vtable: its int16s follow the table (the offset is 4-aligned, so no padding).
      this.#written |= bit;
      this.#offset += known.content.length * 2;
    }
    return location;
  }

  finish(): void {
    this.#prep(this.#minAlign, 8);
    this.#offset += 4;
    this.#prep(this.#minAlign, 4);
    this.#prep(4, 0);
    this.#offset += 4;
  }
}

/** Bytes of a table of one shape (without its vtable), of its vtable, and which shapes share that vtable. */
export interface TableLayout {
  readonly objectBytes: number;
  readonly vtableBytes: number;
  /** Shapes with the same canonical index have byte-identical vtables; the Builder writes one of them. */
  readonly canonical: number;
}

/**
 * The layout of every table shape, learnt by counting two small graphs that together hold every
 * shape (the counter's vtable cache fills as it meets them).
 */
export function tableLayouts(): Readonly<Record<TableShape, TableLayout>> {
  if (shapeVtables.size < tableShapes.length) {
    const layers = (list: unknown[]): TfliteGraph => tfliteGraph({ input: { height: 8, width: 8, channels: 1 }, classes: 2, layers: list as Architecture['layers'] });
    for (const graph of [
      layers([
        { type: 'conv', filters: 2, kernel: 3, stride: 1, padding: 'same' },
        { type: 'separableConv', filters: 2, kernel: 3, stride: 1, padding: 'same' },
        { type: 'maxPool', size: 2 },
        { type: 'avgPool', size: 2 },
        { type: 'flatten' },
        { type: 'dense', units: 2 },
      ]),
      layers([{ type: 'downsampledConv', filters: 2, bottleneck: 1, kernel: 3, stride: 1, padding: 'same' }, { type: 'globalAvgPool' }]),
    ]) {
      writeModel(new ByteCounter(), graph);
    }
  }
  const result = {} as Record<TableShape, TableLayout>;
  for (const shape of tableShapes) {
    const known = shapeVtables.get(shape);
    if (known === undefined) throw new Error(`tableLayouts: no graph wrote a "${shape}" table`);
    result[shape] = { objectBytes: known.content[1]!, vtableBytes: known.content.length * 2, canonical: known.canonical };
  }
  return result;
}

/** The exact byte size of the `.tflite` file the exporter writes for this graph. */
export function tfliteBytes(graph: TfliteGraph): number {
  const counter = new ByteCounter();
  writeModel(counter, graph);
  return counter.size;
}
