/**
 * One op's deploy costs worked out again with their formulas, the way resources.ts does it:
 * - TFLM (`tflmOpCosts`): the op's constants in model.tflite (int8 weights, int32 biases, 12 B per
 *   scale/zero-point pair), the activations alive while it runs (16-aligned input + output +
 *   scratch) and its share of the persistent tail by the fit of TFLM-FACTS.md;
 * - bare-C (`estimateBareC`, all GUESSes but the bias width): weights dense or as a bitmap, a
 *   multiplier and shift per channel, a 16-byte op struct; input + output unaligned; nothing persistent.
 * explain-deploy.ts sums them per target; tests/core/explain.test.ts holds each result equal to the estimate.
 */
import type { Op } from './ops.ts';
import { quantPairBytes, storedWeights } from './resources.ts';
import { type RuntimeProfile, bareC, scratchBytes } from './runtimes.ts';
import { arenaAlignment, persistentFit } from './tflm-arena.ts';
import { alignUp, formatBytes as B, formatCount } from './units.ts';
import { activationText } from './explain-format.ts';

export const plural = (n: number, word: string): string => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
/** `1,352 B`, or `1,352 → 1,360 B` when alignment rounds it up. */
const aligned = (raw: number, to: number): string => (alignUp(raw, to) === raw ? B(raw) : `${formatCount(raw)} → ${B(alignUp(raw, to))}`);

const isPerChannel = (op: Op): boolean => op.kernelKind === 'conv' || op.kernelKind === 'depthwise' || op.kernelKind === 'pointwise';
const isMean = (op: Op): boolean => op.layerType === 'globalAvgPool';

/** The formulas of one op; each ends in the value the estimate reports for it. */
export interface OpFormulas {
  readonly flash: string;
  readonly arena: string;
  readonly persistent: string;
}

/** The dimensions of an op's weight tensor as TFLite stores it: `8×3×3×1` (F×k×k×Cin), `3×3×8` (depthwise), `32×576` (dense). */
function weightShape(op: Op): string {
  const k = op.kernel;
  const cin = op.input.channels;
  const f = op.output.channels;
  switch (op.kind) {
    case 'conv':
      return `${f}×${k}×${k}×${cin}`;
    case 'depthwise':
      return `${k}×${k}×${f}`;
    case 'pointwise':
    case 'dense':
      return `${f}×${formatCount(cin)}`;
    case 'pool':
      return '0';
  }
}

/** `13×13×8 = 1,352 B` becomes `13×13×8 = 1,352 → 1,360 B` when alignment rounds it up. */
function withAlignment(text: string, elements: number, to: number): string {
  const up = alignUp(elements, to);
  return up === elements ? text : `${text.slice(0, -2)} → ${B(up)}`;
}

/** The scratch term of an op's activations: what it is for and its size. */
function scratchText(op: Op, runtime: RuntimeProfile): { bytes: number; text: string } {
  if (isMean(op)) {
    const raw = 4 * op.outputElements;
    return { bytes: alignUp(raw, arenaAlignment), text: `scratch (MEAN's int32 sums, one per output) ${formatCount(op.outputElements)}×4 = ${aligned(raw, arenaAlignment)}` };
  }
  const raw = scratchBytes(runtime.scratch, op.kernelKind, op.input.channels, op.kernel, op.stride);
  const bytes = alignUp(raw, arenaAlignment);
  const { kernel: k } = op;
  const cin = op.input.channels;
  if (raw === 0) return { bytes, text: 'scratch 0 B' };
  if (op.kernelKind === 'conv') return { bytes, text: `scratch (im2col, 2 columns of Cin×k×k int16) 2×${cin}×${k}×${k}×2 = ${aligned(raw, arenaAlignment)}` };
  if (op.kernelKind === 'depthwise') return { bytes, text: `scratch (Cin×k×k int16) ${cin}×${k}×${k}×2 = ${aligned(raw, arenaAlignment)}` };
  return { bytes, text: `scratch (Cin int32) ${cin}×4 = ${aligned(raw, arenaAlignment)}` };
}

