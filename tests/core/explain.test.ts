/**
 * Every number explains itself: the formulas of explain.ts, exact for the DESIGN.md example and for
 * a small network worked by hand, and consistent with the estimate for hundreds of sampled,
 * randomly pruned architectures on every preset target.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Architecture, parseArchitecture } from '../../src/core/architecture.ts';
import { type Explanation, explainEstimate, formatCount, formatMs, formatValue } from '../../src/core/explain.ts';
import { type Measurement, expandOps } from '../../src/core/ops.ts';
import { type Estimate, estimate } from '../../src/core/resources.ts';
import { type Rng, createRng } from '../../src/core/rng.ts';
import { sampleArchitecture } from '../../src/core/sampler.ts';
import { defaultSearchSpace } from '../../src/core/search-space.ts';
import { findPresetTarget, presetTargets, withReserve } from '../../src/core/targets.ts';

const uno = findPresetTarget('arduino-uno')!;
const f446 = findPresetTarget('stm32f446re')!;
const example = parseArchitecture(JSON.parse(readFileSync('examples/lenet-mnist.json', 'utf8')));

/** The number after the last `=` of a formula. */
function result(formula: string): number {
  const matches = [...formula.matchAll(/= (−?\d[\d,]*(?:\.\d+)?) (?:B|MACs|ms|params)\b/g)];
  const last = matches.at(-1);
  if (!last) throw new Error(`no result in "${formula}"`);
  return Number(last[1]!.replace(/,/g, '').replace('−', '-'));
}

const parseCount = (text: string): number => Number(text.replace(/,/g, '').replace('−', '-'));

/** Every `a×b + c = d` inside a formula must hold. */
function checkArithmetic(formula: string): void {
  for (const match of formula.matchAll(/(?<![\d,.])(\d[\d,]*(?: ?[×+] ?\d[\d,]*)+) = (\d[\d,]*)(?![\d.])/g)) {
    const value = match[1]!
      .split('+')
      .map((term) => term.split('×').reduce((product, factor) => product * parseCount(factor.trim()), 1))
      .reduce((a, b) => a + b, 0);
    expect(value, `${match[0]} in "${formula}"`).toBe(parseCount(match[2]!));
  }
}

function* explanations(value: unknown): Generator<Explanation> {
  if (typeof value !== 'object' || value === null) return;
  if ('formula' in value) {
    yield value as Explanation;
    return;
  }
  for (const child of Object.values(value)) yield* explanations(child);
}

