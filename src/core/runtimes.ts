/**
 * The constants of `deploy` accounting (DESIGN.md §3): what an int8 inference runtime adds on a
 * microcontroller around the weights and activations. Every number says where it comes from. Those
 * marked GUESS could not be read off a source and are our estimate; the README lists them too.
 *
 * Sources:
 * - [schema] TensorFlow Lite flatbuffer schema, tensorflow/lite/schema/schema.fbs:
 *   `Buffer { data:[ubyte] (force_align: 16) }`, `QuantizationParameters { scale:[float]; zero_point:[long] }`.
 * - [quant-spec] TensorFlow Lite 8-bit quantization specification (tensorflow.org/lite/performance/
 *   quantization_spec): int8 weights, per-channel for conv and depthwise, per-tensor for fully
 *   connected; int32 biases.
 * - [tflm-docs] TensorFlow Lite for Microcontrollers docs: "The core runtime just fits in 16 KB on an
 *   Arm Cortex M3".
 * - [tflm-arena] TFLM `MicroArenaBufferAlignment()` = 16: every arena buffer is 16-byte aligned.
 * - [tflm-conv] TFLM kernels/conv.h and depthwise_conv.h `OpDataConv`: `per_channel_output_multiplier`
 *   and `per_channel_output_shift`, one int32 each per output channel, allocated in the persistent arena.
 * - [tflm-eval-tensor] TFLM `TfLiteEvalTensor { void* data; TfLiteIntArray* dims; TfLiteType type; }`:
 *   12 bytes per tensor on a 32-bit core, in the persistent arena.
 * - [cmsis-nn] CMSIS-NN Include/arm_nnfunctions.h, the `*_get_buffer_size` functions for the DSP path
 *   (Cortex-M4/M7): arm_convolve_s8 needs 2·Cin·k·k int16 (im2col of two columns);
 *   arm_depthwise_conv_s8_opt needs Cin·k·k int16; arm_avgpool_s8 needs Cin int32;
 *   1×1 convolution (arm_convolve_1x1_s8_fast), fully connected and max pool need none.
 */
import { KiB } from './units.ts';
import type { KernelKind } from './ops.ts';

/** Kernels whose code is linked into flash: a pointwise op runs on the conv kernel. */
export type CodeKernel = Exclude<KernelKind, 'pointwise'> | 'softmax' | 'reshape';

/** The linked kernel that runs ops of this kind. */
export const codeKernelOf = (kind: KernelKind): CodeKernel => (kind === 'pointwise' ? 'conv' : kind);

export type RuntimeId = 'tflm-cmsis-nn' | 'tflm-esp-nn' | 'tflm-reference' | 'bare-c';

/** How an op's scratch buffer is sized: CMSIS-NN-style im2col, or none (reference kernels). */
export type ScratchModel = 'im2col' | 'none';

export interface RuntimeProfile {
  readonly id: RuntimeId;
  readonly name: string;
  readonly description: string;
  /** Code of the interpreter itself, linked once. */
  readonly baseCodeBytes: number;
  /**
   * Code of each kernel, linked once if any op uses it. Pointwise ops run on the conv kernel;
   * `softmax` is always linked (the classifier); `reshape` when the network has a flatten.
   */
  readonly kernelCodeBytes: Readonly<Record<CodeKernel, number>>;
  /** Bytes of graph description: once per model, per op, and per tensor. */
  readonly modelMetadataBytes: number;
  readonly opMetadataBytes: number;
  readonly tensorMetadataBytes: number;
  /** Bytes of quantisation parameters per channel (conv, depthwise, pointwise) or per tensor (dense, activations). */
  readonly quantBytesPerChannel: number;
  readonly quantBytesPerTensor: number;
  readonly biasBytes: number;
  /** Alignment of each constant buffer in flash. */
  readonly flashAlignment: number;
  /** Alignment of each activation and scratch buffer in the arena. */
  readonly arenaAlignment: number;
  readonly scratch: ScratchModel;
  /** Persistent RAM: per op, per output channel of conv-like ops, per tensor. */
  readonly persistentBytesPerOp: number;
  readonly persistentBytesPerChannel: number;
  readonly persistentBytesPerTensor: number;
  /** The runtime's own RAM (interpreter objects, stack during an inference). */
  readonly runtimeRamBytes: number;
}

/** TFLM kernel code sizes: GUESS, scaled from typical Cortex-M builds; no source lists them per kernel. */
const tflmKernelCode = {
  conv: 6 * KiB,
  depthwise: 5 * KiB,
  maxPool: 1.5 * KiB,
  avgPool: 1.5 * KiB,
  dense: 2 * KiB,
  softmax: 2 * KiB,
  reshape: 0.5 * KiB,
} as const;

