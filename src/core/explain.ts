/**
 * "Every number explains itself": for each number the UI shows about an estimate (resources.ts),
 * the formula that produced it with the actual values filled in. The formulas restate the
 * resource model of DESIGN.md §3 and docs/resource-model.md; tests/core/explain.test.ts checks that
 * the result at the end of every formula is the number the estimate reports.
 *
 * Strings are built only here, on demand for one estimate the user looks at, never while the search
 * screens candidates (see "Speed" in docs/resource-model.md).
 */
import { type Op, opName } from './ops.ts';
import { type Estimate, deployGraph } from './resources.ts';
import { type RuntimeId, runtimeProfiles } from './runtimes.ts';
import type { TfliteGraph } from './tflite-graph.ts';
import { type TargetExplanation, explainTarget } from './explain-deploy.ts';
import { type Explanation, activationText, formatCount, sumText } from './explain-format.ts';

/** The paper-accounting numbers of one op. */
export interface OpExplanation {
  readonly name: string;
  /** True for the op that sets the working memory. */
  readonly peak: boolean;
  readonly params: Explanation;
  readonly macs: Explanation;
  readonly modelSize: Explanation;
  readonly workingMemory: Explanation;
}

export interface EstimateExplanation {
  readonly ops: readonly OpExplanation[];
  readonly params: Explanation;
  readonly nonzeroParams: Explanation;
  readonly macs: Explanation;
  readonly modelSize: Explanation;
  readonly workingMemory: Explanation;
  /** Name of the op that sets the working memory, e.g. `layers[1] (maxPool)`. */
  readonly workingMemoryPeakOp: string;
  /** Deploy numbers, latency and verdicts, in the order of `estimate.targets`. */
  readonly targets: readonly TargetExplanation[];
}

export type { DeployOpExplanation, FlashPart, SramPart, TargetExplanation, VerdictExplanation } from './explain-deploy.ts';
export { type ExplainedUnit, type Explanation, formatCount, formatMs, formatValue, memoryWords, shapeText } from './explain-format.ts';

function explainParams(op: Op, name: string): Explanation {
  const value = op.weights + op.biases;
  const k = op.kernel;
  const cin = op.input.channels;
  const f = op.output.channels;
  let formula: string;
  switch (op.kind) {
    case 'conv':
      formula = `params = k×k×Cin×F + F = ${k}×${k}×${cin}×${f} + ${f} = ${formatCount(value)} params`;
      break;
    case 'depthwise':
      formula = `params = k×k×C + C = ${k}×${k}×${cin} + ${cin} = ${formatCount(value)} params`;
      break;
    case 'pointwise':
      formula = `params = C×F + F = ${cin}×${f} + ${f} = ${formatCount(value)} params`;
      break;
    case 'dense':
      formula = `params = N×U + U = ${cin}×${f} + ${f} = ${formatCount(value)} params`;
      break;
    case 'pool':
      formula = 'params = 0 params (a pool has no weights)';
      break;
  }
  return { label: `params of ${name}`, value, unit: 'params', formula };
}

function explainMacs(op: Op, name: string): Explanation {
  const { height: ho, width: wo, channels: f } = op.output;
  const k = op.kernel;
  const cin = op.input.channels;
  const value = op.macs;
  const result = `${formatCount(value)} MACs`;
  let formula: string;
  switch (op.kind) {
    case 'conv':
      formula = `MACs = Ho×Wo×F×k×k×Cin = ${ho}×${wo}×${f}×${k}×${k}×${cin} = ${result}`;
      break;
    case 'depthwise':
      formula = `MACs = Ho×Wo×C×k×k = ${ho}×${wo}×${cin}×${k}×${k} = ${result}`;
      break;
    case 'pointwise':
      formula = `MACs = Ho×Wo×C×F = ${ho}×${wo}×${cin}×${f} = ${result}`;
      break;
    case 'dense':
      formula = `MACs = N×U = ${cin}×${f} = ${result}`;
      break;
    case 'pool':
      formula = 'MACs = 0 MACs (pools count no multiply-accumulates, DESIGN.md §3)';
      break;
  }
  return { label: `MACs of ${name}`, value, unit: 'MACs', formula };
}

