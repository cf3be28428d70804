/**
 * What the bytes of an exported `.tflite` are, for the explanations: `writeModel` (tflite-layout.ts)
 * is run through the byte counter once more, and each byte is put where it belongs: constant data
 * (weights, biases, MEAN's axes), quantisation values (float32 scales, int64 zero points), the
 * flatbuffer's tables with their vtables, the elements of the shape and index vectors, the 4-byte
 * length of every vector, alignment padding between them, and the 8-byte header. The parts add up
 * to `tfliteBytes(graph)` exactly; screening never calls this (it builds the graph and the writes).
 */
import type { TfliteGraph } from './tflite-graph.ts';
import { ByteCounter, type FlatWriter, type TableShape, writeModel } from './tflite-layout.ts';

export interface TfliteParts {
  /** The whole file: tfliteBytes(graph). */
  readonly bytes: number;
  /** int8 weights and int32 biases of the constant buffers. */
  readonly weights: number;
  readonly biases: number;
  /** MEAN's int32 axis constants (8 B each). */
  readonly axes: number;
  /** Scale/zero-point pairs and their bytes (4 + 8 each). */
  readonly quantPairs: number;
  readonly quantization: number;
  /** Table objects (Model, SubGraph, Tensor, Operator, options, …) and their de-duplicated vtables. */
  readonly tables: number;
  readonly tableCount: number;
  /** Elements of the int32 and offset vectors: tensor shapes, operator inputs and outputs, reshape's new shape, the lists of tensors, operators, codes and buffers. */
  readonly lists: number;
  /** The 4-byte length in front of every vector. */
  readonly lengths: number;
  readonly vectorCount: number;
  /** Alignment outside tables: constant data to 16 B, zero points to 8 B, tables to 4 B, the file's end. */
  readonly padding: number;
  /** The root table offset and the "TFL3" file identifier. */
  readonly header: number;
}

/** Splits the exported file of `graph` into its parts (see the file comment). */
export function tfliteParts(graph: TfliteGraph): TfliteParts {
  const counter = new ByteCounter();
  const parts = { weights: 0, biases: 0, axes: 0, quantPairs: 0, quantization: 0, tables: 0, tableCount: 0, lists: 0, lengths: 0, vectorCount: 0, padding: 0, header: 0 };
  const roleOfBuffer = new Map<number, string>();
  for (const tensor of graph.tensors) if (tensor.buffer !== 0) roleOfBuffer.set(tensor.buffer, tensor.role);

  /** Runs one write and returns how many bytes it added. */
  const grown = (write: () => void): number => {
    const before = counter.size;
    write();
    return counter.size - before;
  };
  const vector = (payload: number, write: () => number): number => {
    let offset = 0;
    const added = grown(() => {
      offset = write();
    });
    parts.lengths += 4;
    parts.vectorCount += 1;
    parts.padding += added - payload - 4;
    return offset;
  };
  const table = (write: () => void): void => {
    parts.tables += grown(write);
  };

  const writer: FlatWriter = {
    dataVector(buffer: number, bytes: number): number {
      const role = roleOfBuffer.get(buffer);
      if (role === 'weights') parts.weights += bytes;
      else if (role === 'bias') parts.biases += bytes;
      else parts.axes += bytes;
      return vector(bytes, () => counter.dataVector(buffer, bytes));
    },
    scaleVector(tensor: number, count: number): number {
      parts.quantPairs += count;
      parts.quantization += 4 * count;
      return vector(4 * count, () => counter.scaleVector(tensor, count));
    },
    zeroPointVector(tensor: number, count: number): number {
      parts.quantization += 8 * count;
      return vector(8 * count, () => counter.zeroPointVector(tensor, count));
    },
    int32Vector(values: readonly number[]): number {
      parts.lists += 4 * values.length;
      return vector(4 * values.length, () => counter.int32Vector(values));
    },
    offsetVector(offsets: readonly number[]): number {
      parts.lists += 4 * offsets.length;
      return vector(4 * offsets.length, () => counter.offsetVector(offsets));
    },
    startTable(fields: number, shape: TableShape): void {
      parts.padding += grown(() => counter.startTable(fields, shape));
    },
    addOffset(slot: number): void {
      table(() => counter.addOffset(slot));
    },
    addInt32(slot: number): void {
      table(() => counter.addInt32(slot));
    },
    addInt8(slot: number): void {
      table(() => counter.addInt8(slot));
    },
    addFloat32(slot: number): void {
      table(() => counter.addFloat32(slot));
    },
    endTable(): number {
      let location = 0;
      table(() => {
        location = counter.endTable();
      });
      parts.tableCount += 1;
      return location;
    },
    finish(): void {
      const added = grown(() => counter.finish());
      parts.header += 8;
      parts.padding += added - 8;
    },
  };
  writeModel(writer, graph);
  return { bytes: counter.size, ...parts };
}
