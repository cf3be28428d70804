/**
 * An estimate as plain JSON: what `npm run estimate -- --json` prints and what study files store.
 * Numbers only, no brands; deploy numbers are per target because they depend on its runtime and core.
 */
import { type Accounting, type Estimate, type Verdict, deployGraph, explainVerdict } from './resources.ts';
import { runtimeProfiles } from './runtimes.ts';
import type { Target } from './targets.ts';
import type { Shape } from './architecture.ts';
import { type Op, opName } from './ops.ts';
import type { TfliteGraph } from './tflite-graph.ts';
import { planArena } from './tflm-arena.ts';
import { operatorLabels, planRows, topBufferText } from './tflm-plan-words.ts';

export interface VerdictReport {
  readonly target: string;
  readonly accounting: Accounting;
  readonly fits: boolean;
  readonly flash: { readonly usedBytes: number; readonly availableBytes: number; readonly overByBytes: number };
  readonly sram: { readonly usedBytes: number; readonly availableBytes: number; readonly overByBytes: number };
  readonly reasons: readonly string[];
}

/** An op's counts, as ops.ts gives them. */
type OpCounts = Pick<Op, 'weights' | 'nonzeroWeights' | 'biases' | 'macs' | 'inputElements' | 'outputElements'>;

export interface OpReport extends OpCounts {
  readonly name: string;
  readonly layerIndex: number;
  readonly layerType: string;
  readonly kind: string;
  /** [height, width, channels] */
  readonly inputShape: readonly [number, number, number];
  readonly outputShape: readonly [number, number, number];
  readonly params: number;
  readonly paper: { readonly modelSizeBytes: number; readonly workingMemoryBytes: number };
  /**
   * Deploy costs on the first target's runtime. TFLM: the op's constants in model.tflite (its share
   * of the graph tables is in the model's `graph`), its 16-aligned activations and its share of the
   * persistent tail; `metadataBytes` is 0. Bare-C: its guessed op struct is `metadataBytes`.
   */
  readonly deploy: {
    readonly flashBytes: number;
    readonly weightEncoding: string;
    readonly weightBytes: number;
    readonly biasBytes: number;
    readonly quantBytes: number;
    readonly metadataBytes: number;
    readonly arenaBytes: number;
    readonly scratchBytes: number;
    readonly persistentBytes: number;
  };
}

/** TFLM's greedy plan of the activations (tflm-arena.ts), buffer by buffer. */
export interface ArenaPlanReport {
  /** The TFLite operators in execution order, e.g. `CONV_2D · layers[0] (conv)`. */
  readonly operators: readonly string[];
  readonly buffers: readonly {
    readonly name: string;
    /** Tensor index in model.tflite; −1 for a kernel's scratch. */
    readonly tensor: number;
    readonly sizeBytes: number;
    /** First and last operator (inclusive) it must stay for. */
    readonly firstOperator: number;
    readonly lastOperator: number;
    readonly offsetBytes: number;
  }[];
  /** The high-water mark: `sramBreakdown.arena`. */
  readonly highWaterBytes: number;
  /** Index in `buffers` of the one that reaches it, and that buffer in words. */
  readonly topBuffer: number;
  readonly top: string;
}

export interface TargetReport {
  readonly id: string;
  readonly name: string;
  readonly chip: string;
  readonly runtime: string;
  /** True when the playground exports the model for this runtime (TFLM); bare-C is an estimate only. */
  readonly exportable: boolean;
  readonly flashBytes: number;
  readonly sramBytes: number;
  /** The model's part of the flash: for TFLM, the exact size of model.tflite. */
  readonly modelBytes: number;
  /** TFLM's arena_used_bytes(): arena + persistent (0 for bare-C). */
  readonly arenaUsedBytes: number;
  /** What to configure above arena_used_bytes() (0 for bare-C). */
  readonly marginBytes: number;
  readonly latencyMs: number;
  readonly flashBreakdown: Readonly<Record<'model' | 'weights' | 'biases' | 'quantization' | 'graph' | 'runtimeCode', number>>;
  readonly sramBreakdown: Readonly<Record<'arena' | 'persistent' | 'margin' | 'runtime', number>>;
  /** Op that sets the activation peak, by name. */
  readonly sramPeakOp: string;
  /** TFLM only: the arena plan. */
  readonly arenaPlan?: ArenaPlanReport;
  readonly verdicts: Readonly<Record<Accounting, VerdictReport>>;
}

export interface EstimateReport {
  readonly accounting: Accounting;
  readonly params: number;
  readonly nonzeroParams: number;
  readonly macs: number;
  readonly modelSizeBytes: number;
  readonly workingMemoryBytes: number;
  /** Op that sets the working memory, by name. */
  readonly workingMemoryPeakOp: string;
  /** Deploy numbers of the first target (each target's are in `targets`). */
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly modelBytes: number;
  readonly arenaUsedBytes: number;
  readonly marginBytes: number;
  readonly exportable: boolean;
  readonly latencyMs: number;
  /** True when every target fits under `accounting`. */
  readonly fits: boolean;
  readonly verdicts: readonly VerdictReport[];
  readonly targets: readonly TargetReport[];
  readonly ops: readonly OpReport[];
}