function explainModelSize(op: Op, name: string, value: number): Explanation {
  if (op.weights === 0) {
    return { label: `model size of ${name}`, value, unit: 'B', formula: 'model size = 0 B (a pool has no weights)' };
  }
  const nonzero = op.nonzeroWeights < op.weights ? `${formatCount(op.nonzeroWeights)} (of ${formatCount(op.weights)})` : formatCount(op.weights);
  return {
    label: `model size of ${name}`,
    value,
    unit: 'B',
    formula: `model size = (non-zero weights + biases) × 1 B = ${nonzero} + ${formatCount(op.biases)} = ${formatCount(value)} B`,
  };
}

/** `input 26×26×8 = 5,408 B + output 13×13×8 = 1,352 B = 6,760 B` */
const inputOutputText = (op: Op, value: number): string =>
  `input ${activationText(op.input)} + output ${activationText(op.output)} = ${formatCount(value)} B`;

function explainOp(op: Op, index: number, estimate: Estimate): OpExplanation {
  const name = opName(op);
  const paper = estimate.paper.ops[index]!;
  return {
    name,
    peak: estimate.paper.peakOp === index,
    params: explainParams(op, name),
    macs: explainMacs(op, name),
    modelSize: explainModelSize(op, name, paper.modelSize),
    workingMemory: {
      label: `working memory of ${name}`,
      value: paper.workingMemory,
      unit: 'B',
      formula: `working memory = (input + output activations) × 1 B = ${inputOutputText(op, paper.workingMemory)}`,
    },
  };
}

/** Explanations of every number of an estimate, under both accounting modes and for every target. */
export function explainEstimate(estimate: Estimate): EstimateExplanation {
  const { ops, paper } = estimate;
  const peak = ops[paper.peakOp]!;
  const peakName = opName(peak);
  const pruned = estimate.nonzeroParams < estimate.params;
  // One TFLite graph serves every TFLM target: it depends on the architecture alone.
  let graph: TfliteGraph | undefined;
  const graphFor = (runtime: RuntimeId): TfliteGraph | undefined =>
    runtimeProfiles[runtime].family === 'tflm' ? (graph ??= deployGraph(estimate)) : undefined;
  return {
    ops: ops.map((op, index) => explainOp(op, index, estimate)),
    params: {
      label: 'params',
      value: estimate.params,
      unit: 'params',
      formula: `params = Σ over ops of (weights + biases) = ${sumText(ops.map((op) => op.weights + op.biases))} = ${formatCount(estimate.params)} params`,
    },
    nonzeroParams: {
      label: 'non-zero params',
      value: estimate.nonzeroParams,
      unit: 'params',
      formula:
        `non-zero params = Σ over ops of (non-zero weights + biases) = ${sumText(ops.map((op) => op.nonzeroWeights + op.biases))} = ` +
        `${formatCount(estimate.nonzeroParams)} params${pruned ? ` (of ${formatCount(estimate.params)})` : ''}`,
    },
    macs: {
      label: 'MACs',
      value: estimate.macs,
      unit: 'MACs',
      formula: `MACs = Σ over ops = ${sumText(ops.map((op) => op.macs))} = ${formatCount(estimate.macs)} MACs`,
    },
    modelSize: {
      label: 'model size',
      value: paper.modelSizeBytes,
      unit: 'B',
      formula:
        `model size = Σ over ops of (non-zero weights + biases) × 1 B = ${sumText(paper.ops.map((c) => c.modelSize))} = ` +
        `${formatCount(paper.modelSizeBytes)} B`,
    },
    workingMemory: {
      label: 'working memory',
      value: paper.workingMemoryBytes,
      unit: 'B',
      formula:
        `working memory = max over ops of (input + output activations) × 1 B; peak at ${peakName}: ` +
        inputOutputText(peak, paper.workingMemoryBytes),
    },
    workingMemoryPeakOp: peakName,
    targets: estimate.targets.map((target) => explainTarget(estimate, target, graphFor(target.deploy.runtime))),
  };
}
