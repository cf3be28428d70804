/**
 * The int8 TensorFlow Lite graph that the exporter (src/deploy) writes for an architecture: its
 * tensors, operators and constant buffers, without any weight values. Both the exporter and the
 * estimator start from this one description, so that the size of the exported file and the TFLM
 * memory plan are computed from the same graph that is written (DESIGN.md §3: estimate = export).
 *
 * It lives in src/core, not src/deploy where DESIGN.md §1 files the .tflite code, because the
 * estimator (core) needs it and core imports nothing outside core; src/deploy fills it with data.
 *
 * The graph, per layer of DESIGN.md §2 (all tensors int8 but biases int32 and MEAN's axis):
 * - conv → CONV_2D (weights [F, k, k, Cin] per-channel, bias [F] int32, fused ReLU);
 * - separableConv → DEPTHWISE_CONV_2D (weights [1, k, k, C] per-channel, no ReLU) + CONV_2D 1×1;
 * - downsampledConv → CONV_2D 1×1 to the bottleneck (no ReLU) + CONV_2D k×k;
 * - maxPool / avgPool → MAX_POOL_2D / AVERAGE_POOL_2D (the output shares the input's scale, as
 *   TFLite's int8 pooling kernels require);
 * - globalAvgPool → MEAN over axes [1, 2] (a constant int32 axis tensor), keep_dims false;
 * - flatten → RESHAPE to [1, N] (new_shape in its options; no shape tensor);
 * - dense → FULLY_CONNECTED (weights [U, N] per-tensor, bias [U], fused ReLU);
 * - the classifier → FULLY_CONNECTED to the logits, then SOFTMAX (output scale 1/256, zero point −128).
 *
 * Tensor order: the input, then per operator its constant tensors (weights, bias, or axis) followed
 * by its output. TFLM's planner breaks ties between buffers of equal size by this order.
 */
import type { Architecture, Padding } from './architecture.ts';
import { type Measurement, type Op, expandOps } from './ops.ts';

/** TFLite BuiltinOperator codes (schema.fbs `enum BuiltinOperator`). */
export const builtinCodes = {
  AVERAGE_POOL_2D: 1,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  FULLY_CONNECTED: 9,
  MAX_POOL_2D: 17,
  RESHAPE: 22,
  SOFTMAX: 25,
  MEAN: 40,
} as const;

export type BuiltinName = keyof typeof builtinCodes;

/** SOFTMAX's int8 output: scale 1/256, zero point −128, as TFLite's int8 softmax requires. */
export const softmaxOutput = { scale: 1 / 256, zeroPoint: -128 } as const;

/**
 * The operator version written into OperatorCode: the first version of each builtin that takes
 * int8 inputs (TFLite's op versioning, tensorflow/lite/tools/versioning/op_version.cc). TFLM
 * ignores it; the full TFLite runtime looks kernels up by it.
 */
export const builtinVersions: Readonly<Record<BuiltinName, number>> = {
  AVERAGE_POOL_2D: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 3,
  FULLY_CONNECTED: 4,
  MAX_POOL_2D: 2,
  RESHAPE: 1,
  SOFTMAX: 2,
  MEAN: 2,
};

/** The name of each op in TFLM's MicroMutableOpResolver (`AddConv2D()`, …). */
export const resolverMethods: Readonly<Record<BuiltinName, string>> = {
  AVERAGE_POOL_2D: 'AddAveragePool2D',
  CONV_2D: 'AddConv2D',
  DEPTHWISE_CONV_2D: 'AddDepthwiseConv2D',
  FULLY_CONNECTED: 'AddFullyConnected',
  MAX_POOL_2D: 'AddMaxPool2D',
  RESHAPE: 'AddReshape',
  SOFTMAX: 'AddSoftmax',
  MEAN: 'AddMean',
};

export type TensorRole = 'input' | 'activation' | 'weights' | 'bias' | 'axis';

