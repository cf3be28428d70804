/**
 * SpArSe's search space (Fedorov, Adams, Mattina, Whatmough, NeurIPS 2019): a stack of conv-like
 * modules (Conv2D, SeparableConv2D, DownsampledConv2D), each optionally followed by max or average
 * pooling, then a head (flatten or global average pooling) and fully connected layers before the
 * implied classifier. This file holds the space's JSON form, its validator, and the membership test
 * that mutations and tests rely on; sampler.ts draws architectures from it.
 */
import {
  type Architecture,
  type ConvLikeLayer,
  type InputShape,
  type Layer,
  type Padding,
  convLikeTypes,
  isConvLike,
  layerLabel,
  limits,
  validateArchitecture,
} from './architecture.ts';
import {
  FieldError,
  type Wording,
  describeJson as describe,
  firstRepeat,
  integerAt,
  isIntegerIn,
  knownFieldsAt,
  numberAt,
  rangeAt,
  recordAt,
  refuse,
} from './untrusted.ts';

export type ConvType = ConvLikeLayer['type'];
export type PoolType = 'maxPool' | 'avgPool';
export type HeadType = 'flatten' | 'globalAvgPool';

/** An inclusive integer range. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** A set of allowed values: each is listed once (parseSearchSpace refuses repeats). */
export type Choices<T> = readonly T[];

/** The choices an architecture is drawn from. */
export interface SearchSpace {
  readonly input: InputShape;
  readonly classes: number;
  /** How many conv-like layers (conv, separableConv, downsampledConv). */
  readonly convLayers: Range;
  /** How many hidden dense layers come after the head, before the implied classifier. */
  readonly denseLayers: Range;
  readonly convTypes: Choices<ConvType>;
  readonly filters: Choices<number>;
  readonly kernels: Choices<number>;
  readonly strides: Choices<number>;
  readonly paddings: Choices<Padding>;
  /** Channels of a downsampledConv's 1×1 bottleneck. */
  readonly bottlenecks: Choices<number>;
  readonly denseUnits: Choices<number>;
  /** Each conv-like layer is followed by one pool with `probability`; 0 leaves pools out of the space. */
  readonly pooling: { readonly types: Choices<PoolType>; readonly sizes: Choices<number>; readonly probability: number };
  readonly heads: Choices<HeadType>;
}

/** An unusable search space: its `path` is the JSON path (`searchSpace.kernels`), `reason` says why. */
export class SearchSpaceError extends FieldError {
  override readonly name = 'SearchSpaceError';

  /** The path under its older name. */
  get field(): string {
    return this.path;
  }
}

/**
 * SpArSe-like defaults for an input and a number of classes. The module types (conv, separable,
 * downsampled), the optional max/avg pooling after each, and the dense layers before the classifier
 * follow the paper's space; the sizes are ours. They are deliberately broad: on 28×28×1 the smallest
 * draws have under a hundred parameters and about 1.6 KB of working memory (an Arduino Uno's 2 KB),
 * the largest megabytes of weights. As in SpArSe, the MCU constraints, not the space, decide what fits.
 */
export function defaultSearchSpace(input: InputShape, classes: number): SearchSpace {
  return parseSearchSpace({
    input,
    classes,
    convLayers: { min: 1, max: 4 },
    denseLayers: { min: 0, max: 2 },
    convTypes: convLikeTypes,
    filters: [4, 8, 16, 32, 64],
    kernels: [1, 3, 5],
    strides: [1, 2],
    paddings: ['same', 'valid'],
    bottlenecks: [2, 4, 8, 16],
    denseUnits: [16, 32, 64, 128],
    pooling: { types: ['maxPool', 'avgPool'], sizes: [2], probability: 0.5 },
    heads: ['flatten', 'globalAvgPool'],
  });
}

// ---------------------------------------------------------------------------------------------
// Validation of untrusted JSON
// ---------------------------------------------------------------------------------------------

/** Values are shown as JSON (the user must see the list), an absent one "got nothing". */
const wording: Wording = { describe, namesMissing: false, oneOf: true, error: SearchSpaceError };

function rangeField(record: Record<string, unknown>, key: string, max: number): Range {
  const field = `searchSpace.${key}`;
  const range = recordAt(record[key], field, 'an object { "min": …, "max": … }', wording);
  return rangeAt(range, field, (value, path) => integerAt(value, path, 0, max, wording), wording);
}

/**
 * A list of distinct choices. A `required` list may not be empty; `why` says when it is required
 * (for lists that only some choices use).
 */
function choiceList<T>(
  value: unknown,
  field: string,
  isChoice: (item: unknown) => item is T,
  what: string,
  required: boolean,
  why = '',
): T[] {
  if (!Array.isArray(value) || !value.every(isChoice) || (required && value.length === 0)) {
    refuse(value, field, required ? `a non-empty list of ${what}${why === '' ? '' : ` ${why}`}` : `a list of ${what}`, wording);
  }
  const repeated = firstRepeat(value);
  if (repeated >= 0) throw new SearchSpaceError(field, `lists ${describe(value[repeated])} more than once; each choice must appear once`);
  return value.slice();
}

