/**
 * The architecture JSON of DESIGN.md §2: types, limits, and a validator for untrusted input whose
 * errors name the layer (index and type) and the reason.
 */
import { FieldError, type Wording, checkDepth, describe, expectAt, forbiddenKeyReason, forbiddenKeys, isIntegerIn, isRecord, mustBe, recordAt } from './untrusted.ts';

export type Padding = 'same' | 'valid';

export interface InputShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** k×k convolution. */
export interface ConvLayer {
  readonly type: 'conv';
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
}

/** Depthwise k×k (multiplier 1) then pointwise 1×1 to `filters`. */
export interface SeparableConvLayer {
  readonly type: 'separableConv';
  readonly filters: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
}

/** SpArSe's DownsampledConv2D: pointwise 1×1 down to `bottleneck` channels, then k×k conv to `filters`. */
export interface DownsampledConvLayer {
  readonly type: 'downsampledConv';
  readonly filters: number;
  readonly bottleneck: number;
  readonly kernel: number;
  readonly stride: number;
  readonly padding: Padding;
}

/** Pooling with stride = size and valid padding. */
export interface PoolLayer {
  readonly type: 'maxPool' | 'avgPool';
  readonly size: number;
}

export interface FlattenLayer {
  readonly type: 'flatten';
}

export interface GlobalAvgPoolLayer {
  readonly type: 'globalAvgPool';
}

export interface DenseLayer {
  readonly type: 'dense';
  readonly units: number;
}

export type ConvLikeLayer = ConvLayer | SeparableConvLayer | DownsampledConvLayer;
export type Layer = ConvLikeLayer | PoolLayer | FlattenLayer | GlobalAvgPoolLayer | DenseLayer;
export type LayerType = Layer['type'];

/**
 * A network: its input, its classes, and its layers. Every conv-like and dense layer is followed by
 * ReLU; the classifier dense(classes) with softmax is implied after the last layer.
 */
export interface Architecture {
  readonly input: InputShape;
  readonly classes: number;
  readonly layers: readonly Layer[];
}

export const layerTypes: readonly LayerType[] = [
  'conv',
  'separableConv',
  'downsampledConv',
  'maxPool',
  'avgPool',
  'flatten',
  'globalAvgPool',
  'dense',
];

export const convLikeTypes: readonly ConvLikeLayer['type'][] = ['conv', 'separableConv', 'downsampledConv'];

export function isConvLike(layer: Layer): layer is ConvLikeLayer {
  return layer.type === 'conv' || layer.type === 'separableConv' || layer.type === 'downsampledConv';
}

/**
 * Bounds on every number, so that an untrusted file cannot ask for absurd sizes. They are far above
 * what fits any microcontroller we know; an architecture outside them is rejected, never clamped.
 */
export const limits = {
  side: 4096,
  channels: 4096,
  classes: 10_000,
  layers: 256,
  filters: 4096,
  units: 65_536,
  kernel: 31,
  stride: 8,
  poolSize: 32,
  /**
   * How deep an extra field's value may nest (the field itself is level 1): a `keep` mask is a list
   * of numbers (2). With an architecture 3 levels down in a study config, 13 stays within its 16.
   */
  extraFieldDepth: 13,
} as const;

/** Activation shape after a layer. `flat` once a flatten or globalAvgPool has run (height = width = 1). */
export interface Shape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly flat: boolean;
}

export const elementsOf = (shape: Shape | InputShape): number => shape.height * shape.width * shape.channels;

/**
 * An invalid architecture: its `path` names the field or the layer (index and type), `reason` says
 * why, and `layerIndex` is the layer's index when a layer is at fault.
 */
export class ArchitectureError extends FieldError {
  override readonly name = 'ArchitectureError';
  constructor(
    where: string,
    reason: string,
    readonly layerIndex?: number,
  ) {
    super(where, reason);
  }

  /** The path under its older name. */
  get where(): string {
    return this.path;
  }
}

export type ArchitectureResult =
  | { readonly ok: true; readonly architecture: Architecture; readonly shapes: readonly Shape[] }
  | { readonly ok: false; readonly error: ArchitectureError };

/** Output side of a conv or pool: `same` → ceil(in/stride); `valid` → floor((in − k)/stride) + 1. */
export function outputSide(inSide: number, kernel: number, stride: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(inSide / stride) : Math.floor((inSide - kernel) / stride) + 1;
}

