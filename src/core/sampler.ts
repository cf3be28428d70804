/**
 * Draws architectures from a SpArSe search space (search-space.ts). Only choices that fit the
 * current activation, and leave room for the layers still to come, are eligible, so every draw is
 * valid without retries; the same seed gives the same draws.
 */
import { type Architecture, type ConvLikeLayer, type Layer, type Padding, isConvLike, outputSide } from './architecture.ts';
import type { Rng } from './rng.ts';
import { type ConvType, type SearchSpace, SearchSpaceError, assertSearchSpace } from './search-space.ts';

/** The part of a conv-like layer that decides its output side. */
export interface ConvGeometry {
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
}

/** Every kernel × stride × padding combination of the space. */
export function convGeometries(space: SearchSpace): ConvGeometry[] {
  return space.kernels.flatMap((kernel) =>
    space.strides.flatMap((stride) => space.paddings.map((padding) => ({ kernel, stride, padding }))),
  );
}

/**
 * How many conv-like layers (up to `wanted`) can follow each other from a `side`×`side` activation.
 * Output sides never decrease with the input side, so taking the least-shrinking geometry at every
 * step reaches the largest side possible after any number of layers: if this greedy chain stops
 * short, every other chain does too. Only the smaller side of the input matters for the same reason.
 */
function convChainLength(side: number, options: readonly ConvGeometry[], wanted: number): number {
  let count = 0;
  while (count < wanted) {
    side = Math.max(0, ...options.map((o) => outputSide(side, o.kernel, o.stride, o.padding)));
    if (side < 1) break;
    count++;
  }
  return count;
}

/** Whether `after` more conv-like layers still fit after an activation of this side. */
function leavesRoom(side: number, options: readonly ConvGeometry[], after: number): boolean {
  return side >= 1 && convChainLength(side, options, after) === after;
}

/** A conv-like layer with its fields in the order of DESIGN.md §2; `bottleneck` is used by downsampledConv only. */
export function convLayer(type: ConvType, filters: number, geometry: ConvGeometry, bottleneck: number): ConvLikeLayer {
  const { kernel, stride, padding } = geometry;
  return type === 'downsampledConv'
    ? { type, filters, bottleneck, kernel, stride, padding }
    : { type, filters, kernel, stride, padding };
}

/**
 * The heads worth drawing after `layers`: a global average leaves one number per channel, and with
 * fewer channels than classes the network cannot tell the classes apart. In the training-recipe sweep
 * (npm run bench -- --only recipe) a separableConv of 4 filters under a global average stayed at
 * 30–37 % on MNIST under every recipe, while flatten heads of the same size learnt. So a global
 * average is drawn only over at least `classes` channels; a space that offers nothing else keeps it.
 */
function headsThatCanLearn(space: SearchSpace, layers: readonly Layer[]): readonly SearchSpace['heads'][number][] {
  const last = [...layers].reverse().find(isConvLike);
  const channels = last ? last.filters : space.input.channels;
  const usable = space.heads.filter((head) => head !== 'globalAvgPool' || channels >= space.classes);
  return usable.length > 0 ? usable : space.heads;
}

/**
 * One architecture drawn from `space`: conv-like layers (each maybe followed by a pool), a head,
 * dense layers. Only choices that fit the current activation, and leave room for the layers still to
 * come, are eligible, so every draw is valid without retries. Throws a SearchSpaceError when even
 * `convLayers.min` layers cannot fit the input.
 */
export function sampleArchitecture(space: SearchSpace, rng: Rng): Architecture {
  assertSearchSpace(space);
  const options = convGeometries(space);
  const { input, convLayers, pooling } = space;
  const reachable = convChainLength(Math.min(input.height, input.width), options, convLayers.max);
  if (reachable < convLayers.min) {
    throw new SearchSpaceError(
      'searchSpace.convLayers',
      `no choice of kernels ${JSON.stringify(space.kernels)}, strides ${JSON.stringify(space.strides)} and paddings ${JSON.stringify(space.paddings)} ` +
        `fits ${convLayers.min} conv-like layers into the ${input.height}×${input.width} input (at most ${reachable} fit); ` +
        'lower convLayers.min, add smaller kernels or allow "same" padding',
    );
  }
  const depth = rng.int(convLayers.min, reachable);
  const layers: Layer[] = [];
  let height = input.height;
  let width = input.width;
  for (let index = 0; index < depth; index++) {
    const after = depth - index - 1;
    const eligible = options.filter((o) =>
      leavesRoom(Math.min(outputSide(height, o.kernel, o.stride, o.padding), outputSide(width, o.kernel, o.stride, o.padding)), options, after),
    );
    // Never empty: the geometry the greedy chain took at this step is always eligible.
    const geometry = rng.pick(eligible);
    const type = rng.pick(space.convTypes);
    const filters = rng.pick(space.filters);
    const bottleneck = type === 'downsampledConv' ? rng.pick(space.bottlenecks) : 0;
    layers.push(convLayer(type, filters, geometry, bottleneck));
    height = outputSide(height, geometry.kernel, geometry.stride, geometry.padding);
    width = outputSide(width, geometry.kernel, geometry.stride, geometry.padding);
    if (pooling.probability > 0 && rng.chance(pooling.probability)) {
      const sizes = pooling.sizes.filter((size) => leavesRoom(Math.floor(Math.min(height, width) / size), options, after));
      if (sizes.length > 0) {
        const size = rng.pick(sizes);
        layers.push({ type: rng.pick(pooling.types), size });
        height = Math.floor(height / size);
        width = Math.floor(width / size);
      }
    }
  }
  layers.push({ type: rng.pick(headsThatCanLearn(space, layers)) });
  const denseCount = rng.int(space.denseLayers.min, space.denseLayers.max);
  for (let index = 0; index < denseCount; index++) layers.push({ type: 'dense', units: rng.pick(space.denseUnits) });
  return { input: { ...input }, classes: space.classes, layers };
}
