/**
 * The resource model of DESIGN.md §3: what a network costs on a microcontroller, per op and in
 * total, in two accounting modes, with a verdict per target.
 *
 * - `paper`: SpArSe's definitions, 1 byte per weight and per activation. Model size = Σ (non-zero
 *   weights + biases); working memory = max over ops of (input + output elements).
 * - `deploy`: int8 inference on a TFLite-Micro-like runtime, with the constants of runtimes.ts.
 */
import type { Architecture } from './architecture.ts';
import { type KernelKind, type Measurement, type Op, expandOps } from './ops.ts';
import { type CodeKernel, type RuntimeId, type RuntimeProfile, codeKernelOf, runtimeProfiles, scratchBytes } from './runtimes.ts';
import { type Target, availableMemory, coreProfiles } from './targets.ts';
import {
  type FlashBytes,
  type Macs,
  type Milliseconds,
  type SramBytes,
  alignUp,
  flashBytes,
  macs as toMacs,
  milliseconds,
  sramBytes,
} from './units.ts';

export type Accounting = 'paper' | 'deploy';
export const accountingModes: readonly Accounting[] = ['paper', 'deploy'];

export interface PaperOpCost {
  /** (non-zero weights + biases) × 1 byte. */
  readonly modelSize: FlashBytes;
  /** (input + output elements) × 1 byte. */
  readonly workingMemory: SramBytes;
}

/** How an op's weights are stored in flash: plain int8, or a bitmap of non-zeros plus their values. */
export type WeightEncoding = 'dense' | 'bitmap' | 'none';

export interface DeployOpCost {
  readonly weightEncoding: WeightEncoding;
  readonly weightBytes: FlashBytes;
  readonly biasBytes: FlashBytes;
  readonly quantBytes: FlashBytes;
  readonly metadataBytes: FlashBytes;
  /** Sum of the four above. */
  readonly flash: FlashBytes;
  readonly inputBytes: SramBytes;
  readonly outputBytes: SramBytes;
  readonly scratchBytes: SramBytes;
  /** Live arena while the op runs: aligned input + output + scratch. */
  readonly arena: SramBytes;
  readonly persistent: SramBytes;
}

export interface PaperEstimate {
  readonly ops: readonly PaperOpCost[];
  readonly modelSizeBytes: FlashBytes;
  readonly workingMemoryBytes: SramBytes;
  /** Index in `ops` of the op that sets the working memory (the first one, on a tie). */
  readonly peakOp: number;
}

export interface DeployEstimate {
  readonly runtime: RuntimeId;
  readonly ops: readonly DeployOpCost[];
  readonly flashBytes: FlashBytes;
  readonly flash: {
    readonly weights: FlashBytes;
    readonly biases: FlashBytes;
    readonly quantization: FlashBytes;
    /** Graph description: per-op metadata plus the model, input, softmax and reshape entries. */
    readonly graph: FlashBytes;
    readonly runtimeCode: FlashBytes;
  };
  readonly sramBytes: SramBytes;
  readonly sram: {
    readonly arena: SramBytes;
    readonly persistent: SramBytes;
    readonly runtime: SramBytes;
  };
  /** Index in `ops` of the op that sets the arena peak (the first one, on a tie). */
  readonly peakOp: number;
  /** Which bitmap-encoded ops exist: a stock TFLM build cannot read them without a sparse kernel. */
  readonly sparseOps: number;
}

export interface MemoryVerdict<T extends FlashBytes | SramBytes> {
  readonly used: T;
  /** Memory of the target minus the reserve. */
  readonly available: T;
  readonly fits: boolean;
  /** 0 when it fits. */
  readonly overBy: T;
}

export interface Verdict {
  readonly targetId: string;
  readonly accounting: Accounting;
  readonly fits: boolean;
  readonly flash: MemoryVerdict<FlashBytes>;
  readonly sram: MemoryVerdict<SramBytes>;
}

export interface TargetEstimate {
  readonly target: Target;
  readonly deploy: DeployEstimate;
  /** MACs × cycles per MAC of the core / clock: a rough estimate. */
  readonly latencyMs: Milliseconds;
  readonly verdicts: Readonly<Record<Accounting, Verdict>>;
}

export interface Estimate {
  readonly ops: readonly Op[];
  readonly params: number;
  readonly nonzeroParams: number;
  readonly macs: Macs;
  readonly paper: PaperEstimate;
  readonly targets: readonly TargetEstimate[];
}

/** Paper accounting of a list of ops. */
export function estimatePaper(ops: readonly Op[]): PaperEstimate {
  let modelSize = 0;
  let workingMemory = 0;
  let peakOp = 0;
  const costs = ops.map((op, index): PaperOpCost => {
    const size = op.nonzeroWeights + op.biases;
    const memory = op.inputElements + op.outputElements;
    modelSize += size;
    if (memory > workingMemory) {
      workingMemory = memory;
      peakOp = index;
    }
    return { modelSize: flashBytes(size), workingMemory: sramBytes(memory) };
  });
  return { ops: costs, modelSizeBytes: flashBytes(modelSize), workingMemoryBytes: sramBytes(workingMemory), peakOp };
}

