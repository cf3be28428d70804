/**
 * Explanations of the deploy numbers of one target (explain.ts does the paper ones): the flash and
 * SRAM with their parts, per-op costs, the latency and the verdicts.
 *
 * On TensorFlow Lite Micro each number is worked out again from the graph the exporter writes
 * (tflite-graph.ts): the model is the exact size of model.tflite, split into its parts
 * (tflite-parts.ts); the code is the measured interpreter plus each linked kernel; the arena is the
 * greedy planner's high-water mark (tflm-arena.ts), named by the buffer on top; the persistent tail
 * is the fit of TFLM-FACTS.md with this graph's counts. Bare-C is worked out from its guessed
 * constants (runtimes.ts `bareC`). tests/core/explain.test.ts holds every result equal to the estimate.
 */
import { opName } from './ops.ts';
import { type Accounting, type Estimate, type TargetEstimate, type Verdict, deployGraph, explainVerdict, quantPairBytes, storedWeights } from './resources.ts';
import { type CodeKernel, type RuntimeProfile, type TflmKernel, bareC, codeKernelOf, runtimeProfiles, tflmCodeBytes, tflmReferenceCode } from './runtimes.ts';
import { coreProfiles } from './targets.ts';
import type { BuiltinName, TfliteGraph } from './tflite-graph.ts';
import { tfliteParts } from './tflite-parts.ts';
import { arenaAlignment, arenaMargin, persistentFit, planArena } from './tflm-arena.ts';
import { topBufferText } from './tflm-plan-words.ts';
import { alignUp, formatBytes as B } from './units.ts';
import { type Explanation, activationText, formatCount, formatMs, memoryWords, sumText } from './explain-format.ts';
import { bareCOpFormulas, plural, tflmOpFormulas } from './explain-deploy-op.ts';

export interface DeployOpExplanation {
  readonly name: string;
  /** True for the op that sets the activation peak (TFLM: the op whose output is on top of the arena plan). */
  readonly peak: boolean;
  readonly flash: Explanation;
  /** Activations alive while the op runs: input + output + scratch. */
  readonly arena: Explanation;
  readonly persistent: Explanation;
}

export interface VerdictExplanation {
  readonly accounting: Accounting;
  readonly fits: boolean;
  /** `fits`, or `does not fit: ` and the reasons of explainVerdict. */
  readonly summary: string;
  readonly reasons: readonly string[];
  /** Memory left after the model: available − used; negative when it does not fit. */
  readonly flashHeadroom: Explanation;
  readonly sramHeadroom: Explanation;
}

export type FlashPart = 'model' | 'weights' | 'biases' | 'quantization' | 'graph' | 'runtimeCode';
export type SramPart = 'arena' | 'persistent' | 'margin' | 'runtime';

export interface TargetExplanation {
  readonly targetId: string;
  readonly targetName: string;
  readonly runtimeName: string;
  /** `tflm`: exact for the exported model; `bare-c`: an estimate only. */
  readonly family: RuntimeProfile['family'];
  readonly exportable: boolean;
  /** Where the deploy numbers come from, in one sentence. */
  readonly basis: string;
  readonly flash: Explanation;
  readonly flashParts: Readonly<Record<FlashPart, Explanation>>;
  readonly sram: Explanation;
  readonly sramParts: Readonly<Record<SramPart, Explanation>>;
  /** TFLM's `arena_used_bytes()` (arena + persistent); undefined for bare-C, which has no arena. */
  readonly arenaUsed: Explanation | undefined;
  /** Name of the op that sets the activation peak. */
  readonly sramPeakOp: string;
  /** What sets the arena, in words: TFLM's buffer on top of the plan, or bare-C's peak op. */
  readonly arenaTop: string;
  readonly ops: readonly DeployOpExplanation[];
  readonly latency: Explanation;
  readonly verdicts: Readonly<Record<Accounting, VerdictExplanation>>;
}

function headroom(label: string, used: number, memory: number, reserve: number, available: number, words: string, what: string): Explanation {
  const value = available - used;
  const outcome = value >= 0 ? 'fits' : `over by ${B(-value)}`;
  return {
    label,
    value,
    unit: 'B',
    formula: `headroom = (${what} ${B(memory)} − reserve ${B(reserve)}) − ${words} ${B(used)} = ${formatCount(value)} B (${outcome})`,
  };
}