function integerList(record: Record<string, unknown>, key: string, max: number, required: boolean, why?: string): number[] {
  const isChoice = (item: unknown): item is number => isIntegerIn(item, 1, max);
  return choiceList(record[key], `searchSpace.${key}`, isChoice, `integers from 1 to ${max}`, required, why);
}

/** A list of names; an unknown name gets its own message, since it is the likeliest mistake. */
function nameList<T extends string>(value: unknown, field: string, noun: string, names: readonly T[], required: boolean, why?: string): T[] {
  const isName = (item: unknown): item is T => typeof item === 'string' && (names as readonly string[]).includes(item);
  const expected = names.map((name) => `"${name}"`).join(', ');
  const unknown = Array.isArray(value) ? value.find((item) => !isName(item)) : undefined;
  if (unknown !== undefined) throw new SearchSpaceError(field, `unknown ${noun} ${describe(unknown)}; expected one of ${expected}`);
  return choiceList(value, field, isName, expected, required, why);
}

const spaceFields = [
  'input',
  'classes',
  'convLayers',
  'denseLayers',
  'convTypes',
  'filters',
  'kernels',
  'strides',
  'paddings',
  'bottlenecks',
  'denseUnits',
  'pooling',
  'heads',
] as const;

/** Checked spaces, so that sampling a space many times validates it once. */
const checkedSpaces = new WeakSet<SearchSpace>();

/** Throws a SearchSpaceError unless `space` is valid; each space object is checked only once. */
export function assertSearchSpace(space: SearchSpace): void {
  if (checkedSpaces.has(space)) return;
  parseSearchSpace(space);
  checkedSpaces.add(space);
}

/**
 * Validates untrusted input (parsed JSON) as a search space; throws a SearchSpaceError naming the
 * field. A list only needed by some choices may be empty when nothing uses it (bottlenecks without
 * downsampledConv, pooling lists with probability 0, dense units with denseLayers.max 0).
 */
export function parseSearchSpace(value: unknown): SearchSpace {
  const record = recordAt(value, 'searchSpace', 'a JSON object', wording);
  knownFieldsAt(record, 'searchSpace', spaceFields, 'the search space', wording);
  const inputRecord = recordAt(record.input, 'searchSpace.input', 'an object with height, width and channels', wording);
  knownFieldsAt(inputRecord, 'searchSpace.input', ['height', 'width', 'channels'], 'the search space', wording);
  const input: InputShape = {
    height: integerAt(inputRecord.height, 'searchSpace.input.height', 1, limits.side, wording),
    width: integerAt(inputRecord.width, 'searchSpace.input.width', 1, limits.side, wording),
    channels: integerAt(inputRecord.channels, 'searchSpace.input.channels', 1, limits.channels, wording),
  };
  const classes = integerAt(record.classes, 'searchSpace.classes', 2, limits.classes, wording);
  const convLayers = rangeField(record, 'convLayers', limits.layers);
  const denseLayers = rangeField(record, 'denseLayers', limits.layers);
  // Longest architecture: every conv-like layer with its pool, the head, then the dense layers.
  const longest = 2 * convLayers.max + 1 + denseLayers.max;
  if (longest > limits.layers) {
    throw new SearchSpaceError(
      'searchSpace.convLayers',
      `with denseLayers.max ${denseLayers.max} allows architectures of ${longest} layers; at most ${limits.layers} are allowed`,
    );
  }
  const hasConv = convLayers.max > 0;
  const convTypes = nameList(record.convTypes, 'searchSpace.convTypes', 'conv type', convLikeTypes, hasConv);
  const pooling = recordAt(record.pooling, 'searchSpace.pooling', 'an object with types, sizes and probability', wording);
  knownFieldsAt(pooling, 'searchSpace.pooling', ['types', 'sizes', 'probability'], 'the search space', wording);
  const probability = numberAt(pooling.probability, 'searchSpace.pooling.probability', 0, 1, wording);
  const hasPools = hasConv && probability > 0;
  const poolsWhy = 'when pooling.probability is above 0';
  const space: SearchSpace = {
    input,
    classes,
    convLayers,
    denseLayers,
    convTypes,
    filters: integerList(record, 'filters', limits.filters, hasConv),
    kernels: integerList(record, 'kernels', limits.kernel, hasConv),
    strides: integerList(record, 'strides', limits.stride, hasConv),
    paddings: nameList(record.paddings, 'searchSpace.paddings', 'padding', ['same', 'valid'] as const, hasConv),
    bottlenecks: integerList(
      record,
      'bottlenecks',
      limits.filters,
      hasConv && convTypes.includes('downsampledConv'),
      'when convTypes includes "downsampledConv"',
    ),
    denseUnits: integerList(record, 'denseUnits', limits.units, denseLayers.max > 0, 'when denseLayers.max is above 0'),
    pooling: {
      types: nameList(pooling.types, 'searchSpace.pooling.types', 'pool type', ['maxPool', 'avgPool'] as const, hasPools, poolsWhy),
      sizes: choiceList(
        pooling.sizes,
        'searchSpace.pooling.sizes',
        (item: unknown): item is number => isIntegerIn(item, 1, limits.poolSize),
        `integers from 1 to ${limits.poolSize}`,
        hasPools,
        poolsWhy,
      ),
      probability,
    },
    heads: nameList(record.heads, 'searchSpace.heads', 'head', ['flatten', 'globalAvgPool'] as const, true),
  };
  checkedSpaces.add(space);
  return space;
}

