/**
 * Mutation operators for aging evolution and for SpArSe's morphing of Pareto-front members
 * (DESIGN.md §5). Each operator lists its possible edits in a random order, lazily; the first edit
 * whose child is valid, inside the search space and different from the parent wins. Operators only
 * ever report "none" after every edit of every operator was tried, so they never loop or give up early.
 */
import { type Architecture, type ConvLikeLayer, type Layer, isConvLike, layerLabel } from './architecture.ts';
import type { Rng } from './rng.ts';
import { type ConvGeometry, convGeometries, convLayer } from './sampler.ts';
import { type PoolType, type SearchSpace, SearchSpaceError, whyNotInSpace } from './search-space.ts';

export type MutationOperator =
  | 'addLayer'
  | 'removeLayer'
  | 'replaceLayer'
  | 'changeFilters'
  | 'changeKernel'
  | 'changeStride'
  | 'changeUnits';

/** Every operator, in a fixed order (mutateArchitecture tries them in a random one). */
export const mutationOperators: readonly MutationOperator[] = [
  'addLayer',
  'removeLayer',
  'replaceLayer',
  'changeFilters',
  'changeKernel',
  'changeStride',
  'changeUnits',
];

/** A child, the operator that made it (`none`: no operator could) and a sentence saying what changed. */
export interface Mutation {
  readonly architecture: Architecture;
  readonly operator: MutationOperator | 'none';
  readonly description: string;
}

/** A proposed child's layers, not yet checked. */
interface Edit {
  readonly layers: readonly Layer[];
  readonly description: string;
}

type EditSource = (layers: readonly Layer[], space: SearchSpace, rng: Rng) => Iterable<Edit>;

const isPool = (layer: Layer | undefined): layer is Extract<Layer, { type: PoolType }> =>
  layer?.type === 'maxPool' || layer?.type === 'avgPool';

const headIndex = (layers: readonly Layer[]): number =>
  layers.findIndex((layer) => layer.type === 'flatten' || layer.type === 'globalAvgPool');

const indices = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

const bottleneckOf = (layer: ConvLikeLayer): number => (layer.type === 'downsampledConv' ? layer.bottleneck : 0);

function insert(layers: readonly Layer[], index: number, layer: Layer): Layer[] {
  return [...layers.slice(0, index), layer, ...layers.slice(index)];
}

function replace(layers: readonly Layer[], index: number, layer: Layer): Layer[] {
  return layers.map((old, i) => (i === index ? layer : old));
}

function convSummary(layer: ConvLikeLayer): string {
  const bottleneck = layer.type === 'downsampledConv' ? `, bottleneck ${layer.bottleneck}` : '';
  return `${layer.filters} filters${bottleneck}, ${layer.kernel}×${layer.kernel} kernel, stride ${layer.stride}, ${layer.padding} padding`;
}

/** A layer's known fields in a fixed order: two layers are the same network layer when these match. */
function layerKey(layer: Layer): string {
  if (isConvLike(layer)) return JSON.stringify(convLayer(layer.type, layer.filters, layer, bottleneckOf(layer)));
  if (isPool(layer)) return `${layer.type}:${layer.size}`;
  if (layer.type === 'dense') return `dense:${layer.units}`;
  return layer.type;
}

const sameLayers = (a: readonly Layer[], b: readonly Layer[]): boolean =>
  a.length === b.length && a.every((layer, i) => layerKey(layer) === layerKey(b[i]!));

/** Inserts a conv-like layer anywhere before the head, a pool after a conv-like layer, or a dense layer after the head. */
function* addLayer(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const head = headIndex(layers);
  const convCount = layers.filter(isConvLike).length;
  const denseCount = layers.length - head - 1;
  for (const kind of rng.shuffle(['conv', 'pool', 'dense'] as const)) {
    if (kind === 'conv' && convCount < space.convLayers.max) {
      // Only the geometry decides whether the child fits; type and filters are drawn once per try.
      for (const index of rng.shuffle(indices(0, head + 1))) {
        for (const geometry of rng.shuffle(convGeometries(space))) {
          const type = rng.pick(space.convTypes);
          const bottleneck = type === 'downsampledConv' ? rng.pick(space.bottlenecks) : 0;
          const layer = convLayer(type, rng.pick(space.filters), geometry, bottleneck);
          yield { layers: insert(layers, index, layer), description: `added ${layerLabel(index, type)} with ${convSummary(layer)}` };
        }
      }
    }
    if (kind === 'pool' && space.pooling.probability > 0) {
      const sites = indices(0, head).filter((i) => isConvLike(layers[i]!) && !isPool(layers[i + 1]));
      const pools = space.pooling.types.flatMap((type) => space.pooling.sizes.map((size) => ({ type, size })));
      for (const after of rng.shuffle(sites)) {
        for (const pool of rng.shuffle(pools)) {
          const description = `added ${layerLabel(after + 1, pool.type)} of size ${pool.size} after ${layerLabel(after, layers[after]!.type)}`;
          yield { layers: insert(layers, after + 1, pool), description };
        }
      }
    }
    if (kind === 'dense' && denseCount < space.denseLayers.max) {
      for (const index of rng.shuffle(indices(head + 1, layers.length + 1))) {
        const units = rng.pick(space.denseUnits);
        yield { layers: insert(layers, index, { type: 'dense', units }), description: `added ${layerLabel(index, 'dense')} with ${units} units` };
      }
    }
  }
}

