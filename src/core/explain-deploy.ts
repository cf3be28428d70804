/**
 * Explanations of the deploy numbers of one target (explain.ts does the paper ones): per-op flash,
 * arena and persistent RAM, the flash and SRAM breakdowns, the latency and the verdicts. Each part is
 * worked out again from the runtime's constants (explain-deploy-op.ts) the way estimateDeploy does
 * it, so a formula whose sum disagrees with the estimate would show in tests/core/explain.test.ts.
 */
import { opName } from './ops.ts';
import { type Accounting, type Estimate, type TargetEstimate, type Verdict, explainVerdict } from './resources.ts';
import { type CodeKernel, codeKernelOf, runtimeProfiles } from './runtimes.ts';
import { coreProfiles } from './targets.ts';
import { type Explanation, formatCount, formatMs, memoryWords, sumText } from './explain-format.ts';
import { B, type OpParts, eachAligned, opParts, plural } from './explain-deploy-op.ts';

export interface DeployOpExplanation {
  readonly name: string;
  /** True for the op that sets the arena. */
  readonly peak: boolean;
  readonly flash: Explanation;
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

export interface TargetExplanation {
  readonly targetId: string;
  readonly targetName: string;
  readonly runtimeName: string;
  readonly flash: Explanation;
  readonly flashParts: Readonly<Record<'weights' | 'biases' | 'quantization' | 'graph' | 'runtimeCode', Explanation>>;
  readonly sram: Explanation;
  readonly sramParts: Readonly<Record<'arena' | 'persistent' | 'runtime', Explanation>>;
  /** Name of the op that sets the arena peak. */
  readonly sramPeakOp: string;
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
    flashHeadroom: headroom(
      `flash headroom on ${target.name} (${mode})`,
      verdict.flash.used,
      target.flashBytes,
      target.reserve.flashBytes,
      verdict.flash.available,
      words.flash,
      'flash',
    ),
    sramHeadroom: headroom(
      `SRAM headroom on ${target.name} (${mode})`,
      verdict.sram.used,
      target.sramBytes,
      target.reserve.sramBytes,
      verdict.sram.available,
      words.sram,
      'SRAM',
    ),
  };
}

