/**
 * The exporter's .tflite and the deploy numbers taken from it:
 * - the file read back field by field with the flatbuffers runtime (the schema's field ids);
 * - estimate = export: the estimator's size is the written file's, to the byte, and its fast path
 *   equals the readable graph walk and the greedy planner, over thousands of architectures;
 * - TFLM's greedy planner on a chain where it needs more than the largest live set.
 */
import { ByteBuffer } from 'flatbuffers';
import { describe, expect, it } from 'vitest';
import type { Architecture, InputShape } from '../../src/core/architecture.ts';
import { type Measurement, expandOps } from '../../src/core/ops.ts';
import { type Rng, createRng } from '../../src/core/rng.ts';
import { sampleArchitecture } from '../../src/core/sampler.ts';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import { tfliteCost } from '../../src/core/tflite-cost.ts';
import { rangeSources, tfliteGraph } from '../../src/core/tflite-graph.ts';
import { tfliteBytes } from '../../src/core/tflite-layout.ts';
import { greedyOffsets, planArena, persistentBytes } from '../../src/core/tflm-arena.ts';
import { type FloatOpWeights, quantizeModel } from '../../src/deploy/quantize.ts';
import { writeTflite } from '../../src/deploy/tflite.ts';

/** A minimal reader of the tables the exporter writes (schema.fbs field ids, counted from 0). */
class Table {
  constructor(
    readonly bb: ByteBuffer,
    readonly pos: number,
  ) {}
  #field(id: number): number {
    return this.bb.__offset(this.pos, 4 + 2 * id);
  }
  has(id: number): boolean {
    return this.#field(id) !== 0;
  }
  int32(id: number): number {
    const o = this.#field(id);
    return o === 0 ? 0 : this.bb.readInt32(this.pos + o);
  }
  int8(id: number): number {
    const o = this.#field(id);
    return o === 0 ? 0 : this.bb.readInt8(this.pos + o);
  }
  float32(id: number): number {
    return this.bb.readFloat32(this.pos + this.#field(id));
  }
  table(id: number): Table {
    return new Table(this.bb, this.bb.__indirect(this.pos + this.#field(id)));
  }
  /** A vector's start and length. */
  vector(id: number): { start: number; length: number } {
    const o = this.#field(id);
    return { start: this.bb.__vector(this.pos + o), length: this.bb.__vector_len(this.pos + o) };
  }
  tables(id: number): Table[] {
    const { start, length } = this.vector(id);
    return Array.from({ length }, (_, i) => new Table(this.bb, this.bb.__indirect(start + 4 * i)));
  }
  int32s(id: number): number[] {
    const { start, length } = this.vector(id);
    return Array.from({ length }, (_, i) => this.bb.readInt32(start + 4 * i));
  }
  floats(id: number): number[] {
    const { start, length } = this.vector(id);
    return Array.from({ length }, (_, i) => this.bb.readFloat32(start + 4 * i));
  }
  int64s(id: number): number[] {
    const { start, length } = this.vector(id);
    return Array.from({ length }, (_, i) => Number(this.bb.readInt64(start + 8 * i)));
  }
  bytes(id: number): Uint8Array {
    const { start, length } = this.vector(id);
    return this.bb.bytes().subarray(start, start + length);
  }
}

function readModel(bytes: Uint8Array): Table {
  const bb = new ByteBuffer(bytes);
  return new Table(bb, bb.readInt32(0));
}

/** 4×4×1 → conv 2 filters 3×3 same → flatten → 3 classes: every value set by hand. */
const tiny: Architecture = {
  input: { height: 4, width: 4, channels: 1 },
  classes: 3,
  layers: [{ type: 'conv', filters: 2, kernel: 3, stride: 1, padding: 'same' }, { type: 'flatten' }],
};

function tinyWeights(): FloatOpWeights[] {
  // conv [3, 3, 1, 2]: filter 0 has max |w| 0.5, filter 1 is pruned to all zeros but one 0.25.
  const conv = new Float32Array(18);
  for (let s = 0; s < 9; s++) conv[2 * s] = (s - 4) / 8; // −0.5 … 0.5 on filter 0
  conv[2 * 4 + 1] = 0.25; // the centre of filter 1
  const dense = new Float32Array(32 * 3).map((_, i) => (i % 7 === 0 ? 0 : ((i % 5) - 2) / 4));
  return [
    { kernelShape: [3, 3, 1, 2], kernel: conv, bias: Float32Array.of(0.1, -0.2) },
    { kernelShape: [32, 3], kernel: dense, bias: Float32Array.of(0, 0.5, -0.5) },
  ];
}

describe('the exported .tflite, read back', () => {
  const ranges = [
    { min: 0, max: 1 },
    { min: 0, max: 2.55 },
    { min: -5, max: 5.2 },
  ];
  const model = quantizeModel(tiny, tinyWeights(), ranges);
  const bytes = writeTflite(model);
  const root = readModel(bytes);

  it('is a TFL3 flatbuffer of schema version 3, with its operators and their versions', () => {
    expect(new TextDecoder().decode(bytes.subarray(4, 8))).toBe('TFL3');
    expect(root.int32(0)).toBe(3);
    // OperatorCode: deprecated_builtin_code 0, version 2, builtin_code 3.
    expect(root.tables(1).map((c) => [c.int8(0), c.int32(2), c.int32(3)])).toEqual([
      [3, 3, 3], // CONV_2D v3
      [22, 1, 22], // RESHAPE
      [9, 4, 9], // FULLY_CONNECTED v4
      [25, 2, 25], // SOFTMAX v2
    ]);
    expect(bytes.length).toBe(tfliteBytes(tfliteGraph(tiny)));
  });

  it('holds the tensors, the operators and their options as the schema lays them out', () => {
    const [subgraph] = root.tables(2);
    const tensors = subgraph!.tables(0);
    // Tensor: shape 0, type 1 (INT8 9, INT32 2), buffer 2.
    expect(tensors.map((t) => [t.int32s(0), t.int8(1), t.int32(2)])).toEqual([
      [[1, 4, 4, 1], 9, 0],
      [[2, 3, 3, 1], 9, 1],
      [[2], 2, 2],
      [[1, 4, 4, 2], 9, 0],
      [[1, 32], 9, 0],
      [[3, 32], 9, 3],
      [[3], 2, 4],
      [[1, 3], 9, 0],
      [[1, 3], 9, 0],
    ]);
    expect([subgraph!.int32s(1), subgraph!.int32s(2)]).toEqual([[0], [8]]);
    const operators = subgraph!.tables(3);
    // Operator: opcode_index 0, inputs 1, outputs 2, builtin_options_type 3.
    expect(operators.map((o) => [o.int32(0), o.int32s(1), o.int32s(2), o.int8(3)])).toEqual([
      [0, [0, 1, 2], [3], 1],
      [1, [3], [4], 17],
      [2, [4, 5, 6], [7], 8],
      [3, [7], [8], 9],
    ]);
    // Conv2DOptions: padding SAME (0), stride 1 × 1, fused ReLU (1), dilation 1 × 1.
    const conv = operators[0]!.table(4);
    expect([conv.int8(0), conv.int32(1), conv.int32(2), conv.int8(3), conv.int32(4), conv.int32(5)]).toEqual([0, 1, 1, 1, 1, 1]);
    expect(operators[1]!.table(4).int32s(0)).toEqual([1, 32]);
    // The classifier has no ReLU; softmax's beta is 1.
    expect(operators[2]!.table(4).int8(0)).toBe(0);
    expect(operators[3]!.table(4).float32(0)).toBe(1);
    // Buffer 0 is the empty sentinel; every data vector is 16-byte aligned.
    const buffers = root.tables(4);
    expect(buffers[0]!.has(0)).toBe(false);
    for (const b of buffers.slice(1)) expect(b.vector(0).start % 16).toBe(0);
  });

  it('quantises weights per channel (conv) and per tensor (dense), keeps pruned weights at exactly 0, and biases at s_in × s_w', () => {
    const [subgraph] = root.tables(2);
    const tensors = subgraph!.tables(0);
    const buffers = root.tables(4);
    // QuantizationParameters: scale 2, zero_point 3, quantized_dimension 6.
    const q = (t: number) => tensors[t]!.table(4);
    expect(q(0).floats(2)).toEqual([Math.fround(1 / 255)]);
    expect(q(0).int64s(3)).toEqual([-128]);
    expect(q(1).floats(2)).toEqual([Math.fround(0.5 / 127), Math.fround(0.25 / 127)]);
    expect([q(1).int64s(3), q(1).int32(6)]).toEqual([[0, 0], 0]);
    // Filter 0 in OHWI: (s − 4)/8 / (0.5/127), rounded half to even; filter 1: only its centre.
    const weights = Int8Array.from(buffers[1]!.bytes(0), (b) => (b << 24) >> 24);
    expect(Array.from(weights.subarray(0, 9))).toEqual([-127, -95, -64, -32, 0, 32, 64, 95, 127]);
    expect(Array.from(weights.subarray(9))).toEqual([0, 0, 0, 0, 127, 0, 0, 0, 0]);
    const bias = new Int32Array(buffers[2]!.bytes(0).slice().buffer);
    const inputScale = Math.fround(1 / 255);
    expect(Array.from(bias)).toEqual([Math.round(0.1 / (inputScale * Math.fround(0.5 / 127))), Math.round(-0.2 / (inputScale * Math.fround(0.25 / 127)))]);
    // The conv output's range [0, 2.55]: scale 0.01, zero point −128; RESHAPE keeps it.
    expect(q(3).int64s(3)).toEqual([-128]);
    expect(q(4).floats(2)).toEqual(q(3).floats(2));
    // Dense per tensor, transposed to [units, inputs]; zeros stay zeros.
    expect(q(5).floats(2)).toHaveLength(1);
    const dense = Int8Array.from(buffers[3]!.bytes(0), (b) => (b << 24) >> 24);
    const given = tinyWeights()[1]!.kernel;
    for (let i = 0; i < 32; i++) for (let u = 0; u < 3; u++) if (given[i * 3 + u] === 0) expect(dense[u * 32 + i]).toBe(0);
    expect(dense[1 * 32 + 0]).toBe(Math.round(given[1]! / Math.fround(0.5 / 127)));
    // Softmax: 1/256 and −128, as TFLite's int8 softmax requires.
    expect([q(8).floats(2), q(8).int64s(3)]).toEqual([[1 / 256], [-128]]);
  });

  it('gives pools their input range, and the input its whole 0–1', () => {
    const pooled: Architecture = { ...tiny, layers: [{ type: 'conv', filters: 2, kernel: 3, stride: 1, padding: 'same' }, { type: 'maxPool', size: 2 }, { type: 'avgPool', size: 2 }, { type: 'flatten' }] };
    expect(rangeSources(tfliteGraph(pooled))).toEqual([0, 1, 1, 1, 4]);
  });
});

const inputs: readonly InputShape[] = [
  { height: 8, width: 8, channels: 1 },
  { height: 28, width: 28, channels: 1 },
  { height: 32, width: 32, channels: 3 },
];

function randomWeights(architecture: Architecture, rng: Rng): FloatOpWeights[] {
  return expandOps(architecture)
    .filter((op) => op.kind !== 'pool')
    .map((op) => {
      const shape = op.kind === 'dense' ? [op.input.channels, op.output.channels] : op.kind === 'depthwise' ? [op.kernel, op.kernel, op.input.channels, 1] : [op.kernel, op.kernel, op.input.channels, op.output.channels];
      const size = shape.reduce((a, b) => a * b, 1);
      return { kernelShape: shape, kernel: new Float32Array(size).map(() => rng.next() - 0.5), bias: new Float32Array(op.biases).map(() => rng.next() - 0.5) };
    });
}

function randomMeasurement(architecture: Architecture, rng: Rng): Measurement {
  return architecture.layers.map((layer) => {
    if (layer.type === 'dense') return { channels: rng.int(1, layer.units) };
    if (layer.type === 'conv' || layer.type === 'separableConv') return { channels: rng.int(1, layer.filters) };
    if (layer.type === 'downsampledConv') return { channels: rng.int(1, layer.filters), bottleneck: rng.int(1, layer.bottleneck) };
    return undefined;
  });
}

describe('estimate = export', () => {
  it('the written file is exactly as large as the estimator says, for 300 sampled architectures', () => {
    const rng = createRng('export-size');
    for (let i = 0; i < 300; i++) {
      const architecture = sampleArchitecture(defaultSearchSpace(inputs[i % 3]!, 10), rng);
      const graph = tfliteGraph(architecture);
      const ranges = Array.from({ length: 1 + graph.operators.filter((o) => o.point >= 0).length }, () => ({ min: 0, max: 1 + rng.next() }));
      const file = writeTflite(quantizeModel(architecture, randomWeights(architecture, rng), ranges));
      expect(file.length, JSON.stringify(architecture)).toBe(tfliteCost(architecture, expandOps(architecture)).tfliteBytes);
    }
  });

  it('the fast path equals the graph walk and the greedy planner, pruned or not, with and without CMSIS-NN scratch (3,000 architectures)', () => {
    const rng = createRng('fast-path');
    for (let i = 0; i < 3000; i++) {
      const architecture = sampleArchitecture(defaultSearchSpace(inputs[i % 3]!, 10), rng);
      const measurement = i % 2 === 0 ? undefined : randomMeasurement(architecture, rng);
      const scratch = i % 3 === 0 ? 'im2col' : 'none';
      const graph = tfliteGraph(architecture, measurement);
      const plan = planArena(graph, scratch);
      const fast = tfliteCost(architecture, expandOps(architecture, measurement), scratch);
      const top = plan.buffers[plan.topBuffer]!;
      expect([fast.tfliteBytes, fast.nonPersistentBytes, fast.persistentBytes, fast.operators, fast.tensors, fast.topOperator], JSON.stringify({ architecture, measurement, scratch })).toEqual([
        tfliteBytes(graph),
        plan.nonPersistentBytes,
        plan.persistentBytes,
        graph.operators.length,
        graph.tensors.length,
        Math.max(0, top.operator),
      ]);
    }
  });
});

describe('a network far beyond any microcontroller', () => {
  it('takes the readable path, whose arithmetic holds beyond 2 GB, and gets the same numbers', () => {
    const huge: Architecture = { input: { height: 2048, width: 2048, channels: 3 }, classes: 10, layers: [{ type: 'conv', filters: 64, kernel: 3, stride: 1, padding: 'same' }, { type: 'globalAvgPool' }] };
    const cost = tfliteCost(huge, expandOps(huge));
    const graph = tfliteGraph(huge);
    expect(cost.tfliteBytes).toBe(tfliteBytes(graph));
    // The input (12 MiB) and the conv's output (256 MiB) are alive together.
    expect(cost.nonPersistentBytes).toBe(2048 * 2048 * 3 + 2048 * 2048 * 64);
    expect(cost.uses).toEqual({ conv: true, depthwise: false, reshape: false, mean: true, maxPool: false, avgPool: false });
  });
});

describe("TFLM's greedy memory planner", () => {
  it('places largest first at the lowest free offset, and can need more than the largest live set', () => {
    // A chain: the input (96 B, alive at op 0), then op i's output, alive at ops i and i + 1.
    const sizes = [96, 48, 80, 96, 32];
    const buffers = sizes.map((size, i) => ({ size, first: Math.max(0, i - 1), last: i === 0 ? 0 : Math.min(i, sizes.length - 2) }));
    // Order: 96 (op 2's output, added later than the input), 96 (input), 80, 48, 32. The 48 B output
    // of op 0 lives with the input (at 0) and op 1's output (at 96), so it goes on top at 176.
    expect(greedyOffsets(buffers)).toEqual([0, 176, 96, 0, 96]);
    // The largest live set is 176 B (ops 1–2: 80 + 96); the plan needs 224.
  });

  it('counts the persistent tail by the fit of TFLM-FACTS.md', () => {
    const graph = tfliteGraph(tiny);
    // 4 operators, 9 tensors, one conv of 2 output channels.
    expect(persistentBytes(graph)).toBe(178 + 118 * 4 + 12 * 9 + 8 * 2);
    const plan = planArena(graph);
    // Input 16 → 16 B; conv out 32 → 32 B; reshape out 32 → 32 B; logits and softmax 3 → 16 B each.
    // Conv: input + output (48 B); RESHAPE holds its input and its own copy (64 B).
    expect(plan.nonPersistentBytes).toBe(64);
    expect(plan.buffers.map((b) => [b.size, b.first, b.last])).toEqual([
      [16, 0, 0],
      [32, 0, 1],
      [32, 1, 2],
      [16, 2, 3],
      [16, 3, 3],
    ]);
  });
});
