/**
 * Splits an architecture into the primitive ops of DESIGN.md §3 (conv, depthwise, pointwise, pool,
 * dense), with the shapes, weights, biases and MACs of each. Flatten, ReLU and softmax are free and in
 * place, so they make no op. Measurements taken after pruning (surviving channels, non-zero weights)
 * replace the counts the architecture alone implies.
 */
import { type Architecture, ArchitectureError, type Layer, type Shape, elementsOf, inferShapes, isConvLike, layerLabel, outputSide } from './architecture.ts';

export type OpKind = 'conv' | 'depthwise' | 'pointwise' | 'pool' | 'dense';

/** Which runtime kernel an op needs; decides the code linked into flash and the scratch buffers. */
export type KernelKind = 'conv' | 'depthwise' | 'pointwise' | 'maxPool' | 'avgPool' | 'dense';

export interface Op {
  /** Index of the layer in `architecture.layers`; `layers.length` for the implied classifier. */
  readonly layerIndex: number;
  readonly layerType: Layer['type'] | 'classifier';
  readonly kind: OpKind;
  readonly kernelKind: KernelKind;
  readonly input: Shape;
  readonly output: Shape;
  /** Spatial window (k) and stride of the op; 1 for pointwise and dense. */
  readonly kernel: number;
  readonly stride: number;
  readonly weights: number;
  /** Non-zero weights: measured after pruning, otherwise all of them. */
  readonly nonzeroWeights: number;
  readonly biases: number;
  readonly macs: number;
  readonly inputElements: number;
  readonly outputElements: number;
}

/**
 * What pruning left of one layer, measured on trained weights.
 * - `channels`: surviving output channels (filters, or units of a dense layer).
 * - `bottleneck`: surviving bottleneck channels of a downsampledConv.
 * - `nonzeroWeights`: non-zero weights per op of the layer, in op order (one entry for conv and dense,
 *   two for separableConv [depthwise, pointwise] and downsampledConv [pointwise, conv]).
 */
export interface LayerMeasurement {
  readonly channels?: number;
  readonly bottleneck?: number;
  readonly nonzeroWeights?: readonly number[];
}

/** Per-layer measurements, indexed like `architecture.layers`; index `layers.length` is the classifier. */
export type Measurement = readonly (LayerMeasurement | undefined)[];

const flatShape = (channels: number): Shape => ({ height: 1, width: 1, channels, flat: true });

function checkChannels(value: number | undefined, declared: number, field: string, type: Layer['type'], index: number): number {
  if (value === undefined) return declared;
  if (!Number.isInteger(value) || value < 1 || value > declared) {
    throw new ArchitectureError(layerLabel(index, type), `measured ${field} must be an integer from 1 to ${declared}, got ${value}`, index);
  }
  return value;
}

/**
 * A readable name for an op, e.g. `layers[2] (separableConv) depthwise`; the part of a two-op layer
 * is named after its kind.
 */
export function opName(op: Op): string {
  if (op.layerType === 'classifier') return 'classifier';
  const label = layerLabel(op.layerIndex, op.layerType);
  return op.layerType === 'separableConv' || op.layerType === 'downsampledConv' ? `${label} ${op.kind}` : label;
}

/** How many ops each layer type makes; the classifier makes one dense op. */
export const opsPerLayer: Readonly<Record<Layer['type'], number>> = {
  conv: 1,
  separableConv: 2,
  downsampledConv: 2,
  maxPool: 1,
  avgPool: 1,
  globalAvgPool: 1,
  flatten: 0,
  dense: 1,
};