function explainVerdictOf(verdict: Verdict, t: TargetEstimate): VerdictExplanation {
  const words = memoryWords(verdict.accounting);
  const target = t.target;
  const reasons = explainVerdict(verdict, target);
  const mode = verdict.accounting === 'paper' ? 'paper accounting' : 'deploy accounting';
  return {
    accounting: verdict.accounting,
    fits: verdict.fits,
    summary: verdict.fits ? 'fits' : `does not fit: ${reasons.join('; ')}`,
    reasons,
    flashHeadroom: headroom(`flash headroom on ${target.name} (${mode})`, verdict.flash.used, target.flashBytes, target.reserve.flashBytes, verdict.flash.available, words.flash, 'flash'),
    sramHeadroom: headroom(`SRAM headroom on ${target.name} (${mode})`, verdict.sram.used, target.sramBytes, target.reserve.sramBytes, verdict.sram.available, words.sram, 'SRAM'),
  };
}

/** The TFLM kernel each builtin links (a pointwise op is a CONV_2D). */
const kernelOfBuiltin: Readonly<Record<BuiltinName, TflmKernel>> = {
  CONV_2D: 'conv',
  DEPTHWISE_CONV_2D: 'depthwise',
  MAX_POOL_2D: 'maxPool',
  AVERAGE_POOL_2D: 'avgPool',
  FULLY_CONNECTED: 'dense',
  SOFTMAX: 'softmax',
  RESHAPE: 'reshape',
  MEAN: 'mean',
};

/** Output channels of the operators whose kernels keep a multiplier and shift per channel. */
function perChannelOutputs(graph: TfliteGraph): number[] {
  const channels: number[] = [];
  for (const operator of graph.operators) {
    if (operator.builtin !== 'CONV_2D' && operator.builtin !== 'DEPTHWISE_CONV_2D') continue;
    const shape = graph.tensors[operator.outputs[0]!]!.shape;
    channels.push(shape[shape.length - 1]!);
  }
  return channels;
}

type Parts = Pick<TargetExplanation, 'basis' | 'flash' | 'flashParts' | 'sram' | 'sramParts' | 'arenaUsed' | 'arenaTop' | 'ops'>;

/** The deploy numbers on TensorFlow Lite Micro, from the exported graph. */
/** Each op's flash, activations and persistent RAM, with the formulas a runtime works them out by. */
function opExplanations(
  estimate: Estimate,
  d: TargetEstimate['deploy'],
  on: string,
  formulasOf: (op: Estimate['ops'][number], index: number) => { readonly flash: string; readonly arena: string; readonly persistent: string },
): DeployOpExplanation[] {
  return estimate.ops.map((op, index): DeployOpExplanation => {
    const name = opName(op);
    const cost = d.ops[index]!;
    const w = formulasOf(op, index);
    return {
      name,
      peak: d.peakOp === index,
      flash: { label: `flash of ${name}${on}`, value: cost.flash, unit: 'B', formula: w.flash },
      arena: { label: `activations of ${name}${on}`, value: cost.arena, unit: 'B', formula: w.arena },
      persistent: { label: `persistent RAM of ${name}${on}`, value: cost.persistent, unit: 'B', formula: w.persistent },
    };
  });
}