/** Bytes of an op's int8 weights: dense, or a 1-bit-per-weight bitmap plus the non-zero values when smaller. */
export function storedWeights(weights: number, nonzero: number): { encoding: WeightEncoding; bytes: number } {
  if (weights === 0) return { encoding: 'none', bytes: 0 };
  const bitmap = Math.ceil(weights / 8) + nonzero;
  return bitmap < weights ? { encoding: 'bitmap', bytes: bitmap } : { encoding: 'dense', bytes: weights };
}

/** Output channels an op's per-channel parameters are counted over. */
const perChannelKinds: ReadonlySet<KernelKind> = new Set<KernelKind>(['conv', 'depthwise', 'pointwise']);

/** Deploy accounting of a list of ops on one runtime. `flattens` = reshape ops the graph holds. */
export function estimateDeploy(ops: readonly Op[], runtime: RuntimeProfile, flattens: number): DeployEstimate {
  const a = runtime.flashAlignment;
  const r = runtime.arenaAlignment;
  let weights = 0;
  let biases = 0;
  let quantization = 0;
  let graph = 0;
  let persistent = 0;
  let arena = 0;
  let peakOp = 0;
  let sparseOps = 0;
  const kernels = new Set<CodeKernel>(['softmax']);
  if (flattens > 0) kernels.add('reshape');

  const costs = ops.map((op, index): DeployOpCost => {
    kernels.add(codeKernelOf(op.kernelKind));
    const stored = storedWeights(op.weights, op.nonzeroWeights);
    if (stored.encoding === 'bitmap') sparseOps += 1;
    const weightBytes = stored.bytes === 0 ? 0 : alignUp(stored.bytes, a);
    const biasBytes = op.biases === 0 ? 0 : alignUp(op.biases * runtime.biasBytes, a);
    const perChannel = perChannelKinds.has(op.kernelKind);
    const hasWeights = op.weights > 0;
    // Weight and bias tensors carry per-channel (conv-like) or per-tensor (dense) parameters; every
    // op's output activation carries one per-tensor pair.
    const quantBytes =
      (hasWeights ? 2 * (perChannel ? op.output.channels * runtime.quantBytesPerChannel : runtime.quantBytesPerTensor) : 0) +
      runtime.quantBytesPerTensor;
    const tensors = hasWeights ? 3 : 1;
    const metadataBytes = runtime.opMetadataBytes + tensors * runtime.tensorMetadataBytes;
    const inputBytes = alignUp(op.inputElements, r);
    const outputBytes = alignUp(op.outputElements, r);
    const scratch = alignUp(scratchBytes(runtime.scratch, op.kernelKind, op.input.channels, op.kernel, op.stride), r);
    const opArena = inputBytes + outputBytes + scratch;
    if (opArena > arena) {
      arena = opArena;
      peakOp = index;
    }
    const opPersistent =
      runtime.persistentBytesPerOp +
      (perChannel ? op.output.channels * runtime.persistentBytesPerChannel : 0) +
      tensors * runtime.persistentBytesPerTensor;
    weights += weightBytes;
    biases += biasBytes;
    quantization += quantBytes;
    graph += metadataBytes;
    persistent += opPersistent;
    return {
      weightEncoding: stored.encoding,
      weightBytes: flashBytes(weightBytes),
      biasBytes: flashBytes(biasBytes),
      quantBytes: flashBytes(quantBytes),
      metadataBytes: flashBytes(metadataBytes),
      flash: flashBytes(weightBytes + biasBytes + quantBytes + metadataBytes),
      inputBytes: sramBytes(inputBytes),
      outputBytes: sramBytes(outputBytes),
      scratchBytes: sramBytes(scratch),
      arena: sramBytes(opArena),
      persistent: sramBytes(opPersistent),
    };
  });

  // Graph entries that belong to no op of ours: the model tables, the input tensor, and the softmax
  // and reshape ops with their output tensors (free in memory, but they exist in the graph).
  const extraOps = 1 + flattens;
  graph += runtime.modelMetadataBytes + (1 + extraOps) * runtime.tensorMetadataBytes + extraOps * runtime.opMetadataBytes;
  quantization += (1 + extraOps) * runtime.quantBytesPerTensor;
  persistent += (1 + extraOps) * runtime.persistentBytesPerTensor + extraOps * runtime.persistentBytesPerOp;

  let runtimeCode = runtime.baseCodeBytes;
  for (const kernel of kernels) runtimeCode += runtime.kernelCodeBytes[kernel];

  return {
    runtime: runtime.id,
    ops: costs,
    flashBytes: flashBytes(weights + biases + quantization + graph + runtimeCode),
    flash: {
      weights: flashBytes(weights),
      biases: flashBytes(biases),
      quantization: flashBytes(quantization),
      graph: flashBytes(graph),
      runtimeCode: flashBytes(runtimeCode),
    },
    sramBytes: sramBytes(arena + persistent + runtime.runtimeRamBytes),
    sram: { arena: sramBytes(arena), persistent: sramBytes(persistent), runtime: sramBytes(runtime.runtimeRamBytes) },
    peakOp,
    sparseOps,
  };
}

