/**
 * The resource model against numbers worked out by hand. Each test writes the arithmetic next to
 * the expectation, from DESIGN.md §3: params conv k·k·Cin·F + F, depthwise k·k·C + C, pointwise
 * C·F + F, dense N·U + U; MACs conv Ho·Wo·F·k·k·Cin, depthwise Ho·Wo·C·k·k, pointwise Ho·Wo·C·F,
 * dense N·U; working memory = max over ops of (input + output elements).
 */
import { describe, expect, it } from 'vitest';
import { type Architecture, parseArchitecture } from '../../src/core/architecture.ts';
import { opName } from '../../src/core/ops.ts';
import { estimate, estimateLatency, explainVerdict, storedWeights, verdictFor } from '../../src/core/resources.ts';
import { tflmReferenceCode } from '../../src/core/runtimes.ts';
import { findPresetTarget, parseCustomTarget } from '../../src/core/targets.ts';
import { tfliteGraph } from '../../src/core/tflite-graph.ts';
import { tfliteBytes } from '../../src/core/tflite-layout.ts';
import { planArena } from '../../src/core/tflm-arena.ts';
import { flashBytes, macs, sramBytes } from '../../src/core/units.ts';
import { designExample } from '../fixtures/design-example.ts';

const uno = findPresetTarget('arduino-uno')!;
const f446 = findPresetTarget('stm32f446re')!;
const rp2040 = findPresetTarget('rp2040')!;

/** Per-op rows [name, params, MACs, input + output elements] and the totals. */
function summary(architecture: Architecture, measurement?: Parameters<typeof estimate>[2]) {
  const e = estimate(architecture, [uno], measurement);
  return {
    ops: e.ops.map((op, i) => [opName(op), op.weights + op.biases, op.macs, e.paper.ops[i]!.workingMemory]),
    params: e.params,
    macs: e.macs,
    modelSize: e.paper.modelSizeBytes,
    workingMemory: e.paper.workingMemoryBytes,
    peak: opName(e.ops[e.paper.peakOp]!),
    estimate: e,
  };
}

// 1. Every layer type but globalAvgPool; valid and same padding; stride 1.
const lenet = designExample;

// 2. Stride 2 with same and with valid padding, globalAvgPool, 3 input channels, 2 classes.
const strided = parseArchitecture({
  input: { height: 32, width: 32, channels: 3 },
  classes: 2,
  layers: [
    { type: 'conv', filters: 16, kernel: 5, stride: 2, padding: 'same' },
    { type: 'separableConv', filters: 32, kernel: 3, stride: 2, padding: 'valid' },
    { type: 'globalAvgPool' },
  ],
});

// 3. A multilayer perceptron on 8×8 digits: flatten and dense only.
const mlp = parseArchitecture({
  input: { height: 8, width: 8, channels: 1 },
  classes: 10,
  layers: [{ type: 'flatten' }, { type: 'dense', units: 32 }, { type: 'dense', units: 16 }],
});

// 4. downsampledConv with stride 2 and valid padding, then a pool that does not divide its input.
const downsampled = parseArchitecture({
  input: { height: 10, width: 10, channels: 2 },
  classes: 3,
  layers: [
    { type: 'downsampledConv', filters: 6, bottleneck: 3, kernel: 3, stride: 2, padding: 'valid' },
    { type: 'avgPool', size: 3 },
    { type: 'flatten' },
  ],
});