export interface GraphTensor {
  readonly role: TensorRole;
  readonly shape: readonly number[];
  readonly type: 'int8' | 'int32';
  /** Index into the model's buffers; 0 (the empty sentinel) for tensors without constant data. */
  readonly buffer: number;
  /** Bytes of the tensor's data (elements × element size). */
  readonly bytes: number;
  /** Number of scale / zero-point pairs; 0 for a tensor without quantisation (MEAN's axis). */
  readonly quantCount: number;
  /** The axis the per-channel scales run along (0 for conv weights, 3 for depthwise). */
  readonly quantizedDimension: number;
  /** The operator that owns it (constants) or writes it (activations); −1 for the input. */
  readonly operator: number;
}

export type GraphOptions =
  | { readonly type: 'conv' | 'depthwise'; readonly padding: Padding; readonly stride: number; readonly relu: boolean }
  | { readonly type: 'pool'; readonly size: number }
  | { readonly type: 'fullyConnected'; readonly relu: boolean }
  | { readonly type: 'reshape'; readonly newShape: readonly number[] }
  | { readonly type: 'mean' }
  | { readonly type: 'softmax' };

export interface GraphOperator {
  readonly builtin: BuiltinName;
  /** Index into `opcodes`. */
  readonly opcodeIndex: number;
  readonly inputs: readonly number[];
  readonly outputs: readonly number[];
  readonly options: GraphOptions;
  /** Index into `ops` (expandOps) of the op it runs; −1 for RESHAPE and SOFTMAX, which have none. */
  readonly op: number;
  /**
   * Index of the network's activation point its output is (the int8 simulation's tap numbering:
   * 0 is the input, then one per op but flatten); −1 for RESHAPE (its output is its input's
   * point) and SOFTMAX (fixed scale).
   */
  readonly point: number;
}

export interface TfliteGraph {
  readonly tensors: readonly GraphTensor[];
  readonly operators: readonly GraphOperator[];
  /** The distinct builtins, in order of first use: the model's operator_codes. */
  readonly opcodes: readonly BuiltinName[];
  /** Byte length of each buffer; buffer 0 is the empty sentinel the schema requires. */
  readonly buffers: readonly number[];
  readonly input: number;
  readonly output: number;
  /** The ops of expandOps the graph was built from. */
  readonly ops: readonly Op[];
}

/**
 * The TFLite graph of an architecture (with pruning's measurement, whose channel counts shrink the
 * tensors; non-zero counts do not change a dense int8 file). Throws expandOps' ArchitectureError.
 */