/** Checks every explanation against the estimate it explains, field by field. */
function checkAgainst(e: Estimate): number {
  const x = explainEstimate(e);
  let checked = 0;
  for (const explanation of explanations(x)) {
    const shown = result(explanation.formula);
    if (explanation.unit === 'ms') {
      expect(Math.abs(shown - explanation.value)).toBeLessThanOrEqual(Math.abs(explanation.value) * 5e-4);
    } else {
      expect(shown, explanation.formula).toBe(explanation.value);
    }
    checkArithmetic(explanation.formula);
    checked++;
  }
  expect(x.params.value).toBe(e.params);
  expect(x.nonzeroParams.value).toBe(e.nonzeroParams);
  expect(x.macs.value).toBe(e.macs);
  expect(x.modelSize.value).toBe(e.paper.modelSizeBytes);
  expect(x.workingMemory.value).toBe(e.paper.workingMemoryBytes);
  e.ops.forEach((op, i) => {
    const o = x.ops[i]!;
    expect([o.params.value, o.macs.value, o.modelSize.value, o.workingMemory.value]).toEqual([
      op.weights + op.biases,
      op.macs,
      e.paper.ops[i]!.modelSize,
      e.paper.ops[i]!.workingMemory,
    ]);
    expect(o.peak).toBe(i === e.paper.peakOp);
  });
  e.targets.forEach((t, ti) => {
    const tx = x.targets[ti]!;
    const d = t.deploy;
    expect(tx.flash.value).toBe(d.flashBytes);
    expect(tx.sram.value).toBe(d.sramBytes);
    expect(tx.latency.value).toBe(t.latencyMs);
    for (const part of ['model', 'weights', 'biases', 'quantization', 'graph', 'runtimeCode'] as const) expect(tx.flashParts[part].value).toBe(d.flash[part]);
    for (const part of ['arena', 'persistent', 'margin', 'runtime'] as const) expect(tx.sramParts[part].value).toBe(d.sram[part]);
    expect(tx.exportable).toBe(d.exportable);
    expect(tx.arenaUsed?.value).toBe(d.exportable ? d.arenaUsedBytes : undefined);
    d.ops.forEach((cost, i) => {
      expect([tx.ops[i]!.flash.value, tx.ops[i]!.arena.value, tx.ops[i]!.persistent.value]).toEqual([cost.flash, cost.arena, cost.persistent]);
    });
    // The latency formula's own arithmetic: MACs × cycles / (MHz × 1000) ms.
    const [, m, c, mhz] = /= ([\d,]+) × ([\d.]+) \/ ([\d.]+) MHz =/.exec(tx.latency.formula)!;
    expect(parseCount(m!) * Number(c) / (Number(mhz) * 1000)).toBeCloseTo(t.latencyMs, 12);
    for (const mode of ['paper', 'deploy'] as const) {
      const v = t.verdicts[mode];
      const vx = tx.verdicts[mode];
      expect(vx.fits).toBe(v.fits);
      expect(vx.flashHeadroom.value).toBe(v.flash.available - v.flash.used);
      expect(vx.sramHeadroom.value).toBe(v.sram.available - v.sram.used);
      expect(vx.flashHeadroom.value < 0).toBe(!v.flash.fits);
      expect(vx.sramHeadroom.value < 0).toBe(!v.sram.fits);
    }
  });
  return checked;
}

describe('number formats', () => {
  it('groups digits, writes a true minus, and gives milliseconds four significant digits', () => {
    expect([formatCount(0), formatCount(999), formatCount(19_758), formatCount(-4712), formatCount(1_234_567)]).toEqual(['0', '999', '19,758', '−4,712', '1,234,567']);
    expect([formatMs(157.038), formatMs(1.1632444), formatMs(0.0032444), formatMs(12_345.6)]).toEqual(['157', '1.163', '0.003244', '12,346']);
    expect([formatValue(6760, 'B'), formatValue(209_384, 'MACs'), formatValue(1.1632444, 'ms'), formatValue(19_758, 'params')]).toEqual([
      '6,760 B',
      '209,384 MACs',
      '1.163 ms',
      '19,758 params',
    ]);
  });
});