function checkMeasurementShape(architecture: Architecture, measurement: Measurement): void {
  const { layers } = architecture;
  if (measurement.length > layers.length + 1) {
    throw new ArchitectureError(
      'measurement',
      `has ${measurement.length} entries, but the architecture has ${layers.length} layers plus the classifier`,
    );
  }
  measurement.forEach((entry, index) => {
    const nonzero = entry?.nonzeroWeights;
    if (nonzero === undefined) return;
    const layer = layers[index];
    const where = layer ? layerLabel(index, layer.type) : 'classifier';
    const weighted = layer ? (layer.type === 'maxPool' || layer.type === 'avgPool' || layer.type === 'globalAvgPool' ? 0 : opsPerLayer[layer.type]) : 1;
    if (nonzero.length !== weighted) {
      throw new ArchitectureError(
        where,
        `measured non-zero weights must list ${weighted} value${weighted === 1 ? '' : 's'} (one per op with weights), got ${nonzero.length}`,
        index,
      );
    }
  });
}

/**
 * Appends one op to `ops`, taking its non-zero weights from the measurement when there is one.
 * A module-level function, not a closure: estimate() runs it for every screened candidate.
 */
function pushOp(
  ops: Op[],
  measurement: Measurement,
  classifierIndex: number,
  index: number,
  layerType: Op['layerType'],
  kind: OpKind,
  kernelKind: KernelKind,
  input: Shape,
  output: Shape,
  kernel: number,
  stride: number,
  weights: number,
  biases: number,
  macs: number,
  opIndexInLayer: number,
): void {
  const measured = measurement[index]?.nonzeroWeights?.[opIndexInLayer];
  if (measured !== undefined && (!Number.isInteger(measured) || measured < 0 || measured > weights)) {
    throw new ArchitectureError(
      index === classifierIndex ? 'classifier' : layerLabel(index, layerType),
      `measured non-zero weights of its ${kind} op must be an integer from 0 to ${weights}, got ${measured}`,
      index,
    );
  }
  ops.push({
    layerIndex: index,
    layerType,
    kind,
    kernelKind,
    input,
    output,
    kernel,
    stride,
    weights,
    nonzeroWeights: measured ?? weights,
    biases,
    macs,
    inputElements: elementsOf(input),
    outputElements: elementsOf(output),
  });
}

/** Throws inferShapes' error for an architecture that cannot run. */
function throwShapeError(architecture: Architecture): never {
  inferShapes(architecture);
  throw new ArchitectureError('layers', 'cannot run, but no layer was found at fault; please report this architecture');
}

/**
 * The ops of an architecture, in execution order. Throws an ArchitectureError naming the layer when
 * the architecture cannot run or a measurement does not fit its layer.
 */