/** Shared by every TFLM profile: the flatbuffer format and the interpreter's bookkeeping. */
const tflmCommon = {
  baseCodeBytes: 16 * KiB, // [tflm-docs]
  modelMetadataBytes: 512, // GUESS: Model, SubGraph, OperatorCode tables, version and description
  opMetadataBytes: 48, // GUESS: Operator table with its input/output index vectors and builtin options
  tensorMetadataBytes: 64, // GUESS: Tensor table with shape vector, type, buffer index and a short name
  quantBytesPerChannel: 4 + 8, // [schema] float32 scale + int64 zero point
  quantBytesPerTensor: 4 + 8, // [schema] one scale and one zero point
  biasBytes: 4, // [quant-spec] int32 biases
  flashAlignment: 16, // [schema] force_align: 16
  arenaAlignment: 16, // [tflm-arena]
  persistentBytesPerOp: 64, // GUESS: TfLiteNode + registration pointer + the kernel's OpData struct
  persistentBytesPerChannel: 2 * 4, // [tflm-conv] int32 multiplier + int32 shift
  persistentBytesPerTensor: 12, // [tflm-eval-tensor]
  runtimeRamBytes: 2 * KiB, // GUESS: MicroInterpreter + allocator objects and the stack of one Invoke()
} as const;

export const runtimeProfiles: Readonly<Record<RuntimeId, RuntimeProfile>> = {
  'tflm-cmsis-nn': {
    id: 'tflm-cmsis-nn',
    name: 'TFLite Micro + CMSIS-NN',
    description: 'TensorFlow Lite for Microcontrollers with Arm CMSIS-NN kernels (Cortex-M4/M7 with DSP extension)',
    ...tflmCommon,
    kernelCodeBytes: tflmKernelCode,
    scratch: 'im2col', // [cmsis-nn]
  },
  'tflm-esp-nn': {
    id: 'tflm-esp-nn',
    name: 'TFLite Micro + ESP-NN',
    description: "TensorFlow Lite for Microcontrollers with Espressif's ESP-NN kernels (ESP32)",
    ...tflmCommon,
    kernelCodeBytes: tflmKernelCode,
    // GUESS: ESP-NN's conv and depthwise kernels also take a scratch buffer; we size it like CMSIS-NN's.
    scratch: 'im2col',
  },
  'tflm-reference': {
    id: 'tflm-reference',
    name: 'TFLite Micro (reference kernels)',
    description: 'TensorFlow Lite for Microcontrollers with its portable reference kernels (Cortex-M0/M0+)',
    ...tflmCommon,
    kernelCodeBytes: tflmKernelCode,
    scratch: 'none', // TFLM's reference conv/depthwise kernels read the input in place
  },
  'bare-c': {
    id: 'bare-c',
    name: 'Generated C (no interpreter)',
    description:
      'Plain C generated for the network, weights in program memory, no interpreter: TFLM needs a 32-bit core, so this is what fits an 8-bit AVR',
    baseCodeBytes: 1 * KiB, // GUESS: requantisation helpers and the layer loop
    kernelCodeBytes: {
      conv: 600, // GUESS for every kernel: small nested loops compiled by avr-gcc -Os
      depthwise: 500,
      maxPool: 200,
      avgPool: 250,
      dense: 300,
      softmax: 100, // argmax only: the class is what an MCU application needs
      reshape: 0,
    },
    modelMetadataBytes: 0,
    opMetadataBytes: 16, // GUESS: a static struct of shapes and offsets per op
    tensorMetadataBytes: 0,
    quantBytesPerChannel: 4 + 1, // GUESS: int32 fixed-point multiplier + int8 shift, precomputed in flash
    quantBytesPerTensor: 4 + 1,
    biasBytes: 4, // [quant-spec] int32 biases
    flashAlignment: 1, // 8-bit core: no alignment needed
    arenaAlignment: 1,
    scratch: 'none',
    persistentBytesPerOp: 0,
    persistentBytesPerChannel: 0, // multipliers live in flash
    persistentBytesPerTensor: 0,
    runtimeRamBytes: 64, // GUESS: loop counters and accumulators on the stack
  },
};

/**
 * Scratch bytes an op needs while it runs, under the profile's scratch model ([cmsis-nn] formulas).
 * `cin` is the op's input channels and `k` its window.
 */
export function scratchBytes(model: ScratchModel, kernel: KernelKind, cin: number, k: number, stride: number): number {
  if (model === 'none') return 0;
  switch (kernel) {
    case 'conv':
      // A 1×1, stride-1 conv runs on arm_convolve_1x1_s8_fast and needs no buffer.
      return k === 1 && stride === 1 ? 0 : 2 * cin * k * k * 2;
    case 'depthwise':
      return cin * k * k * 2;
    case 'avgPool':
      return cin * 4;
    case 'pointwise':
    case 'maxPool':
    case 'dense':
      return 0;
  }
}