function explainTflm(estimate: Estimate, t: TargetEstimate, runtime: RuntimeProfile, graph: TfliteGraph): Parts {
  const on = ` on ${t.target.name}`;
  const d = t.deploy;
  const parts = tfliteParts(graph);
  const plan = planArena(graph, runtime.scratch);
  const core = coreProfiles[t.target.core];

  // Flash: model.tflite and the code.
  const graphBytes = parts.bytes - parts.weights - parts.biases - parts.quantization;
  const kernels = graph.opcodes.map((name) => ({ name, kernel: kernelOfBuiltin[name] }));
  const codeValue = tflmCodeBytes(new Set(kernels.map((k) => k.kernel)));
  const shared = kernels.some((k) => k.kernel !== 'reshape');
  const codeTerms = [`interpreter ${B(tflmReferenceCode.interpreter)}`];
  if (shared) codeTerms.push(`code shared by the kernels ${B(tflmReferenceCode.shared)}`);
  for (const { name, kernel } of kernels) codeTerms.push(`${name} ${B(tflmReferenceCode.kernels[kernel])}`);
  const thumb1 = t.target.core === 'cortex-m0' || t.target.core === 'cortex-m0plus' ? `; Thumb-1 code on the ${core.name} is usually larger and was not measured` : '';
  const codeSource = runtime.codeMeasured
    ? `measured on Cortex-M4 with TFLM's reference kernels, TFLM-FACTS.md${thumb1}`
    : `the kernels of ${runtime.name} were not measured: the code of TFLM's reference kernels, measured on Cortex-M4 (TFLM-FACTS.md), stands in for theirs`;
  const pruned = estimate.ops.some((op) => op.nonzeroWeights < op.weights) ? ' (pruned zeros included: a .tflite for TFLM stores dense int8)' : '';

  // SRAM: the plan, the fit, the margin.
  const channels = perChannelOutputs(graph);
  const channelCount = channels.reduce((a, b) => a + b, 0);
  const fit = {
    operators: persistentFit.perOperator * graph.operators.length,
    tensors: persistentFit.perTensor * graph.tensors.length,
    channels: persistentFit.perChannel * channelCount,
  };
  const persistentValue = persistentFit.base + fit.operators + fit.tensors + fit.channels;
  const arenaUsed = plan.nonPersistentBytes + persistentValue;
  const margin = arenaMargin(arenaUsed);
  const sixteenth = alignUp(arenaUsed / 16, arenaAlignment);
  const top = topBufferText(graph, plan);
  const topBuffer = plan.buffers[plan.topBuffer];
  const topSum = topBuffer ? `${formatCount(topBuffer.offset)} + ${formatCount(topBuffer.size)} = ` : '';
  const quantTerms = graph.tensors.filter((tensor) => tensor.quantCount > 0).length;

  const ops = opExplanations(estimate, d, on, (op) => tflmOpFormulas(op, runtime));

  return {
    basis:
      `Exact for the model.tflite the playground exports: its size, TFLM's greedy arena plan and the persistent tail fitted to TFLM itself; ` +
      (runtime.codeMeasured
        ? 'runtime code measured on Cortex-M4.'
        : `runtime code of TFLM's reference kernels on Cortex-M4, standing in for ${runtime.name}'s, which was not measured.`),
    flash: {
      label: `flash${on}`,
      value: d.flashBytes,
      unit: 'B',
      formula: `flash = model.tflite ${B(parts.bytes)} + runtime code ${B(codeValue)} = ${B(parts.bytes + codeValue)}`,
    },
    flashParts: {
      model: {
        label: `model.tflite${on}`,
        value: d.flash.model,
        unit: 'B',
        formula:
          `model = the exported model.tflite, its exact size = weights ${B(parts.weights)} + biases ${B(parts.biases)} + ` +
          `quantisation ${B(parts.quantization)} + graph ${B(graphBytes)} = ${B(parts.weights + parts.biases + parts.quantization + graphBytes)}`,
      },
      weights: {
        label: `weights in model.tflite${on}`,
        value: d.flash.weights,
        unit: 'B',
        formula: `weights = Σ over ops of int8 weights = ${sumText(estimate.ops.map((op) => op.weights))} = ${B(parts.weights)}${pruned}`,
      },
      biases: {
        label: `biases in model.tflite${on}`,
        value: d.flash.biases,
        unit: 'B',
        formula: `biases = Σ over ops of biases × 4 B (int32) = ${sumText(estimate.ops.map((op) => 4 * op.biases))} = ${B(parts.biases)}`,
      },
      quantization: {
        label: `quantisation parameters${on}`,
        value: d.flash.quantization,
        unit: 'B',
        formula:
          `quantisation = ${plural(parts.quantPairs, 'scale/zero-point pair')} × ${quantPairBytes} B (a float32 scale + an int64 zero point) = ${B(parts.quantization)} ` +
          `(over ${plural(quantTerms, 'tensor')}: one pair per output channel for the weights and biases of conv-like ops, one per tensor for dense weights and biases, one per activation, the input included)`,
      },
      graph: {
        label: `graph description${on}`,
        value: d.flash.graph,
        unit: 'B',
        formula:
          `graph = tables ${B(parts.tables)} (${plural(parts.tableCount, 'table')} and their vtables: ${plural(graph.tensors.length, 'tensor')}, ` +
          `${plural(graph.operators.length, 'operator')} with their options, ${plural(graph.opcodes.length, 'operator code')}, ${plural(graph.buffers.length, 'buffer')}, the subgraph, the model) + ` +
          `shapes and index lists ${B(parts.lists)} + vector lengths ${B(parts.lengths)} (${plural(parts.vectorCount, 'vector')} × 4 B) + ` +
          `alignment padding ${B(parts.padding)} (constant data to 16 B, zero points to 8 B) + header ${B(parts.header)}` +
          `${parts.axes > 0 ? ` + MEAN's axes ${B(parts.axes)}` : ''} = ${B(graphBytes)} (model − weights − biases − quantisation)`,
      },
      runtimeCode: {
        label: `runtime code${on}`,
        value: d.flash.runtimeCode,
        unit: 'B',
        formula: `runtime code (${runtime.name}) = ${codeTerms.join(' + ')} = ${B(codeValue)} (${codeSource})`,
      },
    },
    sram: {
      label: `SRAM${on}`,
      value: d.sramBytes,
      unit: 'B',
      formula:
        `SRAM = arena ${B(plan.nonPersistentBytes)} + persistent ${B(persistentValue)} + margin ${B(margin)} + runtime RAM ${B(runtime.runtimeRamBytes)} = ` +
        B(arenaUsed + margin + runtime.runtimeRamBytes),
    },
    sramParts: {
      arena: {
        label: `activation arena${on}`,
        value: d.sram.arena,
        unit: 'B',
        formula:
          `arena = the greedy planner's high-water mark, set by ${top}: ${topSum}${B(plan.nonPersistentBytes)} ` +
          `(TFLM's GreedyMemoryPlanner places its ${plural(plan.buffers.length, 'buffer')} largest first, each at the lowest offset free for its lifetime` +
          `${graph.opcodes.includes('RESHAPE') ? '; a flatten copies into its own buffer)' : ')'}`,
      },
      persistent: {
        label: `persistent RAM${on}`,
        value: d.sram.persistent,
        unit: 'B',
        formula:
          `persistent = ${persistentFit.base} B + ${persistentFit.perOperator} B × ${plural(graph.operators.length, 'operator')} + ` +
          `${persistentFit.perTensor} B × ${plural(graph.tensors.length, 'tensor')} + ${persistentFit.perChannel} B × ${plural(channelCount, 'output channel')}` +
          `${channels.length > 1 ? ` (${channels.map(formatCount).join(' + ')})` : ''} = ` +
          `${persistentFit.base} + ${formatCount(fit.operators)} + ${formatCount(fit.tensors)} + ${formatCount(fit.channels)} = ${B(persistentValue)} ` +
          `(the fit of TFLM-FACTS.md over 13 measured nets, largest miss 65 B: eval tensors, nodes, kernel data, per-channel multipliers and shifts; ` +
          `operators include RESHAPE and SOFTMAX, tensors the constants, channels those of CONV_2D and DEPTHWISE_CONV_2D)`,
      },
      margin: {
        label: `arena margin${on}`,
        value: d.sram.margin,
        unit: 'B',
        formula:
          `margin = max(512 B, arena_used_bytes ${B(arenaUsed)} / 16 rounded up to 16 B) = max(512 B, ${B(sixteenth)}) = ${B(margin)} ` +
          `(configure this much above arena_used_bytes(): TFLM-FACTS.md measured AllocateTensors() needing up to 300 B more on nets under about 2 KB, ` +
          `and an arena a few bytes too small can crash the reference conv kernel)`,
      },
      runtime: {
        label: `runtime RAM${on}`,
        value: d.sram.runtime,
        unit: 'B',
        formula: `runtime RAM = ${B(runtime.runtimeRamBytes)} (the MicroInterpreter object and the stack of one Invoke(), outside the arena: a guess, not measured)`,
      },
    },
    arenaUsed: {
      label: `arena_used_bytes()${on}`,
      value: d.arenaUsedBytes,
      unit: 'B',
      formula:
        `arena_used_bytes() = arena ${B(plan.nonPersistentBytes)} + persistent ${B(persistentValue)} = ${B(arenaUsed)} ` +
        `(what TFLM reports after AllocateTensors(); give tensor_arena ${B(arenaUsed + margin)} with the margin)`,
    },
    arenaTop: top,
    ops,
  };
}

