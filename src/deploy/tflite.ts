/**
 * Writes a quantised model as a `.tflite` flatbuffer with the `flatbuffers` runtime's Builder. The
 * order of tables and fields is `writeModel`'s (src/core/tflite-layout.ts), the same walk the
 * estimator counts bytes with, so the file is exactly as large as the estimate says.
 */
import { Builder } from 'flatbuffers';
import { type FlatWriter, type TableShape, writeModel } from '../core/tflite-layout.ts';
import type { QuantizedModel } from './quantize.ts';

/** The schema's file identifier (schema.fbs `file_identifier "TFL3"`). */
export const tfliteIdentifier = 'TFL3';

class BuilderWriter implements FlatWriter {
  readonly builder: Builder;
  readonly #model: QuantizedModel;

  constructor(model: QuantizedModel) {
    this.#model = model;
    this.builder = new Builder(1024);
    // Every field is written, default or not: each table shape then always has the same vtable.
    this.builder.forceDefaults(true);
  }

  dataVector(buffer: number, bytes: number): number {
    const data = this.#model.buffers[buffer]!;
    if (data.length !== bytes) throw new Error(`buffer ${buffer} holds ${data.length} bytes, the graph says ${bytes}`);
    const b = this.builder;
    b.startVector(1, bytes, 16);
    for (let i = bytes - 1; i >= 0; i--) b.addInt8(data[i]!);
    return b.endVector();
  }

  scaleVector(tensor: number, count: number): number {
    const scales = this.#model.params[tensor]!.scales;
    if (scales.length !== count) throw new Error(`tensor ${tensor} has ${scales.length} scales, the graph says ${count}`);
    const b = this.builder;
    b.startVector(4, count, 4);
    for (let i = count - 1; i >= 0; i--) b.addFloat32(scales[i]!);
    return b.endVector();
  }

  zeroPointVector(tensor: number, count: number): number {
    const zeroPoints = this.#model.params[tensor]!.zeroPoints;
    const b = this.builder;
    b.startVector(8, count, 8);
    for (let i = count - 1; i >= 0; i--) b.addInt64(BigInt(zeroPoints[i]!));
    return b.endVector();
  }

  int32Vector(values: readonly number[]): number {
    const b = this.builder;
    b.startVector(4, values.length, 4);
    for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
    return b.endVector();
  }

  offsetVector(offsets: readonly number[]): number {
    const b = this.builder;
    b.startVector(4, offsets.length, 4);
    for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
    return b.endVector();
  }

  startTable(fields: number, _shape: TableShape): void {
    // Tables start 4-aligned, so that a table's vtable never depends on where it lands.
    this.builder.prep(4, 0);
    this.builder.startObject(fields);
  }

  addOffset(slot: number, offset: number): void {
    this.builder.addFieldOffset(slot, offset, 0);
  }

  addInt32(slot: number, value: number): void {
    this.builder.addFieldInt32(slot, value, 0);
  }

  addInt8(slot: number, value: number): void {
    this.builder.addFieldInt8(slot, value, 0);
  }

  addFloat32(slot: number, value: number): void {
    this.builder.addFieldFloat32(slot, value, 0);
  }

  endTable(): number {
    return this.builder.endObject();
  }

  finish(root: number): void {
    this.builder.finish(root, tfliteIdentifier);
  }
}

/** The `.tflite` bytes of a quantised model. */
export function writeTflite(model: QuantizedModel): Uint8Array {
  const writer = new BuilderWriter(model);
  writeModel(writer, model.graph);
  return writer.builder.asUint8Array().slice();
}
