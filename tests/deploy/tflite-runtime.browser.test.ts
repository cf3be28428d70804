/**
 * The TFLite harness of tests/deploy/tflite-runtime.ts on a real model: the TensorFlow Lite
 * interpreter (tfjs-tflite's WASM build, served from node_modules) runs a tiny fully-int8 model
 * written here by hand with the flatbuffers runtime: one MAX_POOL_2D, 2×2 filter, stride 2, VALID,
 * on an int8 [1,4,4,1] input giving [1,2,2,1], both tensors at scale 0.5, zero point -3. With equal
 * quantization in and out, int8 max pooling is the max of the raw int8 values of each 2×2 block, so
 * the expected outputs are exact.
 */
import { Builder } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import { argmaxFirst, runTflite } from './tflite-runtime.ts';

/** Numbers from the TFLite schema (tensorflow/lite/schema/schema.fbs). */
const TENSOR_TYPE_INT8 = 9;
const BUILTIN_MAX_POOL_2D = 17;
const BUILTIN_OPTIONS_POOL2D = 5; // Pool2DOptions is the 5th member of union BuiltinOptions.
const PADDING_VALID = 1;
const ACTIVATION_NONE = 0;

function int32Vector(b: Builder, values: readonly number[]): number {
  b.startVector(4, values.length, 4);
  for (let i = values.length - 1; i >= 0; i--) b.addInt32(values[i]!);
  return b.endVector();
}

function offsetVector(b: Builder, offsets: readonly number[]): number {
  b.startVector(4, offsets.length, 4);
  for (let i = offsets.length - 1; i >= 0; i--) b.addOffset(offsets[i]!);
  return b.endVector();
}

/** A .tflite flatbuffer: int8 [1,4,4,1] → MAX_POOL_2D (2×2, stride 2, VALID) → int8 [1,2,2,1]. */
function maxPoolModel(): Uint8Array {
  const b = new Builder(1024);

  // QuantizationParameters { min = 0, max = 1, scale = 2, zero_point = 3, ... }
  const quantization = (): number => {
    b.startVector(4, 1, 4);
    b.addFloat32(0.5);
    const scale = b.endVector();
    b.startVector(8, 1, 8);
    b.addInt64(-3n);
    const zeroPoint = b.endVector();
    b.startObject(7);
    b.addFieldOffset(2, scale, 0);
    b.addFieldOffset(3, zeroPoint, 0);
    return b.endObject();
  };
  // Tensor { shape = 0, type = 1, buffer = 2, name = 3, quantization = 4 }; buffer 0 is the empty one.
  const tensor = (name: string, shape: number[]): number => {
    const nameOffset = b.createString(name);
    const shapeOffset = int32Vector(b, shape);
    const quant = quantization();
    b.startObject(5);
    b.addFieldOffset(0, shapeOffset, 0);
    b.addFieldInt8(1, TENSOR_TYPE_INT8, 0);
    b.addFieldInt32(2, 0, null);
    b.addFieldOffset(3, nameOffset, 0);
    b.addFieldOffset(4, quant, 0);
    return b.endObject();
  };
  const tensors = offsetVector(b, [tensor('input', [1, 4, 4, 1]), tensor('output', [1, 2, 2, 1])]);

  // Pool2DOptions { padding = 0, stride_w = 1, stride_h = 2, filter_width = 3, filter_height = 4, fused_activation_function = 5 }
  b.startObject(6);
  b.addFieldInt8(0, PADDING_VALID, 0);
  b.addFieldInt32(1, 2, 0);
  b.addFieldInt32(2, 2, 0);
  b.addFieldInt32(3, 2, 0);
  b.addFieldInt32(4, 2, 0);
  b.addFieldInt8(5, ACTIVATION_NONE, null);
  const poolOptions = b.endObject();

  // Operator { opcode_index = 0, inputs = 1, outputs = 2, builtin_options_type = 3, builtin_options = 4 }
  const opInputs = int32Vector(b, [0]);
  const opOutputs = int32Vector(b, [1]);
  b.startObject(5);
  b.addFieldInt32(0, 0, null);
  b.addFieldOffset(1, opInputs, 0);
  b.addFieldOffset(2, opOutputs, 0);
  b.addFieldInt8(3, BUILTIN_OPTIONS_POOL2D, 0);
  b.addFieldOffset(4, poolOptions, 0);
  const operators = offsetVector(b, [b.endObject()]);

  // SubGraph { tensors = 0, inputs = 1, outputs = 2, operators = 3, name = 4 }
  const graphInputs = int32Vector(b, [0]);
  const graphOutputs = int32Vector(b, [1]);
  const graphName = b.createString('main');
  b.startObject(5);
  b.addFieldOffset(0, tensors, 0);
  b.addFieldOffset(1, graphInputs, 0);
  b.addFieldOffset(2, graphOutputs, 0);
  b.addFieldOffset(3, operators, 0);
  b.addFieldOffset(4, graphName, 0);
  const subgraphs = offsetVector(b, [b.endObject()]);

  // OperatorCode { deprecated_builtin_code = 0 (byte), custom_code = 1, version = 2, builtin_code = 3 }
  b.startObject(4);
  b.addFieldInt8(0, BUILTIN_MAX_POOL_2D, 0);
  b.addFieldInt32(2, 2, 1); // MAX_POOL_2D takes int8 from version 2 on.
  b.addFieldInt32(3, BUILTIN_MAX_POOL_2D, 0);
  const operatorCodes = offsetVector(b, [b.endObject()]);

  // Buffer 0: the empty sentinel every model starts with.
  b.startObject(3);
  const buffers = offsetVector(b, [b.endObject()]);

  // Model { version = 0, operator_codes = 1, subgraphs = 2, description = 3, buffers = 4 }
  const description = b.createString('hand-built max pool test fixture');
  b.startObject(5);
  b.addFieldInt32(0, 3, 0);
  b.addFieldOffset(1, operatorCodes, 0);
  b.addFieldOffset(2, subgraphs, 0);
  b.addFieldOffset(3, description, 0);
  b.addFieldOffset(4, buffers, 0);
  b.finish(b.endObject(), 'TFL3');
  return b.asUint8Array().slice();
}