describe('the DESIGN.md example network', () => {
  const e = estimate(example, [uno, f446]);
  const x = explainEstimate(e);

  it('explains the totals and names the working-memory peak, the max pool', () => {
    expect(x.params.formula).toBe('params = Σ over ops of (weights + biases) = 80 + 80 + 144 + 68 + 592 + 18,464 + 330 = 19,758 params');
    expect(x.macs.formula).toBe('MACs = Σ over ops = 48,672 + 12,168 + 21,632 + 10,816 + 97,344 + 18,432 + 320 = 209,384 MACs');
    expect(x.modelSize.formula).toBe(
      'model size = Σ over ops of (non-zero weights + biases) × 1 B = 80 + 80 + 144 + 68 + 592 + 18,464 + 330 = 19,758 B',
    );
    expect(x.workingMemoryPeakOp).toBe('layers[1] (maxPool)');
    expect(x.workingMemory.formula).toBe(
      'working memory = max over ops of (input + output activations) × 1 B; peak at layers[1] (maxPool): ' +
        'input 26×26×8 = 5,408 B + output 13×13×8 = 1,352 B = 6,760 B',
    );
  });

  it('explains each op', () => {
    const conv = x.ops[0]!;
    expect(conv.params.formula).toBe('params = k×k×Cin×F + F = 3×3×1×8 + 8 = 80 params');
    expect(conv.macs.formula).toBe('MACs = Ho×Wo×F×k×k×Cin = 26×26×8×3×3×1 = 48,672 MACs');
    expect(conv.workingMemory.formula).toBe('working memory = (input + output activations) × 1 B = input 28×28×1 = 784 B + output 26×26×8 = 5,408 B = 6,192 B');
    expect(x.ops[2]!.params.formula).toBe('params = k×k×C + C = 3×3×8 + 8 = 80 params');
    expect(x.ops[4]!.macs.formula).toBe('MACs = Ho×Wo×C×F = 13×13×16×4 = 10,816 MACs');
    expect(x.ops[7]!.params.formula).toBe('params = N×U + U = 576×32 + 32 = 18,464 params');
    expect(x.ops[1]!.peak).toBe(true);
    expect(x.ops.filter((o) => o.peak)).toHaveLength(1);
  });

  it('explains the deploy flash and SRAM on the Uno: 23,478 B and 6,824 B, an estimate only', () => {
    const t = x.targets[0]!;
    expect([t.family, t.exportable]).toEqual(['bare-c', false]);
    expect(t.basis).toBe('An estimate only: no export for 8-bit AVR yet, and every constant of Generated C (no interpreter) is a guess.');
    expect(t.flash.formula).toBe('flash = model 20,504 B + runtime code 2,974 B = 23,478 B (an estimate only: no export for 8-bit AVR yet)');
    expect(t.flashParts.model.formula).toBe(
      'model = weights 19,664 B + biases 376 B + quantisation 320 B + op structs 144 B = 20,504 B (an estimate only: no export for 8-bit AVR yet)',
    );
    expect(t.flashParts.quantization.formula).toBe(
      'quantisation = ops (45 + 5 + 45 + 85 + 25 + 85 + 5 + 10 + 10) + the input 5 B = 315 + 5 = 320 B ' +
        '(a guess: an int32 multiplier and an int8 shift per channel or tensor, precomputed)',
    );
    expect(t.sram.formula).toBe('SRAM = activations 6,760 B + runtime RAM 64 B = 6,824 B (an estimate only: no export for 8-bit AVR yet)');
    expect(t.arenaUsed).toBeUndefined();
    expect(t.flashParts.runtimeCode.formula).toBe(
      'runtime code (Generated C (no interpreter)) = layer loop and requantisation 1,024 B + softmax kernel 100 B + reshape kernel 0 B + conv kernel 600 B + ' +
        'maxPool kernel 200 B + depthwise kernel 500 B + avgPool kernel 250 B + dense kernel 300 B = 2,974 B (guesses for avr-gcc -Os, not measured)',
    );
    expect(t.ops[0]!.flash.formula).toBe(
      'flash = weights 72 B (72 int8, dense) + biases 32 B (8 × 4 B) + quantisation 45 B (8 channels × 5 B of multiplier and shift + 5 B for the output) + ' +
        'op struct 16 B = 165 B (an estimate: its constants are guesses)',
    );
    expect(t.latency.formula).toBe(
      "latency ≈ MACs × cycles per MAC / clock = 209,384 × 12 / 16 MHz = 157 ms (rough: the AVR 8-bit's cycles per MAC are a guess and memory stalls are ignored)",
    );
    // The Uno keeps 256 B of SRAM and 2 KB of flash for the sketch by default (targets.ts).
    expect(t.verdicts.deploy.summary).toBe('does not fit: SRAM 6,824 B exceeds the 1,792 B of SRAM on Arduino Uno after the 256 B reserve by 5,032 B');
    expect(t.verdicts.deploy.sramHeadroom.formula).toBe('headroom = (SRAM 2,048 B − reserve 256 B) − SRAM 6,824 B = −5,032 B (over by 5,032 B)');
    expect(t.verdicts.paper.sramHeadroom.formula).toBe('headroom = (SRAM 2,048 B − reserve 256 B) − working memory 6,760 B = −4,968 B (over by 4,968 B)');
    expect(t.verdicts.paper.flashHeadroom.formula).toBe('headroom = (flash 32,768 B − reserve 2,048 B) − model size 19,758 B = 10,962 B (fits)');
  });

  it('explains the deploy flash and SRAM on the STM32F446RE: 61,860 B and 10,572 B', () => {
    const t = x.targets[1]!;
    expect([t.family, t.exportable]).toEqual(['tflm', true]);
    expect(t.flash.formula).toBe('flash = model.tflite 24,656 B + runtime code 37,204 B = 61,860 B');
    expect(t.flashParts.model.formula).toBe(
      'model = the exported model.tflite, its exact size = weights 19,664 B + biases 376 B + quantisation 1,440 B + graph 3,176 B = 24,656 B',
    );
    expect(t.flashParts.quantization.formula).toBe(
      'quantisation = 120 scale/zero-point pairs × 12 B (a float32 scale + an int64 zero point) = 1,440 B (over 26 tensors: one pair per output channel ' +
        'for the weights and biases of conv-like ops, one per tensor for dense weights and biases, one per activation, the input included)',
    );
    expect(t.flashParts.graph.formula).toBe(
      'graph = tables 1,826 B (98 tables and their vtables: 26 tensors, 11 operators with their options, 7 operator codes, 15 buffers, the subgraph, the model) + ' +
        'shapes and index lists 684 B + vector lengths 488 B (122 vectors × 4 B) + alignment padding 170 B (constant data to 16 B, zero points to 8 B) + ' +
        'header 8 B = 3,176 B (model − weights − biases − quantisation)',
    );
    expect(t.flashParts.runtimeCode.formula).toBe(
      'runtime code (TFLite Micro + CMSIS-NN) = interpreter 10,632 B + code shared by the kernels 4,819 B + CONV_2D 5,817 B + MAX_POOL_2D 917 B + ' +
        'DEPTHWISE_CONV_2D 3,601 B + AVERAGE_POOL_2D 928 B + RESHAPE 1,440 B + FULLY_CONNECTED 3,961 B + SOFTMAX 5,089 B = 37,204 B ' +
        "(the kernels of TFLite Micro + CMSIS-NN were not measured: the code of TFLM's reference kernels, measured on Cortex-M4 (TFLM-FACTS.md), stands in for theirs)",
    );
    expect(t.sram.formula).toBe('SRAM = arena 6,768 B + persistent 2,204 B + margin 576 B + runtime RAM 1,024 B = 10,572 B');
    expect(t.sramPeakOp).toBe('layers[1] (maxPool)');
    expect(t.arenaTop).toBe('the output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B');
    expect(t.sramParts.arena.formula).toBe(
      "arena = the greedy planner's high-water mark, set by the output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B: " +
        "5,408 + 1,360 = 6,768 B (TFLM's GreedyMemoryPlanner places its 16 buffers largest first, each at the lowest offset free for its lifetime; " +
        'a flatten copies into its own buffer)',
    );
    expect(t.sramParts.persistent.formula).toMatch(
      /^persistent = 178 B \+ 118 B × 11 operators \+ 12 B × 26 tensors \+ 8 B × 52 output channels \(8 \+ 8 \+ 16 \+ 4 \+ 16\) = 178 \+ 1,298 \+ 312 \+ 416 = 2,204 B \(the fit of TFLM-FACTS.md/,
    );
    expect(t.sramParts.margin.formula).toMatch(/^margin = max\(512 B, arena_used_bytes 8,972 B \/ 16 rounded up to 16 B\) = max\(512 B, 576 B\) = 576 B \(/);
    expect(t.sramParts.runtime.formula).toContain('a guess, not measured');
    expect(t.arenaUsed!.formula).toBe(
      "arena_used_bytes() = arena 6,768 B + persistent 2,204 B = 8,972 B (what TFLM reports after AllocateTensors(); give tensor_arena 9,548 B with the margin)",
    );
    expect(t.ops[0]!.arena.formula).toBe(
      'activations while it runs = input 28×28×1 = 784 B + output 26×26×8 = 5,408 B + scratch (im2col, 2 columns of Cin×k×k int16) 2×1×3×3×2 = 36 → 48 B = 6,240 B ' +
        '(each buffer aligned to 16 B; where the planner puts them is in the arena plan)',
    );
    expect(t.ops[0]!.flash.formula).toBe(
      'flash in model.tflite = weights 72 B (8×3×3×1 int8) + biases 32 B (8 × int32) + quantisation 204 B (17 scale/zero-point pairs × 12 B: ' +
        '8 for the weights and 8 for the biases, per output channel, 1 for the output) = 308 B',
    );
    expect(t.ops[0]!.persistent.formula).toMatch(/^persistent share = 118 B for the operator \+ 3 tensors \(weights, biases, output\) × 12 B \+ 8 output channels × 8 B = 218 B /);
    expect(t.latency.formula).toContain('= 209,384 × 1 / 180 MHz = 1.163 ms');
    expect(t.verdicts.deploy.summary).toBe('fits');
  });

  it('says that the reference kernels were measured, on Cortex-M4, for a Cortex-M0+ target', () => {
    const pico = explainEstimate(estimate(example, [findPresetTarget('rp2040')!])).targets[0]!;
    expect(pico.flashParts.runtimeCode.formula).toMatch(
      /= 37,204 B \(measured on Cortex-M4 with TFLM's reference kernels, TFLM-FACTS.md; Thumb-1 code on the Arm Cortex-M0\+ is usually larger and was not measured\)$/,
    );
    // Reference kernels ask for no scratch: the plan has only the 12 activation buffers.
    expect(pico.sramParts.arena.formula).toContain('places its 12 buffers');
  });

  it('every formula ends in the number the estimate reports', () => {
    expect(checkAgainst(e)).toBeGreaterThan(100);
  });
});

describe('a small pruned network worked by hand', () => {
  // 6×6×1 → conv 4 filters 3×3 valid → 4×4×4 → globalAvgPool → 4 → classifier 2; 20 of the conv's
  // 36 weights survive unstructured pruning.
  const small: Architecture = parseArchitecture({
    input: { height: 6, width: 6, channels: 1 },
    classes: 2,
    layers: [{ type: 'conv', filters: 4, kernel: 3, stride: 1, padding: 'valid' }, { type: 'globalAvgPool' }],
  });
  const e = estimate(small, [f446], { measurement: [{ nonzeroWeights: [20] }] });
  const x = explainEstimate(e);
  const t = x.targets[0]!;

  it('paper: params 3·3·1·4 + 4 = 40 and 4·2 + 2 = 10; model size 20 + 4 + 10 = 34 B; working memory 36 + 64 = 100 B', () => {
    expect(x.ops[0]!.modelSize.formula).toBe('model size = (non-zero weights + biases) × 1 B = 20 (of 36) + 4 = 24 B');
    expect(x.nonzeroParams.formula).toBe('non-zero params = Σ over ops of (non-zero weights + biases) = 24 + 10 = 34 params (of 50)');
    expect(x.ops[1]!.workingMemory.formula).toBe('working memory = (input + output activations) × 1 B = input 4×4×4 = 64 B + output 4 B = 68 B');
    expect(x.workingMemory.formula).toBe(
      'working memory = max over ops of (input + output activations) × 1 B; peak at layers[0] (conv): input 6×6×1 = 36 B + output 4×4×4 = 64 B = 100 B',
    );
    expect(x.macs.formula).toBe('MACs = Σ over ops = 576 + 8 = 584 MACs');
  });

  it('deploy: model.tflite 1,568 B stores the pruned zeros; SRAM 160 + 802 + 512 + 1,024 = 2,498 B, the input on top', () => {
    expect(t.ops[0]!.flash.formula).toBe(
      'flash in model.tflite = weights 36 B (4×3×3×1 int8, its 16 pruned zeros included: TFLM reads dense int8) + biases 16 B (4 × int32) + ' +
        'quantisation 108 B (9 scale/zero-point pairs × 12 B: 4 for the weights and 4 for the biases, per output channel, 1 for the output) = 160 B',
    );
    expect(t.flashParts.weights.formula).toBe('weights = Σ over ops of int8 weights = 36 + 8 = 44 B (pruned zeros included: a .tflite for TFLM stores dense int8)');
    // MEAN: its output 4 → 16 B and its int32 sums 4 × 4 = 16 B; its axis constant is part of the graph.
    expect(t.ops[1]!.arena.formula).toBe(
      "activations while it runs = input 4×4×4 = 64 B + output 4 → 16 B + scratch (MEAN's int32 sums, one per output) 4×4 = 16 B = 96 B " +
        '(each buffer aligned to 16 B; where the planner puts them is in the arena plan)',
    );
    expect(t.ops[1]!.flash.formula).toBe(
      "flash in model.tflite = quantisation 12 B (1 scale/zero-point pair × 12 B, for the output) = 12 B (MEAN has no weights; its 8-byte axis constant is counted in the graph)",
    );
    expect(t.flashParts.graph.formula).toContain("+ header 8 B + MEAN's axes 8 B = 1,320 B");
    expect(t.flash.formula).toBe('flash = model.tflite 1,568 B + runtime code 33,326 B = 34,894 B');
    // The input (36 → 48 B) lands at 112, above the conv's output (0–64) and its im2col (64–112).
    expect(t.sramParts.arena.formula).toMatch(/^arena = the greedy planner's high-water mark, set by the network input \(6×6×1 = 36 → 48 B\) at offset 112 B: 112 \+ 48 = 160 B \(/);
    expect(t.sramParts.arena.formula).not.toContain('flatten');
    expect(t.sramParts.persistent.formula).toMatch(/^persistent = 178 B \+ 118 B × 4 operators \+ 12 B × 10 tensors \+ 8 B × 4 output channels = 178 \+ 472 \+ 120 \+ 32 = 802 B /);
    expect(t.sramParts.margin.formula).toMatch(/^margin = max\(512 B, arena_used_bytes 962 B \/ 16 rounded up to 16 B\) = max\(512 B, 64 B\) = 512 B /);
    expect(t.sram.formula).toBe('SRAM = arena 160 B + persistent 802 B + margin 512 B + runtime RAM 1,024 B = 2,498 B');
    expect(t.latency.formula).toContain('= 584 × 1 / 180 MHz = 0.003244 ms');
    expect(checkAgainst(e)).toBeGreaterThan(20);
  });

  it('a reserve shows in the headroom', () => {
    const reserved = withReserve(f446, { flashBytes: 500_000, sramBytes: 130_000 });
    // Unpruned or pruned, model.tflite is the same 1,568 B: flash 34,894 B.
    const v = explainEstimate(estimate(small, [reserved])).targets[0]!.verdicts.deploy;
    expect(v.flashHeadroom.formula).toBe('headroom = (flash 524,288 B − reserve 500,000 B) − flash 34,894 B = −10,606 B (over by 10,606 B)');
    expect(v.fits).toBe(false);
    expect(v.reasons).toHaveLength(2);
  });
});

/** Random surviving channels and non-zero counts, as a pruning method could leave them. */
function randomMeasurement(architecture: Architecture, rng: Rng): Measurement {
  const measurement = architecture.layers.map((layer) => {
    if (layer.type === 'dense') return { channels: rng.int(1, layer.units) };
    if (layer.type === 'conv' || layer.type === 'separableConv') return { channels: rng.int(1, layer.filters) };
    if (layer.type === 'downsampledConv') return { channels: rng.int(1, layer.filters), bottleneck: rng.int(1, layer.bottleneck) };
    return undefined;
  });
  const shrunk = expandOps(architecture, measurement);
  return [...measurement, undefined].map((entry, index) => {
    const ops = shrunk.filter((op) => op.layerIndex === index && op.weights > 0);
    return ops.length === 0 ? entry : { ...entry, nonzeroWeights: ops.map((op) => rng.int(0, op.weights)) };
  });
}

describe('sampled architectures', { timeout: 60_000 }, () => {
  it('over 300 architectures, unpruned and pruned, on every preset: every formula gives the reported number', () => {
    const rng = createRng('explain');
    const inputs = [
      { height: 8, width: 8, channels: 1 },
      { height: 28, width: 28, channels: 1 },
      { height: 32, width: 32, channels: 3 },
    ];
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const architecture = sampleArchitecture(defaultSearchSpace(inputs[i % 3]!, 10), rng);
      const measurement = i % 2 === 0 ? undefined : randomMeasurement(architecture, rng);
      checked += checkAgainst(estimate(architecture, presetTargets, measurement ? { measurement } : {}));
    }
    expect(checked).toBeGreaterThan(300 * 100);
  });
});