describe('paper accounting, worked by hand', () => {
  it('1. conv, maxPool, separableConv, downsampledConv, avgPool, flatten, dense', () => {
    const s = summary(lenet);
    expect(s.ops).toEqual([
      // 28×28×1 → valid 3×3: 26×26×8. params 3·3·1·8 + 8 = 80; MACs 26·26·8·3·3·1 = 48,672; 784 + 5,408.
      ['layers[0] (conv)', 80, 48_672, 784 + 5408],
      // 26×26×8 → 13×13×8: 5,408 + 1,352 = 6,760, the peak.
      ['layers[1] (maxPool)', 0, 0, 5408 + 1352],
      // depthwise 3×3 on 8 channels, same: params 3·3·8 + 8 = 80; MACs 13·13·8·9 = 12,168.
      ['layers[2] (separableConv) depthwise', 80, 12_168, 1352 + 1352],
      // pointwise 8 → 16: params 8·16 + 16 = 144; MACs 169·8·16 = 21,632; 1,352 + 2,704.
      ['layers[2] (separableConv) pointwise', 144, 21_632, 1352 + 2704],
      // pointwise 16 → 4: params 16·4 + 4 = 68; MACs 169·16·4 = 10,816; 2,704 + 676.
      ['layers[3] (downsampledConv) pointwise', 68, 10_816, 2704 + 676],
      // conv 3×3, 4 → 16, same: params 3·3·4·16 + 16 = 592; MACs 169·16·9·4 = 97,344; 676 + 2,704.
      ['layers[3] (downsampledConv) conv', 592, 97_344, 676 + 2704],
      // 13×13×16 → floor(13/2) = 6: 6×6×16 = 576; 2,704 + 576.
      ['layers[4] (avgPool)', 0, 0, 2704 + 576],
      // flatten is free; dense 576 → 32: params 576·32 + 32 = 18,464; MACs 18,432.
      ['layers[6] (dense)', 18_464, 18_432, 576 + 32],
      // classifier 32 → 10: params 330; MACs 320.
      ['classifier', 330, 320, 32 + 10],
    ]);
    expect(s.params).toBe(80 + 80 + 144 + 68 + 592 + 18_464 + 330); // 19,758
    expect(s.macs).toBe(48_672 + 12_168 + 21_632 + 10_816 + 97_344 + 18_432 + 320); // 209,384
    expect(s.modelSize).toBe(19_758); // unpruned: every parameter, 1 byte each
    expect(s.workingMemory).toBe(6760);
    expect(s.peak).toBe('layers[1] (maxPool)');
  });

  it('2. stride 2 with same and valid padding, globalAvgPool', () => {
    const s = summary(strided);
    expect(s.ops).toEqual([
      // same, stride 2: ceil(32/2) = 16 → 16×16×16. params 5·5·3·16 + 16 = 1,216; MACs 256·16·25·3 = 307,200.
      ['layers[0] (conv)', 1216, 307_200, 3072 + 4096],
      // valid, stride 2: floor((16 − 3)/2) + 1 = 7. depthwise params 9·16 + 16 = 160; MACs 49·16·9 = 7,056.
      ['layers[1] (separableConv) depthwise', 160, 7056, 4096 + 784],
      // pointwise 16 → 32: params 16·32 + 32 = 544; MACs 49·16·32 = 25,088; 784 + 1,568.
      ['layers[1] (separableConv) pointwise', 544, 25_088, 784 + 1568],
      // globalAvgPool: 7×7×32 → 32.
      ['layers[2] (globalAvgPool)', 0, 0, 1568 + 32],
      // classifier 32 → 2: params 32·2 + 2 = 66; MACs 64.
      ['classifier', 66, 64, 32 + 2],
    ]);
    expect(s.params).toBe(1216 + 160 + 544 + 66); // 1,986
    expect(s.macs).toBe(307_200 + 7056 + 25_088 + 64); // 339,408
    expect(s.modelSize).toBe(1986);
    expect(s.workingMemory).toBe(7168);
    expect(s.peak).toBe('layers[0] (conv)');
  });

  it('3. flatten and dense only', () => {
    const s = summary(mlp);
    expect(s.ops).toEqual([
      ['layers[1] (dense)', 64 * 32 + 32, 64 * 32, 64 + 32],
      ['layers[2] (dense)', 32 * 16 + 16, 32 * 16, 32 + 16],
      ['classifier', 16 * 10 + 10, 16 * 10, 16 + 10],
    ]);
    expect(s.params).toBe(2080 + 528 + 170); // 2,778
    expect(s.macs).toBe(2048 + 512 + 160); // 2,720
    expect(s.workingMemory).toBe(96);
  });

  it('4. downsampledConv with stride 2 and valid padding, a pool that leaves a remainder', () => {
    const s = summary(downsampled);
    expect(s.ops).toEqual([
      // pointwise 2 → 3 at 10×10: params 2·3 + 3 = 9; MACs 100·2·3 = 600; 200 + 300.
      ['layers[0] (downsampledConv) pointwise', 9, 600, 200 + 300],
      // conv 3×3 stride 2 valid: floor((10 − 3)/2) + 1 = 4 → 4×4×6. params 3·3·3·6 + 6 = 168; MACs 16·6·9·3 = 2,592.
      ['layers[0] (downsampledConv) conv', 168, 2592, 300 + 96],
      // avgPool 3 on 4×4: floor(4/3) = 1 → 1×1×6.
      ['layers[1] (avgPool)', 0, 0, 96 + 6],
      // classifier 6 → 3: params 6·3 + 3 = 21; MACs 18.
      ['classifier', 21, 18, 6 + 3],
    ]);
    expect(s.params).toBe(198);
    expect(s.macs).toBe(3210);
    expect(s.workingMemory).toBe(500);
  });

  it('5. unstructured pruning: model size counts non-zero weights, biases in full', () => {
    const s = summary(mlp, { measurement: [undefined, { nonzeroWeights: [500] }, { nonzeroWeights: [100] }, { nonzeroWeights: [80] }] });
    expect(s.params).toBe(2778); // the architecture is unchanged
    expect(s.estimate.nonzeroParams).toBe(500 + 32 + 100 + 16 + 80 + 10);
    expect(s.modelSize).toBe(738);
    expect(s.workingMemory).toBe(96); // activations do not shrink
    expect(s.macs).toBe(2720); // dense MACs are counted as computed, not skipped
  });

  it('6. structured pruning: removed channels shrink params, MACs and activations', () => {
    const s = summary(strided, { measurement: [{ channels: 10 }, { channels: 20 }] });
    expect(s.ops).toEqual([
      // 16 → 10 filters: params 5·5·3·10 + 10 = 760; MACs 256·10·75 = 192,000; 3,072 + 16·16·10.
      ['layers[0] (conv)', 760, 192_000, 3072 + 2560],
      // depthwise on the 10 surviving channels: params 9·10 + 10 = 100; MACs 49·10·9 = 4,410.
      ['layers[1] (separableConv) depthwise', 100, 4410, 2560 + 490],
      // pointwise 10 → 20: params 10·20 + 20 = 220; MACs 49·10·20 = 9,800.
      ['layers[1] (separableConv) pointwise', 220, 9800, 490 + 980],
      ['layers[2] (globalAvgPool)', 0, 0, 980 + 20],
      // classifier 20 → 2: params 42; MACs 40.
      ['classifier', 42, 40, 20 + 2],
    ]);
    expect(s.params).toBe(1122);
    expect(s.modelSize).toBe(1122);
    expect(s.macs).toBe(206_250);
    expect(s.workingMemory).toBe(5632);
  });

  it('7. a pruned bottleneck plus non-zero counts in the same layer', () => {
    // bottleneck 3 → 2: pointwise params 2·2 + 2 = 6, MACs 100·2·2 = 400; conv params 3·3·2·6 + 6 = 114,
    // MACs 16·6·9·2 = 1,728. Non-zero: 3 of 4 and 50 of 108 weights.
    const s = summary(downsampled, { measurement: [{ bottleneck: 2, nonzeroWeights: [3, 50] }] });
    expect(s.ops.slice(0, 2)).toEqual([
      ['layers[0] (downsampledConv) pointwise', 6, 400, 200 + 200],
      ['layers[0] (downsampledConv) conv', 114, 1728, 200 + 96],
    ]);
    expect(s.params).toBe(6 + 114 + 21);
    expect(s.modelSize).toBe(3 + 2 + (50 + 6) + 21);
    expect(s.workingMemory).toBe(400);
  });

  it('rejects measurements that do not fit their layer, naming it', () => {
    expect(() => estimate(strided, [uno], { measurement: [{ channels: 17 }] })).toThrow(
      'layers[0] (conv): measured channels must be an integer from 1 to 16, got 17',
    );
    expect(() => estimate(mlp, [uno], { measurement: [undefined, { nonzeroWeights: [2049] }] })).toThrow(
      'layers[1] (dense): measured non-zero weights of its dense op must be an integer from 0 to 2048, got 2049',
    );
    expect(() => estimate(lenet, [uno], { measurement: [undefined, undefined, { nonzeroWeights: [10] }] })).toThrow(
      'layers[2] (separableConv): measured non-zero weights must list 2 values (one per op with weights), got 1',
    );
    expect(() => estimate(mlp, [uno], { measurement: [undefined, undefined, undefined, { channels: 5 }] })).toThrow(
      'classifier: its 10 outputs are the classes and cannot be pruned',
    );
    expect(() => estimate(mlp, [uno], { measurement: [{}, {}, {}, {}, {}] })).toThrow('measurement: has 5 entries');
  });
});