/** MACs × cycles per MAC / clock, in milliseconds. A rough estimate: memory stalls are ignored. */
export function estimateLatency(totalMacs: Macs, target: Target): Milliseconds {
  return milliseconds((totalMacs * coreProfiles[target.core].cyclesPerMac) / (target.clockMhz * 1000));
}

/** `6760` → `6,760 B`, without Intl: verdicts are made for every screened candidate. */
export function formatBytes(n: number): string {
  const digits = String(Math.round(n));
  let grouped = '';
  for (let end = digits.length; end > 0; end -= 3) {
    const start = Math.max(0, end - 3);
    grouped = grouped ? `${digits.slice(start, end)},${grouped}` : digits.slice(start, end);
  }
  return `${grouped} B`;
}

const afterReserve = (bytes: number): string => (bytes > 0 ? ` after the ${formatBytes(bytes)} reserve` : '');

function memoryVerdict<T extends FlashBytes | SramBytes>(used: T, available: T): MemoryVerdict<T> {
  const fits = used <= available;
  return { used, available, fits, overBy: (fits ? 0 : used - available) as T };
}

/** Fits or not, and by how much, for one target under one accounting mode. */
export function verdictFor(target: Target, accounting: Accounting, flashUsed: FlashBytes, sramUsed: SramBytes): Verdict {
  const available = availableMemory(target);
  const flash = memoryVerdict(flashUsed, available.flash);
  const sram = memoryVerdict(sramUsed, available.sram);
  return { targetId: target.id, accounting, fits: flash.fits && sram.fits, flash, sram };
}

/**
 * One sentence per memory that does not fit; empty when it fits. Kept apart from verdictFor so that
 * screening a million candidates builds no strings.
 */
export function explainVerdict(verdict: Verdict, target: Target): string[] {
  const { flash, sram, accounting } = verdict;
  const reasons: string[] = [];
  if (!flash.fits) {
    reasons.push(
      `${accounting === 'paper' ? 'model size' : 'flash'} ${formatBytes(flash.used)} exceeds the ${formatBytes(flash.available)} of flash on ${target.name}${afterReserve(target.reserve.flashBytes)} by ${formatBytes(flash.overBy)}`,
    );
  }
  if (!sram.fits) {
    reasons.push(
      `${accounting === 'paper' ? 'working memory' : 'SRAM'} ${formatBytes(sram.used)} exceeds the ${formatBytes(sram.available)} of SRAM on ${target.name}${afterReserve(target.reserve.sramBytes)} by ${formatBytes(sram.overBy)}`,
    );
  }
  return reasons;
}

export interface EstimateOptions {
  /** Surviving channels and non-zero weights measured after pruning (see ops.ts). */
  readonly measurement?: Measurement;
}

/**
 * The full estimate of an architecture on some targets: ops, totals in both accounting modes, and
 * a verdict per target and mode. Throws an ArchitectureError naming the layer on invalid input.
 */
export function estimate(architecture: Architecture, targets: readonly Target[], options: EstimateOptions = {}): Estimate {
  const ops = expandOps(architecture, options.measurement);
  let params = 0;
  let nonzeroParams = 0;
  let totalMacs = 0;
  for (const op of ops) {
    params += op.weights + op.biases;
    nonzeroParams += op.nonzeroWeights + op.biases;
    totalMacs += op.macs;
  }
  const paper = estimatePaper(ops);
  let flattens = 0;
  for (const layer of architecture.layers) if (layer.type === 'flatten') flattens += 1;
  const deployByRuntime = new Map<RuntimeId, DeployEstimate>();
  const targetEstimates = targets.map((target): TargetEstimate => {
    let deploy = deployByRuntime.get(target.runtime);
    if (!deploy) {
      deploy = estimateDeploy(ops, runtimeProfiles[target.runtime], flattens);
      deployByRuntime.set(target.runtime, deploy);
    }
    return {
      target,
      deploy,
      latencyMs: estimateLatency(toMacs(totalMacs), target),
      verdicts: {
        paper: verdictFor(target, 'paper', paper.modelSizeBytes, paper.workingMemoryBytes),
        deploy: verdictFor(target, 'deploy', deploy.flashBytes, deploy.sramBytes),
      },
    };
  });
  return { ops, params, nonzeroParams, macs: toMacs(totalMacs), paper, targets: targetEstimates };
}