// ---------------------------------------------------------------------------------------------
// Membership
// ---------------------------------------------------------------------------------------------

const isPool = (layer: Layer | undefined): layer is Extract<Layer, { type: PoolType }> =>
  layer?.type === 'maxPool' || layer?.type === 'avgPool';

function notAmong(what: string, value: number | string, choices: readonly (number | string)[], listName: string): string | undefined {
  return choices.includes(value) ? undefined : `${what} ${describe(value)} is not one of the search space's ${listName} ${describe(choices)}`;
}

function convReason(layer: ConvLikeLayer, space: SearchSpace): string | undefined {
  return (
    notAmong('type', layer.type, space.convTypes, 'convTypes') ??
    notAmong('filters', layer.filters, space.filters, 'filters') ??
    notAmong('kernel', layer.kernel, space.kernels, 'kernels') ??
    notAmong('stride', layer.stride, space.strides, 'strides') ??
    notAmong('padding', layer.padding, space.paddings, 'paddings') ??
    (layer.type === 'downsampledConv' ? notAmong('bottleneck', layer.bottleneck, space.bottlenecks, 'bottlenecks') : undefined)
  );
}

/**
 * Why `architecture` is not one the space can produce (invalid, other input or classes, another
 * layout, a depth or value outside the space), or undefined when it is inside. Extra layer fields
 * such as pruning masks are ignored.
 */
export function whyNotInSpace(architecture: Architecture, space: SearchSpace): string | undefined {
  const checked = validateArchitecture(architecture);
  if (!checked.ok) return checked.error.message;
  const { input, classes, layers } = checked.architecture;
  if (input.height !== space.input.height || input.width !== space.input.width || input.channels !== space.input.channels) {
    const shape = (s: InputShape) => `${s.height}×${s.width}×${s.channels}`;
    return `input: ${shape(input)} differs from the search space's ${shape(space.input)}`;
  }
  if (classes !== space.classes) return `classes: ${classes} differs from the search space's ${space.classes}`;
  let index = 0;
  let convs = 0;
  for (let layer = layers[index]; layer !== undefined && isConvLike(layer); layer = layers[index]) {
    const reason = convReason(layer, space);
    if (reason !== undefined) return `${layerLabel(index, layer.type)}: ${reason}`;
    convs++;
    index++;
    const pool = layers[index];
    if (isPool(pool)) {
      const where = layerLabel(index, pool.type);
      if (space.pooling.probability === 0) return `${where}: the search space has no pooling (probability 0)`;
      const reason = notAmong('type', pool.type, space.pooling.types, 'pooling.types') ?? notAmong('size', pool.size, space.pooling.sizes, 'pooling.sizes');
      if (reason !== undefined) return `${where}: ${reason}`;
      index++;
    }
  }
  const head = layers[index];
  if (head === undefined || (head.type !== 'flatten' && head.type !== 'globalAvgPool')) {
    const where = head === undefined ? 'layers' : layerLabel(index, head.type);
    return `${where}: the search space's layout is conv-like layers, each followed by at most one pool, then flatten or globalAvgPool, then dense layers`;
  }
  if (convs < space.convLayers.min || convs > space.convLayers.max) {
    return `layers: ${convs} conv-like layers, outside the search space's ${space.convLayers.min} to ${space.convLayers.max}`;
  }
  const headReason = notAmong('head', head.type, space.heads, 'heads');
  if (headReason !== undefined) return `${layerLabel(index, head.type)}: ${headReason}`;
  const dense = layers.slice(index + 1);
  for (const [offset, layer] of dense.entries()) {
    const where = layerLabel(index + 1 + offset, layer.type);
    if (layer.type !== 'dense') return `${where}: only dense layers may follow the head`;
    const reason = notAmong('units', layer.units, space.denseUnits, 'denseUnits');
    if (reason !== undefined) return `${where}: ${reason}`;
  }
  if (dense.length < space.denseLayers.min || dense.length > space.denseLayers.max) {
    return `layers: ${dense.length} dense layers, outside the search space's ${space.denseLayers.min} to ${space.denseLayers.max}`;
  }
  return undefined;
}

/** True when `architecture` is valid and one that `space` can produce. */
export function isInSpace(architecture: Architecture, space: SearchSpace): boolean {
  return whyNotInSpace(architecture, space) === undefined;
}