describe('deploy accounting, worked by hand', () => {
  // TFLM code (runtimes.ts, TFLM-FACTS.md): interpreter 10,632 + shared 4,819 + each linked kernel.
  const code = tflmReferenceCode;

  it('TFLite Micro + CMSIS-NN on the STM32F446RE, network 1', () => {
    const t = estimate(lenet, [f446]).targets[0]!;
    expect(t.deploy.exportable).toBe(true);
    // Every weight is stored int8 (72, 72, 128, 64, 576, 18,432, 320), every bias int32 (4 × 94).
    expect(t.deploy.flash.weights).toBe(72 + 72 + 128 + 64 + 576 + 18_432 + 320);
    expect(t.deploy.flash.biases).toBe(4 * (8 + 8 + 16 + 4 + 16 + 32 + 10));
    // Scale/zero-point pairs of 12 B: per output channel for the weights and biases of conv-like ops,
    // per tensor for dense, one per activation: input 1, conv 8+8+1, maxPool 1, depthwise 8+8+1,
    // pointwise 16+16+1 and 4+4+1, conv 16+16+1, avgPool 1, reshape 1, dense 3, classifier 3, softmax 1.
    expect(t.deploy.flash.quantization).toBe(12 * (1 + 17 + 1 + 17 + 33 + 9 + 33 + 1 + 1 + 3 + 3 + 1));
    // The model is the exact .tflite the exporter writes; the graph is the rest of it.
    const graph = tfliteGraph(lenet);
    expect(t.deploy.flash.model).toBe(tfliteBytes(graph));
    expect(t.deploy.flash.model).toBe(24_656);
    expect(t.deploy.flash.graph).toBe(24_656 - 19_664 - 376 - 1440);
    // CONV_2D, MAX_POOL_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, RESHAPE, FULLY_CONNECTED, SOFTMAX: the
    // measured build "conv + depthwise + fully connected + max and avg pool + reshape + softmax", 37,204 B.
    const k = code.kernels;
    expect(t.deploy.flash.runtimeCode).toBe(code.interpreter + code.shared + k.conv + k.maxPool + k.depthwise + k.avgPool + k.reshape + k.dense + k.softmax);
    expect(t.deploy.flash.runtimeCode).toBe(37_204);
    expect(t.deploy.flashBytes).toBe(24_656 + 37_204);

    // The arena is the greedy plan's high-water mark: the max pool's output (1,352 → 1,360 B) sits at
    // 5,408, above the conv's 5,408 B output, which is still alive while the pool runs.
    const plan = planArena(graph, 'im2col');
    expect(t.deploy.sram.arena).toBe(plan.nonPersistentBytes);
    expect(plan.buffers[plan.topBuffer]).toMatchObject({ tensor: 4, operator: 1, offset: 5408, size: 1360 });
    expect(t.deploy.sram.arena).toBe(5408 + 1360);
    expect(t.deploy.peakOp).toBe(1);
    // Per op, the activations alive while it runs: the conv 784 + 5,408 + im2col 2·1·3·3 int16 = 36 → 48.
    expect(t.deploy.ops[0]!.arena).toBe(784 + 5408 + 48);
    expect(t.deploy.ops[0]!.scratchBytes).toBe(48);
    // Persistent: 178 + 118 × 11 operators (9 ops, reshape, softmax) + 12 × 26 tensors (input, 11
    // outputs, 7 weights, 7 biases) + 8 × 52 output channels of conv-like ops (8 + 8 + 16 + 4 + 16).
    expect([graph.operators.length, graph.tensors.length]).toEqual([11, 26]);
    expect(t.deploy.sram.persistent).toBe(178 + 118 * 11 + 12 * 26 + 8 * 52);
    expect(t.deploy.sram.persistent).toBe(plan.persistentBytes);
    // arena_used_bytes() = 6,768 + 2,204 = 8,972; margin max(512, 8,972 / 16 → 576); runtime 1 KB.
    expect(t.deploy.arenaUsedBytes).toBe(6768 + 2204);
    expect(t.deploy.sram.margin).toBe(576);
    expect(t.deploy.sram.runtime).toBe(1024);
    expect(t.deploy.sramBytes).toBe(8972 + 576 + 1024);
    // 209,384 MACs × 1 cycle / 180 MHz.
    expect(t.latencyMs).toBeCloseTo(209_384 / 180_000, 12);
  });

  it('TFLite Micro + CMSIS-NN on the STM32F446RE, a tiny net with globalAvgPool', () => {
    // 6×6×1 → conv 4 filters 3×3 valid → 4×4×4 → MEAN → 4 → classifier 2 → SOFTMAX.
    const tiny = parseArchitecture({
      input: { height: 6, width: 6, channels: 1 },
      classes: 2,
      layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'valid' }, { type: 'globalAvgPool' }],
    });
    const t = estimate(tiny, [f446]).targets[0]!;
    const graph = tfliteGraph(tiny);
    // Tensors: input; conv weights, bias, output; MEAN's axis, output; dense weights, bias, output; softmax output.
    expect(graph.operators.map((o) => o.builtin)).toEqual(['CONV_2D', 'MEAN', 'FULLY_CONNECTED', 'SOFTMAX']);
    expect(graph.tensors).toHaveLength(10);
    expect(t.deploy.flash).toEqual({
      model: tfliteBytes(graph),
      weights: 36 + 8,
      biases: 16 + 8,
      quantization: 12 * (1 + 9 + 1 + 3 + 1), // input, conv 4+4+1, MEAN's output, dense 1+1+1, softmax
      graph: tfliteBytes(graph) - 44 - 24 - 180,
      runtimeCode: code.interpreter + code.shared + code.kernels.conv + code.kernels.mean + code.kernels.dense + code.kernels.softmax,
    });
    expect(t.deploy.flash.model).toBe(1568);
    expect(t.deploy.flash.runtimeCode).toBe(33_326);
    // Buffers (16-aligned): input 36 → 48 (op 0), conv output 64 (ops 0–1), MEAN output 4 → 16
    // (ops 1–2), dense output 16 (2–3), softmax output 16 (3), im2col 36 → 48 (op 0), MEAN's int32
    // sums 4·4 = 16 (op 1). Largest first: conv output at 0; im2col at 64; the input at 112, on top.
    const plan = planArena(graph, 'im2col');
    expect(plan.buffers.map((b) => [b.size, b.offset])).toEqual([[48, 112], [64, 0], [16, 80], [16, 16], [16, 0], [48, 64], [16, 64]]);
    expect(t.deploy.sram.arena).toBe(112 + 48);
    expect(t.deploy.peakOp).toBe(0);
    // 178 + 118 × 4 operators + 12 × 10 tensors + 8 × 4 conv channels.
    expect(t.deploy.sram.persistent).toBe(178 + 472 + 120 + 32);
    expect(t.deploy.arenaUsedBytes).toBe(160 + 802);
    expect(t.deploy.sram.margin).toBe(512); // 962 / 16 → 64 is under the 512 B floor
    expect(t.deploy.sramBytes).toBe(962 + 512 + 1024);
    // MEAN's scratch counts in its activations: 64 + 4 → 16 + 16.
    expect(t.deploy.ops[1]!.arena).toBe(64 + 16 + 16);
  });

  it('generated C on the Arduino Uno, network 1: an estimate only', () => {
    const t = estimate(lenet, [uno]).targets[0]!;
    expect(t.deploy.runtime).toBe('bare-c');
    expect(t.deploy.exportable).toBe(false);
    expect(t.deploy.flash).toEqual({
      model: 19_664 + 376 + 320 + 144,
      weights: 72 + 72 + 128 + 64 + 576 + 18_432 + 320, // no alignment on an 8-bit core
      biases: 4 * (8 + 8 + 16 + 4 + 16 + 32 + 10),
      // int32 multiplier + int8 shift = 5 B per output channel (conv-like) or per tensor (dense), plus
      // 5 B per op output and the input.
      quantization: (8 * 5 + 5) * 2 + 5 + (16 * 5 + 5) * 2 + (4 * 5 + 5) + 5 + 10 + 10 + 5,
      graph: 9 * 16, // a 16-byte struct per op
      runtimeCode: 1024 + 600 + 500 + 200 + 250 + 300 + 100, // + reshape 0
    });
    expect(t.deploy.flashBytes).toBe(20_504 + 2974);
    expect(t.deploy.sram).toEqual({ arena: 6760, persistent: 0, margin: 0, runtime: 64 });
    expect(t.deploy.arenaUsedBytes).toBe(0);
    // 209,384 MACs × 12 cycles / 16 MHz = 157.038 ms.
    expect(t.latencyMs).toBeCloseTo(157.038, 9);
    // After the Uno's default reserve for the sketch: 256 B of SRAM and 2 KB of flash (targets.ts).
    expect(t.verdicts.deploy).toMatchObject({ fits: false, sram: { used: 6824, available: 1792, overBy: 5032 } });
    expect(t.verdicts.deploy.flash).toEqual({ used: 23_478, available: 30_720, fits: true, overBy: 0 });
  });

  it('TFLite Micro + CMSIS-NN on the STM32F446RE, network 3 (dense only): the flatten copies', () => {
    const t = estimate(mlp, [f446]).targets[0]!;
    const graph = tfliteGraph(mlp);
    expect(t.deploy.flash).toEqual({
      model: 4560,
      weights: 2048 + 512 + 160,
      biases: 128 + 64 + 40,
      quantization: 12 * (1 + 1 + 3 * 3 + 1), // input, reshape, three dense ops, softmax
      graph: 4560 - 2720 - 232 - 144,
      runtimeCode: code.interpreter + code.shared + code.kernels.reshape + code.kernels.dense + code.kernels.softmax,
    });
    expect(t.deploy.flash.model).toBe(tfliteBytes(graph));
    expect(t.deploy.flashBytes).toBe(4560 + 25_941);
    expect(t.deploy.ops.map((op) => op.arena)).toEqual([64 + 32, 32 + 16, 16 + 16]);
    // RESHAPE copies the 64-byte input into its own 64-byte buffer: both are alive during it, so the
    // arena is 128 B, not the 96 B of the largest op.
    const plan = planArena(graph, 'im2col');
    expect(plan.buffers[plan.topBuffer]).toMatchObject({ tensor: 0, offset: 64, size: 64 });
    expect(t.deploy.sram.arena).toBe(64 + 64);
    // 178 + 118 × 5 operators + 12 × 12 tensors, no conv channels.
    expect(t.deploy.sram).toEqual({ arena: 128, persistent: 178 + 590 + 144, margin: 512, runtime: 1024 });
    expect(t.deploy.arenaUsedBytes).toBe(128 + 912);
    expect(t.deploy.sramBytes).toBe(1040 + 512 + 1024);
  });

  it('TFLite Micro stores pruned weights dense: unstructured pruning does not shrink the file', () => {
    const pruned = estimate(mlp, [f446], { measurement: [undefined, { nonzeroWeights: [500] }, { nonzeroWeights: [100] }, { nonzeroWeights: [80] }] });
    const dense = estimate(mlp, [f446]);
    expect(pruned.targets[0]!.deploy.flashBytes).toBe(dense.targets[0]!.deploy.flashBytes);
    expect(pruned.targets[0]!.deploy.ops.map((op) => [op.weightEncoding, op.weightBytes])).toEqual([
      ['dense', 2048],
      ['dense', 512],
      ['dense', 160],
    ]);
    expect(pruned.targets[0]!.deploy.sparseOps).toBe(0);
  });

  it('stores pruned weights as a bitmap when that is smaller, and says so', () => {
    // ceil(2048/8) + 500 = 756 < 2,048; 64 + 100 = 164 < 512; 20 + 80 = 100 < 160.
    const t = estimate(mlp, [uno], { measurement: [undefined, { nonzeroWeights: [500] }, { nonzeroWeights: [100] }, { nonzeroWeights: [80] }] })
      .targets[0]!;
    expect(t.deploy.ops.map((op) => [op.weightEncoding, op.weightBytes])).toEqual([
      ['bitmap', 756],
      ['bitmap', 164],
      ['bitmap', 100],
    ]);
    expect(t.deploy.sparseOps).toBe(3);
    expect(storedWeights(8, 7)).toEqual({ encoding: 'dense', bytes: 8 }); // 1 + 7 = 8 is not smaller
    expect(storedWeights(8, 6)).toEqual({ encoding: 'bitmap', bytes: 7 });
    expect(storedWeights(0, 0)).toEqual({ encoding: 'none', bytes: 0 });
  });

  it('TFLite Micro reference kernels need no scratch buffers', () => {
    const t = estimate(lenet, [rp2040]).targets[0]!;
    expect(t.deploy.runtime).toBe('tflm-reference');
    expect(t.deploy.ops.every((op) => op.scratchBytes === 0)).toBe(true);
    // 209,384 MACs × 5 cycles / 133 MHz.
    expect(t.latencyMs).toBeCloseTo((209_384 * 5) / 133_000, 12);
  });

  it('sizes CMSIS-NN scratch: 1×1 stride-1 conv none, strided 1×1 im2col, depthwise, avg pool', () => {
    const arch = parseArchitecture({
      input: { height: 8, width: 8, channels: 4 },
      classes: 2,
      layers: [
        { type: 'conv', filters: 4, kernel: 1, stride: 1, padding: 'same' },
        { type: 'conv', filters: 4, kernel: 1, stride: 2, padding: 'same' },
        { type: 'separableConv', filters: 4, kernel: 5, stride: 1, padding: 'same' },
        { type: 'avgPool', size: 2 },
        { type: 'globalAvgPool' },
      ],
    });
    const t = estimate(arch, [f446]).targets[0]!;
    expect(t.deploy.ops.map((op) => op.scratchBytes)).toEqual([
      0, // arm_convolve_1x1_s8_fast
      16, // 2·4·1·1 int16 = 16
      208, // depthwise 4·5·5 int16 = 200 → 208
      0, // pointwise
      16, // avg pool 4 int32 = 16
      16, // global average pool, same kernel
      0, // classifier: fully connected
    ]);
  });
});