/** The deploy numbers of generated C: every constant a guess, and no export to check them against. */
function explainBareC(estimate: Estimate, t: TargetEstimate, runtime: RuntimeProfile): Parts {
  const on = ` on ${t.target.name}`;
  const d = t.deploy;
  const worked = estimate.ops.map((op) => ({ op, stored: storedWeights(op.weights, op.nonzeroWeights), formulas: bareCOpFormulas(op) }));
  const weights = worked.map((w) => w.stored.bytes);
  const biases = estimate.ops.map((op) => op.biases * bareC.biasBytes);
  const quantOps = estimate.ops.map((op) => {
    const perChannel = op.kernelKind === 'conv' || op.kernelKind === 'depthwise' || op.kernelKind === 'pointwise';
    return (op.weights > 0 ? (perChannel ? op.output.channels * bareC.quantBytesPerChannel : bareC.quantBytesPerTensor) : 0) + bareC.quantBytesPerTensor;
  });
  const sum = (terms: readonly number[]): number => terms.reduce((a, b) => a + b, 0);
  const quantization = sum(quantOps) + bareC.quantBytesPerTensor;
  const graph = estimate.ops.length * bareC.opMetadataBytes;
  const model = sum(weights) + sum(biases) + quantization + graph;

  const flattens = estimate.architecture.layers.filter((layer) => layer.type === 'flatten').length;
  const kernels = new Set<CodeKernel>(['softmax']);
  if (flattens > 0) kernels.add('reshape');
  for (const op of estimate.ops) kernels.add(codeKernelOf(op.kernelKind));
  const codeValue = bareC.baseCodeBytes + [...kernels].reduce((total, k) => total + bareC.kernelCodeBytes[k], 0);
  const kernelTerms = [...kernels].map((k) => `${k} kernel ${B(bareC.kernelCodeBytes[k])}`);

  const sparse = d.sparseOps > 0 ? ` (${plural(d.sparseOps, 'op')} stored as a bitmap plus the non-zero values)` : '';
  const peak = estimate.ops[d.peakOp]!;
  const peakName = opName(peak);
  const activations = peak.inputElements + peak.outputElements;
  const estimateOnly = 'an estimate only: no export for 8-bit AVR yet';

  const ops = opExplanations(estimate, d, on, (_, index) => worked[index]!.formulas);

  return {
    basis: `An estimate only: no export for 8-bit AVR yet, and every constant of ${runtime.name} is a guess.`,
    flash: {
      label: `flash${on}`,
      value: d.flashBytes,
      unit: 'B',
      formula: `flash = model ${B(model)} + runtime code ${B(codeValue)} = ${B(model + codeValue)} (${estimateOnly})`,
    },
    flashParts: {
      model: {
        label: `model in program memory${on}`,
        value: d.flash.model,
        unit: 'B',
        formula:
          `model = weights ${B(sum(weights))} + biases ${B(sum(biases))} + quantisation ${B(quantization)} + op structs ${B(graph)} = ` +
          `${B(model)} (${estimateOnly})`,
      },
      weights: {
        label: `weights in flash${on}`,
        value: d.flash.weights,
        unit: 'B',
        formula: `weights = Σ over ops of int8 weights as stored = ${sumText(weights)} = ${B(sum(weights))}${sparse}`,
      },
      biases: {
        label: `biases in flash${on}`,
        value: d.flash.biases,
        unit: 'B',
        formula: `biases = Σ over ops of biases × ${bareC.biasBytes} B (int32) = ${sumText(biases)} = ${B(sum(biases))}`,
      },
      quantization: {
        label: `quantisation parameters${on}`,
        value: d.flash.quantization,
        unit: 'B',
        formula:
          `quantisation = ops (${sumText(quantOps)}) + the input ${B(bareC.quantBytesPerTensor)} = ${formatCount(sum(quantOps))} + ${formatCount(bareC.quantBytesPerTensor)} = ${B(quantization)} ` +
          `(a guess: an int32 multiplier and an int8 shift per channel or tensor, precomputed)`,
      },
      graph: {
        label: `op structs${on}`,
        value: d.flash.graph,
        unit: 'B',
        formula: `graph = ${plural(estimate.ops.length, 'op struct')} × ${bareC.opMetadataBytes} B = ${B(graph)} (a guess: shapes and offsets of each op)`,
      },
      runtimeCode: {
        label: `runtime code${on}`,
        value: d.flash.runtimeCode,
        unit: 'B',
        formula: `runtime code (${runtime.name}) = layer loop and requantisation ${B(bareC.baseCodeBytes)} + ${kernelTerms.join(' + ')} = ${B(codeValue)} (guesses for avr-gcc -Os, not measured)`,
      },
    },
    sram: {
      label: `SRAM${on}`,
      value: d.sramBytes,
      unit: 'B',
      formula: `SRAM = activations ${B(activations)} + runtime RAM ${B(runtime.runtimeRamBytes)} = ${B(activations + runtime.runtimeRamBytes)} (${estimateOnly})`,
    },
    sramParts: {
      arena: {
        label: `activations${on}`,
        value: d.sram.arena,
        unit: 'B',
        formula:
          `activations = max over ops of (input + output); peak at ${peakName}: input ${activationText(peak.input)} + output ${activationText(peak.output)} = ${B(activations)} ` +
          '(generated C keeps only the running op\'s two buffers; no alignment on an 8-bit core)',
      },
      persistent: { label: `persistent RAM${on}`, value: d.sram.persistent, unit: 'B', formula: 'persistent = 0 B (no interpreter: nothing is kept per op or per tensor in RAM)' },
      margin: { label: `arena margin${on}`, value: d.sram.margin, unit: 'B', formula: 'margin = 0 B (no arena to configure: the buffers are static arrays)' },
      runtime: {
        label: `runtime RAM${on}`,
        value: d.sram.runtime,
        unit: 'B',
        formula: `runtime RAM = ${B(runtime.runtimeRamBytes)} (${runtime.name}: loop counters and accumulators on the stack; a guess)`,
      },
    },
    arenaUsed: undefined,
    arenaTop: `${peakName}: its input and output, ${B(activations)}`,
    ops,
  };
}