/** Explanations of the deploy numbers, latency and verdicts of one target of an estimate. */
export function explainTarget(estimate: Estimate, t: TargetEstimate): TargetExplanation {
  const runtime = runtimeProfiles[t.deploy.runtime];
  const on = ` on ${t.target.name}`;
  const each = eachAligned(runtime.flashAlignment);
  const worked = estimate.ops.map((op) => opParts(op, runtime));
  const arenaRule = `input + output + scratch${eachAligned(runtime.arenaAlignment)}`;
  const ops = estimate.ops.map((op, index): DeployOpExplanation => {
    const name = opName(op);
    const cost = t.deploy.ops[index]!;
    const w = worked[index]!;
    return {
      name,
      peak: t.deploy.peakOp === index,
      flash: { label: `flash of ${name}${on}`, value: cost.flash, unit: 'B', formula: w.flash },
      arena: { label: `arena of ${name}${on}`, value: cost.arena, unit: 'B', formula: `arena = ${arenaRule}: ${w.arena}` },
      persistent: { label: `persistent RAM of ${name}${on}`, value: cost.persistent, unit: 'B', formula: w.persistent },
    };
  });
  const total = (key: keyof OpParts): number => worked.reduce((sum, w) => sum + w.parts[key], 0);
  const terms = (key: keyof OpParts): string => sumText(worked.map((w) => w.parts[key]));

  // Graph entries outside our ops (resources.ts): the softmax op, one reshape op per flatten, and
  // their output tensors plus the network input.
  const flattens = countFlattens(estimate);
  const extraOps = 1 + flattens;
  const extraTensors = 1 + extraOps;
  const extraOpNames = flattens > 0 ? 'softmax and reshape' : 'softmax';
  const extraTensorNames = `the input and the ${extraOpNames} output${extraOps === 1 ? '' : 's'}`;
  const { flash, sram } = t.deploy;

  const quantOps = total('quantization');
  const quantExtra = extraTensors * runtime.quantBytesPerTensor;
  const graphOps = total('graph');
  const graphTensors = extraTensors * runtime.tensorMetadataBytes;
  const graphExtraOps = extraOps * runtime.opMetadataBytes;
  const persistentOps = total('persistent');
  const persistentTensors = extraTensors * runtime.persistentBytesPerTensor;
  const persistentExtraOps = extraOps * runtime.persistentBytesPerOp;

  const kernels = new Set<CodeKernel>(['softmax']);
  if (flattens > 0) kernels.add('reshape');
  for (const op of estimate.ops) kernels.add(codeKernelOf(op.kernelKind));
  const kernelTerms = [...kernels].map((k) => `${k} kernel ${B(runtime.kernelCodeBytes[k])}`);
  const codeValue = runtime.baseCodeBytes + [...kernels].reduce((sum, k) => sum + runtime.kernelCodeBytes[k], 0);

  const sparse = t.deploy.sparseOps > 0 ? ` (${plural(t.deploy.sparseOps, 'op')} stored as a bitmap plus the non-zero values)` : '';
  const peakIndex = t.deploy.peakOp;
  const peakName = opName(estimate.ops[peakIndex]!);
  const core = coreProfiles[t.target.core];

  return {
    targetId: t.target.id,
    targetName: t.target.name,
    runtimeName: runtime.name,
    flash: {
      label: `flash${on}`,
      value: t.deploy.flashBytes,
      unit: 'B',
      formula:
        `flash = weights ${B(total('weights'))} + biases ${B(total('biases'))} + quantisation ${B(quantOps + quantExtra)} + ` +
        `graph ${B(graphOps + runtime.modelMetadataBytes + graphTensors + graphExtraOps)} + runtime code ${B(codeValue)} = ` +
        B(total('weights') + total('biases') + quantOps + quantExtra + graphOps + runtime.modelMetadataBytes + graphTensors + graphExtraOps + codeValue),
    },
    flashParts: {
      weights: {
        label: `weights in flash${on}`,
        value: flash.weights,
        unit: 'B',
        formula: `weights = Σ over ops of int8 weights as stored${each} = ${terms('weights')} = ${B(total('weights'))}${sparse}`,
      },
      biases: {
        label: `biases in flash${on}`,
        value: flash.biases,
        unit: 'B',
        formula: `biases = Σ over ops of biases × ${runtime.biasBytes} B (int32)${each} = ${terms('biases')} = ${B(total('biases'))}`,
      },
      quantization: {
        label: `quantisation parameters${on}`,
        value: flash.quantization,
        unit: 'B',
        formula:
          `quantisation = ops (${terms('quantization')}) + ${plural(extraTensors, 'tensor')} × ${runtime.quantBytesPerTensor} B ` +
          `(${extraTensorNames}) = ${formatCount(quantOps)} + ${formatCount(quantExtra)} = ${B(quantOps + quantExtra)}`,
      },
      graph: {
        label: `graph description${on}`,
        value: flash.graph,
        unit: 'B',
        formula:
          `graph = ops (${terms('graph')}) + model tables ${B(runtime.modelMetadataBytes)} + ${plural(extraTensors, 'tensor')} × ` +
          `${runtime.tensorMetadataBytes} B (${extraTensorNames}) + ${plural(extraOps, 'op')} × ${runtime.opMetadataBytes} B (${extraOpNames}) = ` +
          `${formatCount(graphOps)} + ${formatCount(runtime.modelMetadataBytes)} + ${formatCount(graphTensors)} + ${formatCount(graphExtraOps)} = ` +
          B(graphOps + runtime.modelMetadataBytes + graphTensors + graphExtraOps),
      },
      runtimeCode: {
        label: `runtime code${on}`,
        value: flash.runtimeCode,
        unit: 'B',
        formula: `runtime code (${runtime.name}) = interpreter ${B(runtime.baseCodeBytes)} + ${kernelTerms.join(' + ')} = ${B(codeValue)}`,
      },
    },
    sram: {
      label: `SRAM${on}`,
      value: t.deploy.sramBytes,
      unit: 'B',
      formula:
        `SRAM = arena ${B(sram.arena)} + persistent ${B(persistentOps + persistentTensors + persistentExtraOps)} + ` +
        `runtime ${B(runtime.runtimeRamBytes)} = ${B(sram.arena + persistentOps + persistentTensors + persistentExtraOps + runtime.runtimeRamBytes)}`,
    },
    sramParts: {
      arena: {
        label: `activation arena${on}`,
        value: sram.arena,
        unit: 'B',
        formula: `arena = max over ops of (${arenaRule}); peak at ${peakName}: ${worked[peakIndex]!.arena}`,
      },
      persistent: {
        label: `persistent RAM${on}`,
        value: sram.persistent,
        unit: 'B',
        formula:
          `persistent = ops (${terms('persistent')}) + ${plural(extraTensors, 'tensor')} × ${runtime.persistentBytesPerTensor} B + ` +
          `${plural(extraOps, 'op')} × ${runtime.persistentBytesPerOp} B (${extraOpNames}) = ` +
          `${formatCount(persistentOps)} + ${formatCount(persistentTensors)} + ${formatCount(persistentExtraOps)} = ` +
          B(persistentOps + persistentTensors + persistentExtraOps),
      },
      runtime: {
        label: `runtime RAM${on}`,
        value: sram.runtime,
        unit: 'B',
        formula: `runtime RAM = ${B(runtime.runtimeRamBytes)} (${runtime.name}: its own objects and the stack of one inference; a guess)`,
      },
    },
    sramPeakOp: peakName,
    ops,
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

/**
 * Reshape ops in the graph: one per flatten layer. A flatten makes no op, but it shows in the ops as
 * the first op with a flat input that follows a spatial output (or the network input, which is
 * always spatial); after a globalAvgPool the input is flat because that pool's op made it so.
 */
function countFlattens(estimate: Estimate): number {
  const first = estimate.ops.findIndex((op) => op.input.flat);
  if (first < 0) return 0;
  const before = estimate.ops[first - 1];
  return before === undefined || !before.output.flat ? 1 : 0;
}
