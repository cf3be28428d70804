/** The TFLite graph and TFLM's arena plan in words (src/core/tflm-plan-words.ts). */
import { describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { tfliteGraph } from '../../src/core/tflite-graph.ts';
import { planArena } from '../../src/core/tflm-arena.ts';
import { lifetimeText, operatorLabels, planRows, topBufferText } from '../../src/core/tflm-plan-words.ts';
import { designExample } from '../fixtures/design-example.ts';

describe('the arena plan in words', () => {
  it('names every operator after its builtin and the op it runs', () => {
    expect(operatorLabels(tfliteGraph(designExample))).toEqual([
      'CONV_2D · layers[0] (conv)',
      'MAX_POOL_2D · layers[1] (maxPool)',
      'DEPTHWISE_CONV_2D · layers[2] (separableConv) depthwise',
      'CONV_2D · layers[2] (separableConv) pointwise',
      'CONV_2D · layers[3] (downsampledConv) pointwise',
      'CONV_2D · layers[3] (downsampledConv) conv',
      'AVERAGE_POOL_2D · layers[4] (avgPool)',
      'RESHAPE · flatten',
      'FULLY_CONNECTED · layers[6] (dense)',
      'FULLY_CONNECTED · classifier',
      'SOFTMAX',
    ]);
  });

  it('names each buffer, its kind and lifetime, and the one on top', () => {
    // 8×8×1 → flatten → dense 4 → classifier 2: the input and RESHAPE's copy are alive together.
    const mlp = parseArchitecture({ input: { height: 8, width: 8, channels: 1 }, classes: 2, layers: [{ type: 'flatten' }, { type: 'dense', units: 4 }] });
    const graph = tfliteGraph(mlp);
    const plan = planArena(graph);
    // Largest first (the later-added of equal sizes first): RESHAPE's copy at 0, the input above it;
    // then SOFTMAX's output at 0, the classifier's at 16 (it overlaps SOFTMAX), the dense output at 64.
    expect(planRows(graph, plan).map((r) => [r.kind, r.name, r.what, r.size, r.first, r.last, r.offset, r.top])).toEqual([
      ['input', 'network input', '8×8×1', 64, 0, 0, 64, true],
      ['reshape', 'output of RESHAPE · flatten (a copy)', '64', 64, 0, 1, 0, false],
      ['activation', 'output of FULLY_CONNECTED · layers[1] (dense)', '4', 16, 1, 2, 64, false],
      ['activation', 'output of FULLY_CONNECTED · classifier', '2', 16, 2, 3, 16, false],
      ['activation', 'output of SOFTMAX', '2', 16, 3, 3, 0, false],
    ]);
    expect(topBufferText(graph, plan)).toBe('the network input (8×8×1 = 64 B) at offset 64 B');
    expect([lifetimeText(3, 3), lifetimeText(0, 1)]).toEqual(['operator 3', 'operators 0–1']);
  });

  it('names a scratch buffer after the operator that asks for it', () => {
    const graph = tfliteGraph(designExample);
    const rows = planRows(graph, planArena(graph, 'im2col'));
    expect(rows.filter((r) => r.kind === 'scratch').map((r) => [r.name, r.what, r.size])).toEqual([
      ['scratch of CONV_2D · layers[0] (conv)', 'im2col', 48],
      ['scratch of DEPTHWISE_CONV_2D · layers[2] (separableConv) depthwise', 'int16 window', 144],
      ['scratch of CONV_2D · layers[3] (downsampledConv) conv', 'im2col', 144],
      ['scratch of AVERAGE_POOL_2D · layers[4] (avgPool)', 'int32 sums', 64],
    ]);
    expect(topBufferText(graph, planArena(graph, 'im2col'))).toBe('the output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B');
  });
});