/** An op on TensorFlow Lite Micro: its constants in model.tflite, its activations, its persistent share. */
export function tflmOpFormulas(op: Op, runtime: RuntimeProfile): OpFormulas {
  const hasWeights = op.weights > 0;
  const perChannel = isPerChannel(op);
  const channels = op.output.channels;
  const weights = op.weights;
  const biases = 4 * op.biases;
  const weightPairs = hasWeights ? (perChannel ? channels : 1) : 0;
  const pairs = 2 * weightPairs + 1;
  const quantization = quantPairBytes * pairs;

  const flashTerms: string[] = [];
  let flashNote = '';
  if (hasWeights) {
    const zeros = op.weights - op.nonzeroWeights;
    const pruned = zeros > 0 ? `, its ${formatCount(zeros)} pruned zeros included: TFLM reads dense int8` : '';
    flashTerms.push(`weights ${B(weights)} (${weightShape(op)} int8${pruned})`);
    flashTerms.push(`biases ${B(biases)} (${formatCount(op.biases)} × int32)`);
    const perWhat = perChannel ? 'per output channel' : 'per tensor';
    flashTerms.push(`quantisation ${B(quantization)} (${plural(pairs, 'scale/zero-point pair')} × ${quantPairBytes} B: ${formatCount(weightPairs)} for the weights and ${formatCount(weightPairs)} for the biases, ${perWhat}, 1 for the output)`);
  } else {
    flashTerms.push(`quantisation ${B(quantization)} (1 scale/zero-point pair × ${quantPairBytes} B, for the output)`);
    flashNote = isMean(op) ? ' (MEAN has no weights; its 8-byte axis constant is counted in the graph)' : ' (a pool has no weights)';
  }
  const flash = `flash in model.tflite = ${flashTerms.join(' + ')} = ${B(weights + biases + quantization)}${flashNote}`;

  const scratch = scratchText(op, runtime);
  const arenaValue = alignUp(op.inputElements, arenaAlignment) + alignUp(op.outputElements, arenaAlignment) + scratch.bytes;
  const arena =
    `activations while it runs = input ${withAlignment(activationText(op.input), op.inputElements, arenaAlignment)} + ` +
    `output ${withAlignment(activationText(op.output), op.outputElements, arenaAlignment)} + ${scratch.text} = ${B(arenaValue)} ` +
    `(each buffer aligned to ${arenaAlignment} B; where the planner puts them is in the arena plan)`;

  const tensors = hasWeights ? 3 : isMean(op) ? 2 : 1;
  const tensorWords = hasWeights ? 'weights, biases, output' : isMean(op) ? 'axis, output' : 'output';
  const channelTerm = perChannel ? ` + ${plural(channels, 'output channel')} × ${persistentFit.perChannel} B` : '';
  const persistentValue = persistentFit.perOperator + persistentFit.perTensor * tensors + (perChannel ? persistentFit.perChannel * channels : 0);
  const persistent =
    `persistent share = ${persistentFit.perOperator} B for the operator + ${plural(tensors, 'tensor')} (${tensorWords}) × ${persistentFit.perTensor} B${channelTerm} = ${B(persistentValue)} ` +
    `(the fit of TFLM-FACTS.md; its fixed ${persistentFit.base} B, RESHAPE, SOFTMAX and the input tensor count in the total only)`;
  return { flash, arena, persistent };
}

/** An op of the generated C for an 8-bit AVR (an estimate: no export exists). */
export function bareCOpFormulas(op: Op): OpFormulas {
  const stored = storedWeights(op.weights, op.nonzeroWeights);
  const hasWeights = op.weights > 0;
  const perChannel = isPerChannel(op);
  const channels = op.output.channels;
  const biases = op.biases * bareC.biasBytes;
  const multipliers = hasWeights ? (perChannel ? channels : 1) : 0;
  const quantization = multipliers * (perChannel ? bareC.quantBytesPerChannel : bareC.quantBytesPerTensor) + bareC.quantBytesPerTensor;

  const flashTerms: string[] = [];
  if (hasWeights) {
    const how =
      stored.encoding === 'bitmap'
        ? `bitmap ⌈${formatCount(op.weights)} / 8⌉ = ${formatCount(Math.ceil(op.weights / 8))} B + ${formatCount(op.nonzeroWeights)} non-zero int8`
        : `${formatCount(op.weights)} int8, dense`;
    flashTerms.push(`weights ${B(stored.bytes)} (${how})`);
    flashTerms.push(`biases ${B(biases)} (${formatCount(op.biases)} × ${bareC.biasBytes} B)`);
    const what = perChannel ? `${plural(channels, 'channel')} × ${bareC.quantBytesPerChannel} B` : `1 tensor × ${bareC.quantBytesPerTensor} B`;
    flashTerms.push(`quantisation ${B(quantization)} (${what} of multiplier and shift + ${bareC.quantBytesPerTensor} B for the output)`);
  } else {
    flashTerms.push(`quantisation ${B(quantization)} (${bareC.quantBytesPerTensor} B for the output; a pool has no weights)`);
  }
  flashTerms.push(`op struct ${B(bareC.opMetadataBytes)}`);
  const flash = `flash = ${flashTerms.join(' + ')} = ${B(stored.bytes + biases + quantization + bareC.opMetadataBytes)} (an estimate: its constants are guesses)`;

  const arena =
    `activations = input ${activationText(op.input)} + output ${activationText(op.output)} = ${B(op.inputElements + op.outputElements)} ` +
    '(no alignment on an 8-bit core, no scratch)';
  const persistent = 'persistent = 0 B (generated C keeps no per-op state in RAM: its constants stay in flash)';
  return { flash, arena, persistent };
}
