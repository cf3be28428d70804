/**
 * The parts of an exported model.tflite (src/core/tflite-parts.ts), as the explanations show them:
 * worked by hand for a tiny net, and adding up to the exact file size over sampled architectures.
 */
import { describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { quantPairBytes } from '../../src/core/resources.ts';
import { createRng } from '../../src/core/rng.ts';
import { sampleArchitecture } from '../../src/core/sampler.ts';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import { tfliteGraph } from '../../src/core/tflite-graph.ts';
import { tfliteBytes } from '../../src/core/tflite-layout.ts';
import { type TfliteParts, tfliteParts } from '../../src/core/tflite-parts.ts';
import { designExample } from '../fixtures/design-example.ts';

const sumOfParts = (p: TfliteParts): number => p.weights + p.biases + p.axes + p.quantization + p.tables + p.lists + p.lengths + p.padding + p.header;

describe('tfliteParts', () => {
  it('splits a tiny net with MEAN by hand: constants, pairs, vectors, header', () => {
    // 6×6×1 → CONV_2D 4 filters 3×3 → MEAN → FULLY_CONNECTED 2 → SOFTMAX.
    const graph = tfliteGraph(
      parseArchitecture({
        input: { height: 6, width: 6, channels: 1 },
        classes: 2,
        layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'valid' }, { type: 'globalAvgPool' }],
      }),
    );
    const p = tfliteParts(graph);
    expect(p.bytes).toBe(tfliteBytes(graph));
    // Weights 4·3·3·1 + 2·4; biases 4·4 + 2·4; MEAN's axis [1, 2] as int32.
    expect([p.weights, p.biases, p.axes]).toEqual([36 + 8, 16 + 8, 8]);
    // Pairs: input 1, conv weights 4 and bias 4, conv output 1, MEAN output 1, dense 1 + 1 + 1, softmax 1.
    expect(p.quantPairs).toBe(15);
    expect(p.quantization).toBe(15 * quantPairBytes);
    // Vectors: 5 data (conv weights and bias, MEAN's axis, dense weights and bias), 9 scale + 9
    // zero-point vectors (every tensor but the axis), 10 shapes, 4 × 2 operator input and output lists,
    // the subgraph's inputs and outputs, and the lists of tensors, operators, codes, subgraphs and
    // buffers: 5 + 18 + 10 + 8 + 2 + 5 = 48.
    expect(p.vectorCount).toBe(48);
    expect(p.lengths).toBe(4 * 48);
    expect(p.header).toBe(8);
    // Tables: 6 buffers, 9 quantisations, 10 tensors, 4 operators and 4 options, the subgraph, 4 codes, the model.
    expect(p.tableCount).toBe(6 + 9 + 10 + 8 + 1 + 4 + 1);
    expect(sumOfParts(p)).toBe(p.bytes);
  });

  it('adds up to the exact file size, over the DESIGN.md example and 200 sampled architectures', () => {
    const check = (graph: ReturnType<typeof tfliteGraph>): void => {
      const p = tfliteParts(graph);
      expect(p.bytes).toBe(tfliteBytes(graph));
      expect(sumOfParts(p)).toBe(p.bytes);
      expect(p.weights).toBe(graph.ops.reduce((sum, op) => sum + op.weights, 0));
      expect(p.biases).toBe(graph.ops.reduce((sum, op) => sum + 4 * op.biases, 0));
      expect(p.quantPairs).toBe(graph.tensors.reduce((sum, t) => sum + t.quantCount, 0));
      expect(p.padding).toBeGreaterThanOrEqual(0);
    };
    check(tfliteGraph(designExample));
    const rng = createRng('tflite-parts');
    const inputs = [
      { height: 8, width: 8, channels: 1 },
      { height: 28, width: 28, channels: 1 },
      { height: 32, width: 32, channels: 3 },
    ];
    for (let i = 0; i < 200; i++) check(tfliteGraph(sampleArchitecture(defaultSearchSpace(inputs[i % 3]!, 10), rng)));
  });
});
