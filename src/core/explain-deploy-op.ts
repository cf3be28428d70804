/**
 * One op's deploy costs worked out again from the runtime's constants, the way estimateDeploy
 * (resources.ts) does it, each with its formula: flash (weights, biases, quantisation, graph),
 * arena (input + output + scratch) and persistent RAM. explain-deploy.ts sums them per target.
 */
import type { Op } from './ops.ts';
import { storedWeights } from './resources.ts';
import { type RuntimeProfile, scratchBytes } from './runtimes.ts';
import { alignUp } from './units.ts';
import { activationText, formatCount } from './explain-format.ts';

export const B = (n: number): string => `${formatCount(n)} B`;
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
/** `1,352 B`, or `1,352 → 1,360 B` when alignment rounds it up. */
const aligned = (raw: number, to: number): string => (alignUp(raw, to) === raw ? B(raw) : `${formatCount(raw)} → ${B(alignUp(raw, to))}`);
const alignedWord = (to: number): string => (to > 1 ? `, aligned to ${to} B` : '');
export const eachAligned = (to: number): string => (to > 1 ? `, each aligned to ${to} B` : '');

const isPerChannel = (op: Op): boolean => op.kernelKind === 'conv' || op.kernelKind === 'depthwise' || op.kernelKind === 'pointwise';

export interface OpParts {
  readonly weights: number;
  readonly biases: number;
  readonly quantization: number;
  readonly graph: number;
  readonly arena: number;
  readonly persistent: number;
}

/** One op's deploy costs worked out again, with the formula of each. */
export function opParts(op: Op, runtime: RuntimeProfile): { parts: OpParts; flash: string; arena: string; persistent: string } {
  const a = runtime.flashAlignment;
  const r = runtime.arenaAlignment;
  const stored = storedWeights(op.weights, op.nonzeroWeights);
  const weights = stored.bytes === 0 ? 0 : alignUp(stored.bytes, a);
  const biases = op.biases === 0 ? 0 : alignUp(op.biases * runtime.biasBytes, a);
  const hasWeights = op.weights > 0;
  const perChannel = isPerChannel(op);
  const channels = op.output.channels;
  const quantWeights = hasWeights ? 2 * (perChannel ? channels * runtime.quantBytesPerChannel : runtime.quantBytesPerTensor) : 0;
  const quantization = quantWeights + runtime.quantBytesPerTensor;
  const tensors = hasWeights ? 3 : 1;
  const graph = runtime.opMetadataBytes + tensors * runtime.tensorMetadataBytes;

  const flashTerms: string[] = [];
  if (hasWeights) {
    const how =
      stored.encoding === 'bitmap'
        ? `bitmap ⌈${formatCount(op.weights)} / 8⌉ = ${formatCount(Math.ceil(op.weights / 8))} B + ${formatCount(op.nonzeroWeights)} non-zero int8`
        : `${formatCount(op.weights)} int8, dense`;
    flashTerms.push(`weights ${B(weights)} (${how}${alignedWord(a)})`);
    flashTerms.push(`biases ${B(biases)} (${op.biases} × ${runtime.biasBytes} B${alignedWord(a)})`);
    const q = perChannel ? `2 × ${channels} channels × ${runtime.quantBytesPerChannel} B` : `2 tensors × ${runtime.quantBytesPerTensor} B`;
    flashTerms.push(`quantisation ${B(quantization)} (${q} for weights and biases + ${runtime.quantBytesPerTensor} B for the output)`);
  } else {
    flashTerms.push(`quantisation ${B(quantization)} (${runtime.quantBytesPerTensor} B for the output; a pool has no weights)`);
  }
  flashTerms.push(`graph ${B(graph)} (${runtime.opMetadataBytes} B per op + ${plural(tensors, 'tensor')} × ${runtime.tensorMetadataBytes} B)`);
  const flash = `flash = ${flashTerms.join(' + ')} = ${B(weights + biases + quantization + graph)}`;

  const scratchRaw = scratchBytes(runtime.scratch, op.kernelKind, op.input.channels, op.kernel, op.stride);
  let scratch: string;
  if (scratchRaw === 0) {
    scratch = 'scratch 0 B';
  } else if (op.kernelKind === 'conv') {
    scratch = `scratch (im2col, 2 columns of Cin×k×k int16) 2×${op.input.channels}×${op.kernel}×${op.kernel}×2 = ${aligned(scratchRaw, r)}`;
  } else if (op.kernelKind === 'depthwise') {
    scratch = `scratch (Cin×k×k int16) ${op.input.channels}×${op.kernel}×${op.kernel}×2 = ${aligned(scratchRaw, r)}`;
  } else {
    scratch = `scratch (Cin int32) ${op.input.channels}×4 = ${aligned(scratchRaw, r)}`;
  }
  const arenaValue = alignUp(op.inputElements, r) + alignUp(op.outputElements, r) + alignUp(scratchRaw, r);
  const arena =
    `input ${withAlignment(activationText(op.input), op.inputElements, r)} + ` +
    `output ${withAlignment(activationText(op.output), op.outputElements, r)} + ${scratch} = ${B(arenaValue)}`;

  const persistentValue =
    runtime.persistentBytesPerOp + (perChannel ? channels * runtime.persistentBytesPerChannel : 0) + tensors * runtime.persistentBytesPerTensor;
  const perChannelText = perChannel ? ` + ${channels} channels × ${runtime.persistentBytesPerChannel} B` : '';
  const persistent =
    `persistent = ${runtime.persistentBytesPerOp} B per op${perChannelText} + ${plural(tensors, 'tensor')} × ` +
    `${runtime.persistentBytesPerTensor} B = ${B(persistentValue)}`;

  return {
    parts: { weights, biases, quantization, graph, arena: arenaValue, persistent: persistentValue },
    flash,
    arena,
    persistent,
  };
}

/** `13×13×8 = 1,352 B` becomes `13×13×8 = 1,352 → 1,360 B` when alignment rounds it up. */
function withAlignment(text: string, elements: number, to: number): string {
  const up = alignUp(elements, to);
  return up === elements ? text : `${text.slice(0, -2)} → ${B(up)}`;
}
