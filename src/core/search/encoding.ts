/**
 * A fixed-length numeric encoding of a candidate, the input of mobo's Gaussian processes. Two groups
 * of features, each with its own length-scale in the kernel:
 *
 * - structure: per conv-like slot (the i-th conv-like layer; an absent slot is all zeros) whether it
 *   is there, its type one-hot, log₂ filters, kernel, stride and bottleneck, same padding, and its pool
 *   (there, max or average, log₂ size); the conv and dense depths and the head; per dense slot whether
 *   it is there and log₂ units; the pruning method one-hot and the sparsity.
 * - resources: the natural log of the predicted parameters, non-zero parameters, MACs and the two
 *   byte objectives. Capacity and cost are what decide most of the error, and they are known exactly
 *   before training, so this group carries most of the signal (as in SpArSe, which adds them too).
 *
 * Logs keep sizes that grow by doublings evenly spaced. The Gaussian process standardises every
 * feature over its training points, so no feature needs scaling here.
 */
import { convLikeTypes, isConvLike } from '../architecture.ts';
import { pruningMethods } from '../pruning.ts';
import type { SearchSpace } from '../search-space.ts';
import type { Candidate, PredictedResources } from './candidate.ts';

export const structureGroup = 0;
export const resourceGroup = 1;

export interface CandidateEncoder {
  /** Features per candidate. */
  readonly length: number;
  /** Group of each feature: structureGroup or resourceGroup. */
  readonly groups: Uint8Array;
  encode(candidate: Candidate, prediction: PredictedResources): Float64Array;
}

/** Features of one conv-like slot: present, 3 types, log₂ filters/kernel/stride/bottleneck, same, pool present/max/log₂ size. */
const convSlotLength = 12;
const denseSlotLength = 2;
/** Conv depth, dense depth, flatten head. */
const globalLength = 3;
const pruningLength = pruningMethods.length + 1;
const resourceLength = 5;

/** An encoder for the candidates of `space`: the length depends on its maximum depths. */
export function candidateEncoder(space: SearchSpace): CandidateEncoder {
  const convSlots = space.convLayers.max;
  const denseSlots = space.denseLayers.max;
  const structureLength = convSlots * convSlotLength + globalLength + denseSlots * denseSlotLength + pruningLength;
  const length = structureLength + resourceLength;
  const groups = new Uint8Array(length);
  groups.fill(resourceGroup, structureLength);

  function encode(candidate: Candidate, prediction: PredictedResources): Float64Array {
    const x = new Float64Array(length);
    const layers = candidate.architecture.layers;
    let slot = 0;
    let dense = 0;
    let flatten = 0;
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i]!;
      if (isConvLike(layer)) {
        if (slot >= convSlots) continue;
        const at = slot * convSlotLength;
        x[at] = 1;
        x[at + 1 + convLikeTypes.indexOf(layer.type)] = 1;
        x[at + 4] = Math.log2(layer.filters);
        x[at + 5] = Math.log2(layer.kernel);
        x[at + 6] = Math.log2(layer.stride);
        x[at + 7] = layer.type === 'downsampledConv' ? Math.log2(layer.bottleneck) : 0;
        x[at + 8] = layer.padding === 'same' ? 1 : 0;
        const next = layers[i + 1];
        if (next?.type === 'maxPool' || next?.type === 'avgPool') {
          x[at + 9] = 1;
          x[at + 10] = next.type === 'maxPool' ? 1 : 0;
          x[at + 11] = Math.log2(next.size);
        }
        slot++;
      } else if (layer.type === 'dense') {
        if (dense < denseSlots) {
          const at = convSlots * convSlotLength + globalLength + dense * denseSlotLength;
          x[at] = 1;
          x[at + 1] = Math.log2(layer.units);
        }
        dense++;
      } else if (layer.type === 'flatten') {
        flatten = 1;
      }
    }
    const global = convSlots * convSlotLength;
    x[global] = slot;
    x[global + 1] = dense;
    x[global + 2] = flatten;
    const pruningAt = global + globalLength + denseSlots * denseSlotLength;
    x[pruningAt + pruningMethods.indexOf(candidate.pruning.method)] = 1;
    x[pruningAt + pruningMethods.length] = candidate.pruning.sparsity;
    const { estimate } = prediction;
    x[structureLength] = Math.log1p(estimate.params);
    x[structureLength + 1] = Math.log1p(estimate.nonzeroParams);
    x[structureLength + 2] = Math.log1p(estimate.macs);
    x[structureLength + 3] = Math.log1p(prediction.flashBytes);
    x[structureLength + 4] = Math.log1p(prediction.sramBytes);
    return x;
  }

  return { length, groups, encode };
}