describe('verdicts', () => {
  it('says by how much each memory is exceeded, after the reserve', () => {
    const reserved = parseCustomTarget({
      id: 'uno-with-app',
      name: 'Uno with my sketch',
      core: 'avr8',
      clockMhz: 16,
      sramBytes: 2048,
      flashBytes: 32_768,
      reserve: { sramBytes: 512, flashBytes: 16_384 },
    });
    const v = verdictFor(reserved, 'paper', flashBytes(19_758), sramBytes(1536));
    expect(v.fits).toBe(false);
    expect(v.flash).toEqual({ used: 19_758, available: 16_384, fits: false, overBy: 3374 });
    expect(v.sram).toEqual({ used: 1536, available: 1536, fits: true, overBy: 0 });
    expect(explainVerdict(v, reserved)).toEqual(['model size 19,758 B exceeds the 16,384 B of flash on Uno with my sketch after the 16,384 B reserve by 3,374 B']);
  });

  it('gives one verdict per target and accounting mode', () => {
    const e = estimate(mlp, [uno, f446]);
    expect(e.targets.map((t) => [t.target.id, t.verdicts.paper.fits, t.verdicts.deploy.fits])).toEqual([
      ['arduino-uno', true, true],
      ['stm32f446re', true, true],
    ]);
    // A custom target reusing the F446's runtime shares its deploy numbers, not its verdicts.
    const tiny = parseCustomTarget({ id: 'tiny', name: 'Tiny', core: 'cortex-m4f', clockMhz: 48, sramBytes: 2560, flashBytes: 30_000 });
    const both = estimate(mlp, [f446, tiny]);
    expect(both.targets[1]!.deploy).toBe(both.targets[0]!.deploy);
    // Flash 4,560 + 25,941 = 30,501 B; SRAM 1,040 + 512 + 1,024 = 2,576 B (network 3 above).
    expect(explainVerdict(both.targets[1]!.verdicts.deploy, tiny)).toEqual([
      'flash 30,501 B exceeds the 30,000 B of flash on Tiny by 501 B',
      'SRAM 2,576 B exceeds the 2,560 B of SRAM on Tiny by 16 B',
    ]);
  });

  it('estimates latency from MACs, cycles per MAC and clock', () => {
    expect(estimateLatency(macs(16_000), uno)).toBe(12); // 16,000 × 12 / 16 MHz = 12 ms
  });
});