/** Max of each 2×2 block of a 4×4 image (row-major, 1 channel). */
function maxPool2x2(image: readonly number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < 2; r++) {
    for (let c = 0; c < 2; c++) {
      const at = (dr: number, dc: number): number => image[(2 * r + dr) * 4 + 2 * c + dc]!;
      out.push(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
    }
  }
  return out;
}

describe('runTflite (TensorFlow Lite in WASM)', () => {
  it('runs a hand-built int8 MAX_POOL_2D model image by image, with exact int8 outputs', async () => {
    const images = [
      [
        1, 2, -5, -6,
        3, 4, -7, -8,
        -128, -128, 127, 0,
        -128, -127, 0, 126,
      ],
      [-3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3, -3],
      Array.from({ length: 16 }, (_, i) => 100 - 13 * i),
    ];
    const { outputs, inputShape, outputShape, inputType, outputType } = await runTflite(maxPoolModel(), Int8Array.from(images.flat()), images.length);

    expect({ inputShape, outputShape, inputType, outputType }).toEqual({ inputShape: [1, 4, 4, 1], outputShape: [1, 2, 2, 1], inputType: 'int8', outputType: 'int8' });
    expect(Array.from(outputs)).toEqual(images.flatMap(maxPool2x2));
    expect(Array.from(outputs.subarray(0, 4))).toEqual([4, -5, -127, 127]);
    expect(Array.from(outputs.subarray(8, 12))).toEqual([100, 74, -4, -30]);
  });

  it('runs only the first `count` images of the inputs', async () => {
    const inputs = Int8Array.from({ length: 3 * 16 }, (_, i) => (i % 16) - 8);
    const { outputs } = await runTflite(maxPoolModel(), inputs, 2);
    expect(Array.from(outputs)).toEqual([-3, -1, 5, 7, -3, -1, 5, 7]);
  });

  it('refuses inputs shorter than count images', async () => {
    await expect(runTflite(maxPoolModel(), new Int8Array(20), 2)).rejects.toThrow('2 images of 16 values need 32 inputs, got 20');
  });

  it('loaded the runtime from /tflite-wasm/ on this origin, nothing from another host', () => {
    const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[];
    expect(entries.filter((entry) => new URL(entry.name).origin !== location.origin).map((entry) => entry.name)).toEqual([]);
    const runtime = entries.filter((entry) => entry.name.includes('/tflite_web_api_cc')).map((entry) => `${new URL(entry.name).pathname} ${entry.responseStatus}`);
    // First line: importing tfjs-tflite tries the page's folder before setWasmPath runs, and gets a 404.
    expect(runtime).toEqual(['/tflite_web_api_cc_simd.js 404', '/tflite-wasm/tflite_web_api_cc_simd.js 200', '/tflite-wasm/tflite_web_api_cc_simd.wasm 200']);
  });
});

describe('argmaxFirst', () => {
  it('takes the first of equal maxima in each row', () => {
    expect(argmaxFirst(Int8Array.from([1, 5, 5, -128, -128, -128, 0, 127, 127]), 3)).toEqual([1, 0, 1]);
  });
});