/**
 * Removes a conv-like layer (alone, so that its pool joins the layer before, or with its pool), a
 * pool or a dense layer. The head is never removed, and depths never go below the space's minimums.
 */
function* removeLayer(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const head = headIndex(layers);
  const convCount = layers.filter(isConvLike).length;
  const denseCount = layers.length - head - 1;
  const removals: { index: number; count: number }[] = [];
  layers.forEach((layer, index) => {
    if (isConvLike(layer) && convCount > space.convLayers.min) {
      removals.push({ index, count: 1 });
      if (isPool(layers[index + 1])) removals.push({ index, count: 2 });
    }
    if (isPool(layer) || (layer.type === 'dense' && denseCount > space.denseLayers.min)) removals.push({ index, count: 1 });
  });
  for (const { index, count } of rng.shuffle(removals)) {
    const removed = layers[index]!;
    const withPool = count === 2 ? ` and the ${layers[index + 1]!.type} after it` : '';
    yield {
      layers: [...layers.slice(0, index), ...layers.slice(index + count)],
      description: `removed ${layerLabel(index, removed.type)}${withPool}`,
    };
  }
}

/**
 * Swaps a conv-like layer for another conv type with the same filters, kernel, stride and padding
 * (drawing a bottleneck when it becomes a downsampledConv), a pool for the other pool type of the same
 * size, or the head for the other head, so that every choice of the space stays reachable.
 */
function* replaceLayer(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const swaps: { index: number; layer: Layer; same: string }[] = [];
  layers.forEach((layer, index) => {
    if (isConvLike(layer)) {
      for (const type of space.convTypes) {
        if (type === layer.type) continue;
        const bottleneck = type === 'downsampledConv' ? rng.pick(space.bottlenecks) : 0;
        swaps.push({ index, layer: convLayer(type, layer.filters, layer, bottleneck), same: ' (same filters, kernel, stride and padding)' });
      }
    } else if (isPool(layer)) {
      for (const type of space.pooling.types) {
        if (type !== layer.type) swaps.push({ index, layer: { type, size: layer.size }, same: ' (same size)' });
      }
    } else if (layer.type === 'flatten' || layer.type === 'globalAvgPool') {
      for (const type of space.heads) {
        if (type !== layer.type) swaps.push({ index, layer: { type }, same: '' });
      }
    }
  });
  for (const { index, layer, same } of rng.shuffle(swaps)) {
    yield { layers: replace(layers, index, layer), description: `replaced ${layerLabel(index, layers[index]!.type)} with ${layer.type}${same}` };
  }
}

/** One number of one layer that a change* operator may set to another value of the space's list. */
interface NumberSite {
  readonly index: number;
  readonly field: string;
  readonly current: number;
  readonly choices: readonly number[];
  readonly rebuild: (value: number) => Layer;
}

function* changeNumber(layers: readonly Layer[], sites: readonly NumberSite[], rng: Rng): Iterable<Edit> {
  for (const site of rng.shuffle(sites)) {
    for (const value of rng.shuffle(site.choices.filter((choice) => choice !== site.current))) {
      const label = layerLabel(site.index, layers[site.index]!.type);
      yield {
        layers: replace(layers, site.index, site.rebuild(value)),
        description: `changed ${site.field} of ${label} from ${site.current} to ${value}`,
      };
    }
  }
}

/** Conv-like layers with their indices. */
function convSites(layers: readonly Layer[]): { index: number; layer: ConvLikeLayer }[] {
  return layers.flatMap((layer, index) => (isConvLike(layer) ? [{ index, layer }] : []));
}