export function tfliteGraph(architecture: Architecture, measurement?: Measurement): TfliteGraph {
  const ops = expandOps(architecture, measurement);
  const tensors: GraphTensor[] = [];
  const operators: GraphOperator[] = [];
  const opcodes: BuiltinName[] = [];
  const buffers: number[] = [0];
  const { input } = architecture;
  tensors.push({ role: 'input', shape: [1, input.height, input.width, input.channels], type: 'int8', buffer: 0, bytes: input.height * input.width * input.channels, quantCount: 1, quantizedDimension: 0, operator: -1 });
  let current = 0;
  let point = 0;

  const constant = (role: TensorRole, shape: number[], type: 'int8' | 'int32', quantCount: number, quantizedDimension: number): number => {
    const elements = shape.reduce((a, b) => a * b, 1);
    const bytes = elements * (type === 'int32' ? 4 : 1);
    buffers.push(bytes);
    tensors.push({ role, shape, type, buffer: buffers.length - 1, bytes, quantCount, quantizedDimension, operator: operators.length });
    return tensors.length - 1;
  };
  const activation = (shape: number[]): number => {
    tensors.push({ role: 'activation', shape, type: 'int8', buffer: 0, bytes: shape.reduce((a, b) => a * b, 1), quantCount: 1, quantizedDimension: 0, operator: operators.length });
    return tensors.length - 1;
  };
  const add = (builtin: BuiltinName, inputs: number[], output: number, options: GraphOptions, op: number, outputPoint: number): void => {
    let opcodeIndex = opcodes.indexOf(builtin);
    if (opcodeIndex < 0) opcodeIndex = opcodes.push(builtin) - 1;
    operators.push({ builtin, opcodeIndex, inputs, outputs: [output], options, op, point: outputPoint });
    current = output;
  };

  let cursor = 0;
  for (let layerIndex = 0; layerIndex <= architecture.layers.length; layerIndex++) {
    const layer = architecture.layers[layerIndex];
    if (layer?.type === 'flatten') {
      const elements = tensors[current]!.shape.reduce((a, b) => a * b, 1);
      const from = current;
      add('RESHAPE', [from], activation([1, elements]), { type: 'reshape', newShape: [1, elements] }, -1, -1);
      continue;
    }
    for (; cursor < ops.length && ops[cursor]!.layerIndex === layerIndex; cursor++) {
      const op = ops[cursor]!;
      const from = current;
      const { input: i, output: o } = op;
      const outShape = o.flat ? [1, o.channels] : [1, o.height, o.width, o.channels];
      point += 1;
      // A conv-like layer's ReLU follows its last op; its k×k op uses the layer's padding.
      const relu = layer === undefined ? false : layer.type === 'dense' || op.kind === 'conv' ? true : op.kind === 'pointwise' ? layer.type === 'separableConv' : false;
      const padding: Padding = layer !== undefined && 'padding' in layer && op.kind !== 'pointwise' ? layer.padding : 'valid';
      if (op.kind === 'conv' || op.kind === 'pointwise') {
        const weights = constant('weights', [o.channels, op.kernel, op.kernel, i.channels], 'int8', o.channels, 0);
        const bias = constant('bias', [o.channels], 'int32', o.channels, 0);
        add('CONV_2D', [from, weights, bias], activation(outShape), { type: 'conv', padding, stride: op.stride, relu }, cursor, point);
      } else if (op.kind === 'depthwise') {
        const weights = constant('weights', [1, op.kernel, op.kernel, o.channels], 'int8', o.channels, 3);
        const bias = constant('bias', [o.channels], 'int32', o.channels, 0);
        add('DEPTHWISE_CONV_2D', [from, weights, bias], activation(outShape), { type: 'depthwise', padding, stride: op.stride, relu: false }, cursor, point);
      } else if (op.kind === 'dense') {
        const weights = constant('weights', [o.channels, i.channels], 'int8', 1, 0);
        const bias = constant('bias', [o.channels], 'int32', 1, 0);
        add('FULLY_CONNECTED', [from, weights, bias], activation(outShape), { type: 'fullyConnected', relu }, cursor, point);
      } else if (op.layerType === 'globalAvgPool') {
        const axis = constant('axis', [2], 'int32', 0, 0);
        add('MEAN', [from, axis], activation(outShape), { type: 'mean' }, cursor, point);
      } else {
        add(op.kernelKind === 'maxPool' ? 'MAX_POOL_2D' : 'AVERAGE_POOL_2D', [from], activation(outShape), { type: 'pool', size: op.kernel }, cursor, point);
      }
    }
  }
  const classes = architecture.classes;
  add('SOFTMAX', [current], activation([1, classes]), { type: 'softmax' }, -1, -1);
  return { tensors, operators, opcodes, buffers, input: 0, output: current, ops };
}

/**
 * For each activation point of the int8 simulation (0 the input, then one per op), the point whose
 * calibrated range it must use: its own, except a pool's output, which TFLite's int8 MAX_POOL_2D and
 * AVERAGE_POOL_2D keep at their input's scale and zero point (they do not requantise).
 */
export function rangeSources(graph: TfliteGraph): number[] {
  const pointOfTensor = new Map<number, number>([[graph.input, 0]]);
  const sources: number[] = [0];
  for (const operator of graph.operators) {
    const input = pointOfTensor.get(operator.inputs[0]!) ?? 0;
    if (operator.point < 0) {
      // RESHAPE passes its input's point on; SOFTMAX ends the graph.
      pointOfTensor.set(operator.outputs[0]!, input);
      continue;
    }
    const pooled = operator.builtin === 'MAX_POOL_2D' || operator.builtin === 'AVERAGE_POOL_2D';
    sources[operator.point] = pooled ? sources[input]! : operator.point;
    pointOfTensor.set(operator.outputs[0]!, operator.point);
  }
  return sources;
}