/**
 * Explanations of the deploy numbers, latency and verdicts of one target of an estimate. `graph`
 * is the estimate's TFLite graph (deployGraph); pass it when explaining several targets.
 */
export function explainTarget(estimate: Estimate, t: TargetEstimate, graph?: TfliteGraph): TargetExplanation {
  const runtime = runtimeProfiles[t.deploy.runtime];
  const on = ` on ${t.target.name}`;
  const core = coreProfiles[t.target.core];
  const parts = runtime.family === 'tflm' ? explainTflm(estimate, t, runtime, graph ?? deployGraph(estimate)) : explainBareC(estimate, t, runtime);
  return {
    targetId: t.target.id,
    targetName: t.target.name,
    runtimeName: runtime.name,
    family: runtime.family,
    exportable: t.deploy.exportable,
    ...parts,
    sramPeakOp: opName(estimate.ops[t.deploy.peakOp]!),
    latency: {
      label: `latency${on}`,
      value: t.latencyMs,
      unit: 'ms',
      formula:
        `latency ≈ MACs × cycles per MAC / clock = ${formatCount(estimate.macs)} × ${core.cyclesPerMac} / ${t.target.clockMhz} MHz = ` +
        `${formatMs(t.latencyMs)} ms (rough: the ${core.name}'s cycles per MAC are a guess and memory stalls are ignored)`,
    },
    verdicts: { paper: explainVerdictOf(t.verdicts.paper, t), deploy: explainVerdictOf(t.verdicts.deploy, t) },
  };
}