function withGeometry(layer: ConvLikeLayer, geometry: Partial<ConvGeometry>): ConvLikeLayer {
  return convLayer(layer.type, layer.filters, { ...layer, ...geometry }, bottleneckOf(layer));
}

/** Changes the filters of a conv-like layer, or the bottleneck of a downsampledConv (both are channel counts). */
function* changeFilters(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const sites = convSites(layers).flatMap(({ index, layer }): NumberSite[] => {
    const filters: NumberSite = {
      index,
      field: 'filters',
      current: layer.filters,
      choices: space.filters,
      rebuild: (value) => convLayer(layer.type, value, layer, bottleneckOf(layer)),
    };
    if (layer.type !== 'downsampledConv') return [filters];
    const rebuild = (value: number): Layer => convLayer(layer.type, layer.filters, layer, value);
    return [filters, { index, field: 'bottleneck', current: layer.bottleneck, choices: space.bottlenecks, rebuild }];
  });
  yield* changeNumber(layers, sites, rng);
}

/** Changes the kernel of a conv-like layer, or the size (the window) of a pool. */
function* changeKernel(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const sites = layers.flatMap((layer, index): NumberSite[] => {
    if (isConvLike(layer)) {
      return [{ index, field: 'kernel', current: layer.kernel, choices: space.kernels, rebuild: (kernel) => withGeometry(layer, { kernel }) }];
    }
    if (isPool(layer)) {
      return [{ index, field: 'size', current: layer.size, choices: space.pooling.sizes, rebuild: (size) => ({ type: layer.type, size }) }];
    }
    return [];
  });
  yield* changeNumber(layers, sites, rng);
}

function* changeStride(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const sites = convSites(layers).map(({ index, layer }): NumberSite => ({
    index,
    field: 'stride',
    current: layer.stride,
    choices: space.strides,
    rebuild: (stride) => withGeometry(layer, { stride }),
  }));
  yield* changeNumber(layers, sites, rng);
}

function* changeUnits(layers: readonly Layer[], space: SearchSpace, rng: Rng): Iterable<Edit> {
  const sites = layers.flatMap((layer, index): NumberSite[] =>
    layer.type === 'dense'
      ? [{ index, field: 'units', current: layer.units, choices: space.denseUnits, rebuild: (units) => ({ type: 'dense', units }) }]
      : [],
  );
  yield* changeNumber(layers, sites, rng);
}

const editSources: Record<MutationOperator, EditSource> = {
  addLayer,
  removeLayer,
  replaceLayer,
  changeFilters,
  changeKernel,
  changeStride,
  changeUnits,
};

/**
 * A child of `parent` made by one of `operators` (all by default), tried in a random order: valid,
 * inside `space` and different from the parent. The parent must be inside the space (a
 * SearchSpaceError says why not) and is never modified; changed layers lose extra fields such as
 * pruning masks, which no longer fit them. Operator 'none' returns the parent itself.
 */
export function mutateArchitecture(
  parent: Architecture,
  space: SearchSpace,
  rng: Rng,
  operators: readonly MutationOperator[] = mutationOperators,
): Mutation {
  const outside = whyNotInSpace(parent, space);
  if (outside !== undefined) throw new SearchSpaceError('parent', `is not inside the search space, so it cannot be mutated within it: ${outside}`);
  const unknown = operators.find((operator) => !mutationOperators.includes(operator));
  if (unknown !== undefined) throw new Error(`mutateArchitecture: unknown operator "${String(unknown)}"; expected one of ${mutationOperators.join(', ')}`);
  const tried = [...new Set(operators)];
  for (const operator of rng.shuffle(tried)) {
    for (const edit of editSources[operator](parent.layers, space, rng)) {
      if (sameLayers(edit.layers, parent.layers)) continue;
      const child: Architecture = { input: parent.input, classes: parent.classes, layers: edit.layers };
      if (whyNotInSpace(child, space) !== undefined) continue;
      // Fresh objects throughout, so that whoever edits the child in place cannot reach the parent.
      const architecture: Architecture = { input: { ...parent.input }, classes: parent.classes, layers: edit.layers.map((layer) => ({ ...layer })) };
      return { architecture, operator, description: edit.description };
    }
  }
  const which = tried.length === 0 ? 'no operators were given' : `none of ${tried.join(', ')} gives a different architecture inside the search space`;
  return { architecture: parent, operator: 'none', description: `left unchanged: ${which}` };
}