export function expandOps(architecture: Architecture, measurement: Measurement = []): Op[] {
  // The walk below meets every way an architecture can fail to run (a side below 1, a spatial layer
  // after the head, a dense layer before it, no head); it then lets inferShapes, the one validator,
  // throw the error that names the layer. Measured channels never change the spatial sides.
  checkMeasurementShape(architecture, measurement);
  const ops: Op[] = [];
  let shape: Shape = { ...architecture.input, flat: false };

  const last = architecture.layers.length;
  architecture.layers.forEach((layer, index) => {
    const m = measurement[index];
    const cin = shape.channels;
    if (isConvLike(layer)) {
      if (shape.flat) throwShapeError(architecture);
      const filters = checkChannels(m?.channels, layer.filters, 'channels', layer.type, index);
      const k = layer.kernel;
      const out: Shape = {
        height: outputSide(shape.height, k, layer.stride, layer.padding),
        width: outputSide(shape.width, k, layer.stride, layer.padding),
        channels: filters,
        flat: false,
      };
      if (out.height < 1 || out.width < 1) throwShapeError(architecture);
      const hw = out.height * out.width;
      if (layer.type === 'conv') {
        pushOp(ops, measurement, last, index, layer.type, 'conv', 'conv', shape, out, k, layer.stride, k * k * cin * filters, filters, hw * filters * k * k * cin, 0);
      } else if (layer.type === 'separableConv') {
        const mid: Shape = { ...out, channels: cin };
        pushOp(ops, measurement, last, index, layer.type, 'depthwise', 'depthwise', shape, mid, k, layer.stride, k * k * cin, cin, hw * cin * k * k, 0);
        pushOp(ops, measurement, last, index, layer.type, 'pointwise', 'pointwise', mid, out, 1, 1, cin * filters, filters, hw * cin * filters, 1);
      } else {
        const bottleneck = checkChannels(m?.bottleneck, layer.bottleneck, 'bottleneck', layer.type, index);
        const mid: Shape = { ...shape, channels: bottleneck };
        const midHw = shape.height * shape.width;
        pushOp(ops, measurement, last, index, layer.type, 'pointwise', 'pointwise', shape, mid, 1, 1, cin * bottleneck, bottleneck, midHw * cin * bottleneck, 0);
        pushOp(ops, measurement, last, index, layer.type, 'conv', 'conv', mid, out, k, layer.stride, k * k * bottleneck * filters, filters, hw * filters * k * k * bottleneck, 1);
      }
      shape = out;
    } else if (layer.type === 'maxPool' || layer.type === 'avgPool') {
      const out: Shape = {
        height: outputSide(shape.height, layer.size, layer.size, 'valid'),
        width: outputSide(shape.width, layer.size, layer.size, 'valid'),
        channels: cin,
        flat: false,
      };
      if (shape.flat || out.height < 1 || out.width < 1) throwShapeError(architecture);
      pushOp(ops, measurement, last, index, layer.type, 'pool', layer.type, shape, out, layer.size, layer.size, 0, 0, 0, 0);
      shape = out;
    } else if (layer.type === 'globalAvgPool') {
      if (shape.flat) throwShapeError(architecture);
      const out = flatShape(cin);
      pushOp(ops, measurement, last, index, layer.type, 'pool', 'avgPool', shape, out, shape.height, shape.height, 0, 0, 0, 0);
      shape = out;
    } else if (layer.type === 'flatten') {
      if (shape.flat) throwShapeError(architecture);
      shape = flatShape(elementsOf(shape));
    } else if (layer.type === 'dense') {
      if (!shape.flat) throwShapeError(architecture);
      const units = checkChannels(m?.channels, layer.units, 'channels', layer.type, index);
      const n = shape.channels;
      const out = flatShape(units);
      pushOp(ops, measurement, last, index, layer.type, 'dense', 'dense', shape, out, 1, 1, n * units, units, n * units, 0);
      shape = out;
    }
  });

  if (!shape.flat) throwShapeError(architecture);
  const classifierIndex = architecture.layers.length;
  const classes = architecture.classes;
  if (measurement[classifierIndex]?.channels !== undefined && measurement[classifierIndex]?.channels !== classes) {
    throw new ArchitectureError('classifier', `its ${classes} outputs are the classes and cannot be pruned`, classifierIndex);
  }
  const n = shape.channels;
  pushOp(ops, measurement, last, classifierIndex, 'classifier', 'dense', 'dense', shape, flatShape(classes), 1, 1, n * classes, classes, n * classes, 0);
  return ops;
}

/**
 * The measurement of an architecture from the non-zero weights of its weighted ops (every op but
 * the pools), in op order: what a stored trial keeps (`nonzeroWeightsByOp`) so that its resources can
 * be estimated again for other targets without the weights. Throws when the counts do not fit.
 */
export function measurementFromNonzero(architecture: Architecture, nonzeroByOp: readonly number[]): Measurement {
  const weighted = expandOps(architecture).filter((op) => op.kind !== 'pool');
  if (nonzeroByOp.length !== weighted.length) {
    throw new Error(`${nonzeroByOp.length} non-zero counts for the ${weighted.length} weighted ops of the architecture`);
  }
  const perLayer: number[][] = [];
  weighted.forEach((op, i) => {
    const count = nonzeroByOp[i]!;
    if (!Number.isSafeInteger(count) || count < 0 || count > op.weights) {
      throw new Error(`${opName(op)}: ${count} non-zero weights; it has ${op.weights}`);
    }
    (perLayer[op.layerIndex] ??= []).push(count);
  });
  return Array.from({ length: architecture.layers.length + 1 }, (_, layer): LayerMeasurement | undefined =>
    perLayer[layer] ? { nonzeroWeights: perLayer[layer] } : undefined,
  );
}
