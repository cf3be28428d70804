/**
 * An estimate as plain JSON: what `npm run estimate -- --json` prints and what study files store.
 * Numbers only, no brands; deploy numbers are per target because they depend on its runtime and core.
 */
import { type Accounting, type Estimate, type Verdict, explainVerdict } from './resources.ts';
import type { Target } from './targets.ts';
import type { Shape } from './architecture.ts';
import { opName } from './ops.ts';

export interface VerdictReport {
  readonly target: string;
  readonly accounting: Accounting;
  readonly fits: boolean;
  readonly flash: { readonly usedBytes: number; readonly availableBytes: number; readonly overByBytes: number };
  readonly sram: { readonly usedBytes: number; readonly availableBytes: number; readonly overByBytes: number };
  readonly reasons: readonly string[];
}

export interface OpReport {
  readonly name: string;
  readonly layerIndex: number;
  readonly layerType: string;
  readonly kind: string;
  /** [height, width, channels] */
  readonly inputShape: readonly [number, number, number];
  readonly outputShape: readonly [number, number, number];
  readonly params: number;
  readonly weights: number;
  readonly nonzeroWeights: number;
  readonly biases: number;
  readonly macs: number;
  readonly inputElements: number;
  readonly outputElements: number;
  readonly paper: { readonly modelSizeBytes: number; readonly workingMemoryBytes: number };
  /** Deploy costs on the first target's runtime. */
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

export interface TargetReport {
  readonly id: string;
  readonly name: string;
  readonly chip: string;
  readonly runtime: string;
  readonly flashBytes: number;
  readonly sramBytes: number;
  readonly latencyMs: number;
  readonly flashBreakdown: Readonly<Record<'weights' | 'biases' | 'quantization' | 'graph' | 'runtimeCode', number>>;
  readonly sramBreakdown: Readonly<Record<'arena' | 'persistent' | 'runtime', number>>;
  /** Op that sets the arena peak, by name. */
  readonly sramPeakOp: string;
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
  /** Deploy numbers of the first target. */
  readonly flashBytes: number;
  readonly sramBytes: number;
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
  const targets = estimate.targets.map((t): TargetReport => ({
    id: t.target.id,
    name: t.target.name,
    chip: t.target.chip,
    runtime: t.deploy.runtime,
    flashBytes: t.deploy.flashBytes,
    sramBytes: t.deploy.sramBytes,
    latencyMs: t.latencyMs,
    flashBreakdown: { ...t.deploy.flash },
    sramBreakdown: { ...t.deploy.sram },
    sramPeakOp: opName(estimate.ops[t.deploy.peakOp]!),
    verdicts: { paper: reportVerdict(t.verdicts.paper, t.target), deploy: reportVerdict(t.verdicts.deploy, t.target) },
  }));
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
    latencyMs: first.latencyMs,
    fits: verdicts.every((v) => v.fits),
    verdicts,
    targets,
    ops,
  };
}