/** Values are described briefly, and an absent one "got nothing". */
const wording: Wording = { describe, namesMissing: false, oneOf: false, error: ArchitectureError };

/** A field of the input or of a layer, named in quotes after `where`: `layers[2] (conv): "kernel" must be …`. */
function field<T>(record: Record<string, unknown>, key: string, accepts: (value: unknown) => value is T, expected: string, where: string, index?: number): T {
  const value = record[key];
  if (!accepts(value)) throw new ArchitectureError(where, `"${key}" ${mustBe(expected, value, wording)}`, index);
  return value;
}

function integerField(record: Record<string, unknown>, key: string, min: number, max: number, where: string, index?: number): number {
  return field(record, key, (value): value is number => isIntegerIn(value, min, max), `an integer from ${min} to ${max}`, where, index);
}

const isPadding = (value: unknown): value is Padding => value === 'same' || value === 'valid';

/** Label used in every message about a layer: `layers[2] (separableConv)`. */
export const layerLabel = (index: number, type: string): string => `layers[${index}] (${type})`;

/**
 * `typed` (the checked fields) with the other fields of `record` kept as they are, in `record`'s key
 * order, in a fresh object. `__proto__`, `constructor` and `prototype` are refused in words (`where`
 * names the layer or the architecture), never kept: JSON.parse makes `"__proto__"` an own field, an
 * object spread copies it, and every export would write it out again. Extra values nested deeper
 * than limits.extraFieldDepth are refused too, so no later stringify or clone recurses without end.
 */
function withExtraFields<T extends object>(record: Record<string, unknown>, typed: T, where: string, index?: number): T {
  const known: Record<string, unknown> = typed as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (forbiddenKeys.includes(key)) throw new ArchitectureError(where, `"${key}" ${forbiddenKeyReason}`, index);
    if (Object.hasOwn(known, key)) {
      result[key] = known[key];
      continue;
    }
    try {
      checkDepth(value, key, limits.extraFieldDepth);
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      throw new ArchitectureError(where, `extra field "${error.path}" ${error.reason}`, index);
    }
    result[key] = value;
  }
  return { ...result, ...typed };
}

/**
 * Checks one layer's fields and returns it with the known fields typed. Extra fields (for example a
 * per-layer `keep` mask written by structured pruning) are kept as they are, but for the forbidden
 * keys (withExtraFields).
 */
function parseLayer(value: unknown, index: number): Layer {
  if (!isRecord(value)) throw new ArchitectureError(`layers[${index}]`, mustBe('an object', value, wording), index);
  const type = value.type;
  if (typeof type !== 'string' || !(layerTypes as readonly string[]).includes(type)) {
    throw new ArchitectureError(
      `layers[${index}]`,
      `unknown layer type ${describe(type)}; expected one of ${layerTypes.join(', ')}`,
      index,
    );
  }
  const where = layerLabel(index, type);
  const layer = (typed: Layer): Layer => withExtraFields(value, typed, where, index);
  switch (type as LayerType) {
    case 'conv':
    case 'separableConv':
      return layer({
        type: type as 'conv' | 'separableConv',
        filters: integerField(value, 'filters', 1, limits.filters, where, index),
        kernel: integerField(value, 'kernel', 1, limits.kernel, where, index),
        stride: integerField(value, 'stride', 1, limits.stride, where, index),
        padding: field(value, 'padding', isPadding, '"same" or "valid"', where, index),
      });
    case 'downsampledConv':
      return layer({
        type: 'downsampledConv',
        filters: integerField(value, 'filters', 1, limits.filters, where, index),
        bottleneck: integerField(value, 'bottleneck', 1, limits.filters, where, index),
        kernel: integerField(value, 'kernel', 1, limits.kernel, where, index),
        stride: integerField(value, 'stride', 1, limits.stride, where, index),
        padding: field(value, 'padding', isPadding, '"same" or "valid"', where, index),
      });
    case 'maxPool':
    case 'avgPool':
      return layer({ type: type as 'maxPool' | 'avgPool', size: integerField(value, 'size', 1, limits.poolSize, where, index) });
    case 'flatten':
    case 'globalAvgPool':
      return layer({ type: type as 'flatten' | 'globalAvgPool' });
    case 'dense':
      return layer({ type: 'dense', units: integerField(value, 'units', 1, limits.units, where, index) });
  }
}