const shapeOf = (shape: Shape): [number, number, number] => [shape.height, shape.width, shape.channels];

export function reportVerdict(verdict: Verdict, target: Target): VerdictReport {
  return {
    target: verdict.targetId,
    accounting: verdict.accounting,
    fits: verdict.fits,
    flash: { usedBytes: verdict.flash.used, availableBytes: verdict.flash.available, overByBytes: verdict.flash.overBy },
    sram: { usedBytes: verdict.sram.used, availableBytes: verdict.sram.available, overByBytes: verdict.sram.overBy },
    reasons: explainVerdict(verdict, target),
  };
}

function reportPlan(graph: TfliteGraph, scratch: Parameters<typeof planArena>[1]): ArenaPlanReport {
  const plan = planArena(graph, scratch);
  return {
    operators: operatorLabels(graph),
    buffers: planRows(graph, plan).map((row) => ({
      name: row.name,
      tensor: plan.buffers[row.index]!.tensor,
      sizeBytes: row.size,
      firstOperator: row.first,
      lastOperator: row.last,
      offsetBytes: row.offset,
    })),
    highWaterBytes: plan.nonPersistentBytes,
    topBuffer: plan.topBuffer,
    top: topBufferText(graph, plan),
  };
}

/** The JSON report of an estimate; needs at least one target. */
export function reportEstimate(estimate: Estimate, accounting: Accounting): EstimateReport {
  const first = estimate.targets[0];
  if (!first) throw new Error('an estimate report needs at least one target');
  const ops = estimate.ops.map((op, index): OpReport => {
    const paper = estimate.paper.ops[index]!;
    const deploy = first.deploy.ops[index]!;
    return {
      name: opName(op),
      layerIndex: op.layerIndex,
      layerType: op.layerType,
      kind: op.kind,
      inputShape: shapeOf(op.input),
      outputShape: shapeOf(op.output),
      params: op.weights + op.biases,
      weights: op.weights,
      nonzeroWeights: op.nonzeroWeights,
      biases: op.biases,
      macs: op.macs,
      inputElements: op.inputElements,
      outputElements: op.outputElements,
      paper: { modelSizeBytes: paper.modelSize, workingMemoryBytes: paper.workingMemory },
      deploy: {
        flashBytes: deploy.flash,
        weightEncoding: deploy.weightEncoding,
        weightBytes: deploy.weightBytes,
        biasBytes: deploy.biasBytes,
        quantBytes: deploy.quantBytes,
        metadataBytes: deploy.metadataBytes,
        arenaBytes: deploy.arena,
        scratchBytes: deploy.scratchBytes,
        persistentBytes: deploy.persistent,
      },
    };
  });
  let graph: TfliteGraph | undefined;
  const targets = estimate.targets.map((t): TargetReport => {
    const runtime = runtimeProfiles[t.deploy.runtime];
    const arenaPlan = runtime.family === 'tflm' ? reportPlan((graph ??= deployGraph(estimate)), runtime.scratch) : undefined;
    return {
      id: t.target.id,
      name: t.target.name,
      chip: t.target.chip,
      runtime: t.deploy.runtime,
      exportable: t.deploy.exportable,
      flashBytes: t.deploy.flashBytes,
      sramBytes: t.deploy.sramBytes,
      modelBytes: t.deploy.flash.model,
      arenaUsedBytes: t.deploy.arenaUsedBytes,
      marginBytes: t.deploy.sram.margin,
      latencyMs: t.latencyMs,
      flashBreakdown: { ...t.deploy.flash },
      sramBreakdown: { ...t.deploy.sram },
      sramPeakOp: opName(estimate.ops[t.deploy.peakOp]!),
      ...(arenaPlan ? { arenaPlan } : {}),
      verdicts: { paper: reportVerdict(t.verdicts.paper, t.target), deploy: reportVerdict(t.verdicts.deploy, t.target) },
    };
  });
  const verdicts = estimate.targets.map((t) => reportVerdict(t.verdicts[accounting], t.target));
  return {
    accounting,
    params: estimate.params,
    nonzeroParams: estimate.nonzeroParams,
    macs: estimate.macs,
    modelSizeBytes: estimate.paper.modelSizeBytes,
    workingMemoryBytes: estimate.paper.workingMemoryBytes,
    workingMemoryPeakOp: opName(estimate.ops[estimate.paper.peakOp]!),
    flashBytes: first.deploy.flashBytes,
    sramBytes: first.deploy.sramBytes,
    modelBytes: first.deploy.flash.model,
    arenaUsedBytes: first.deploy.arenaUsedBytes,
    marginBytes: first.deploy.sram.margin,
    exportable: first.deploy.exportable,
    latencyMs: first.latencyMs,
    fits: verdicts.every((v) => v.fits),
    verdicts,
    targets,
    ops,
  };
}