/**
 * Output shape of every layer (index i → shape after layers[i]), or an error naming the first layer
 * that cannot run: a side below 1, a spatial layer after flatten, a dense layer before it.
 */
export function inferShapes(architecture: Architecture): Shape[] {
  const { input, layers } = architecture;
  let shape: Shape = { height: input.height, width: input.width, channels: input.channels, flat: false };
  const shapes: Shape[] = [];
  layers.forEach((layer, index) => {
    if (layer.type === 'dense') {
      if (!shape.flat) {
        throw new ArchitectureError(layerLabel(index, layer.type), 'a dense layer needs a flatten or globalAvgPool layer before it', index);
      }
      shape = { height: 1, width: 1, channels: layer.units, flat: true };
    } else if (shape.flat) {
      const before = layers.slice(0, index).findIndex((l) => l.type === 'flatten' || l.type === 'globalAvgPool');
      throw new ArchitectureError(
        layerLabel(index, layer.type),
        `comes after ${layerLabel(before, layers[before]!.type)}, which already made the activations flat; move it before that layer`,
        index,
      );
    } else if (layer.type === 'flatten') {
      shape = { height: 1, width: 1, channels: elementsOf(shape), flat: true };
    } else if (layer.type === 'globalAvgPool') {
      shape = { height: 1, width: 1, channels: shape.channels, flat: true };
    } else {
      const isPool = !isConvLike(layer);
      const kernel = isPool ? layer.size : layer.kernel;
      const stride = isPool ? layer.size : layer.stride;
      const padding = isPool ? 'valid' : layer.padding;
      const height = outputSide(shape.height, kernel, stride, padding);
      const width = outputSide(shape.width, kernel, stride, padding);
      if (height < 1 || width < 1) {
        const what = isPool ? `pool size ${kernel}` : `kernel ${kernel} with padding "valid"`;
        throw new ArchitectureError(
          layerLabel(index, layer.type),
          `${what} does not fit its ${shape.height}×${shape.width} input (the output would be ${Math.max(height, 0)}×${Math.max(width, 0)})`,
          index,
        );
      }
      const channels = isConvLike(layer) ? layer.filters : shape.channels;
      shape = { height, width, channels, flat: false };
    }
    shapes.push(shape);
  });
  if (!shape.flat) {
    throw new ArchitectureError(
      layers.length === 0 ? 'layers' : layerLabel(layers.length - 1, layers[layers.length - 1]!.type),
      'the implied classifier is a dense layer: add a flatten or globalAvgPool layer before it',
      layers.length === 0 ? undefined : layers.length - 1,
    );
  }
  return shapes;
}

function parseWithShapes(value: unknown): { architecture: Architecture; shapes: Shape[] } {
  // Not recordAt: a forbidden key is named as the other fields are (`architecture: "__proto__" …`), by withExtraFields.
  const record = expectAt(value, 'architecture', isRecord, 'a JSON object', wording);
  const input = recordAt(record.input, 'input', 'an object with height, width and channels', wording);
  const parsedInput: InputShape = {
    height: integerField(input, 'height', 1, limits.side, 'input'),
    width: integerField(input, 'width', 1, limits.side, 'input'),
    channels: integerField(input, 'channels', 1, limits.channels, 'input'),
  };
  const classes = integerField(record, 'classes', 2, limits.classes, 'architecture');
  const layers = record.layers;
  if (!Array.isArray(layers)) throw new ArchitectureError('layers', mustBe('a list of layers', layers, wording));
  if (layers.length > limits.layers) throw new ArchitectureError('layers', `has ${layers.length} layers; at most ${limits.layers} are allowed`);
  const architecture = withExtraFields<Architecture>(record, { input: parsedInput, classes, layers: layers.map(parseLayer) }, 'architecture');
  return { architecture, shapes: inferShapes(architecture) };
}

/** Validates untrusted input (parsed JSON) as an architecture; throws an ArchitectureError. */
export function parseArchitecture(value: unknown): Architecture {
  return parseWithShapes(value).architecture;
}

/** Like parseArchitecture, but returns the error instead of throwing it. */
export function validateArchitecture(value: unknown): ArchitectureResult {
  try {
    return { ok: true, ...parseWithShapes(value) };
  } catch (error) {
    if (error instanceof ArchitectureError) return { ok: false, error };
    throw error;
  }
}
