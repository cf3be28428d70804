/**
 * The constants of `deploy` accounting (DESIGN.md §3): what an int8 inference runtime adds on a
 * microcontroller around the weights and activations. Every number says where it comes from. Those
 * marked GUESS could not be read off a source and are our estimate; the README lists them too.
 *
 * For TFLM, the model's flash and the arena are no longer constants: they come from the exported
 * graph (tflite-cost.ts, tflm-arena.ts). What TFLM-FACTS.md measured replaced the guesses that stood
 * here before (per-op and per-tensor graph metadata, 64 B of persistent data per op, the 16 KB core
 * runtime and the kernels' code).
 *
 * Sources:
 * - [tflm-facts] ../shared/TFLM-FACTS.md: TensorFlow Lite Micro (tflite-micro 90b983c2, August 2026),
 *   measured: the persistent tail's fit, the greedy planner, and the code of 10 Cortex-M4 builds.
 * - [schema] TensorFlow Lite flatbuffer schema, tensorflow/lite/schema/schema.fbs:
 *   `Buffer { data:[ubyte] (force_align: 16) }`, `QuantizationParameters { scale:[float]; zero_point:[long] }`.
 * - [quant-spec] TensorFlow Lite 8-bit quantization specification (tensorflow.org/lite/performance/
 *   quantization_spec): int8 weights, per-channel for conv and depthwise, per-tensor for fully
 *   connected; int32 biases.
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

/** Kernels whose code the bare-C runtime links: a pointwise op runs on the conv kernel. */
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
  /** `tflm`: the exported .tflite on TensorFlow Lite Micro; `bare-c`: generated C, estimate only. */
  readonly family: 'tflm' | 'bare-c';
  /** Whether the code size was measured for this runtime (TFLM-FACTS.md) or stands in for it. */
  readonly codeMeasured: boolean;
  /** Scratch buffers the kernels ask the planner for, besides MEAN's. */
  readonly scratch: ScratchModel;
  /** RAM outside the arena: the interpreter object and the stack of one Invoke(). */
  readonly runtimeRamBytes: number;
}

/** GUESS: the MicroInterpreter object and the stack of one Invoke(), outside the arena (not measured). */
const tflmRuntimeRam = 1 * KiB;

/**
 * TFLM code, Cortex-M4, reference kernels ([tflm-facts], "Code"): `text` of 10 builds above an
 * empty program. An interpreter of 10,632 B; code shared by every kernel but reshape, linked once
 * (4,819 B); and each kernel's own part. The shared part and the kernels' parts are the exact
 * solution of the 9 builds with kernels (conv, fully connected, max pool, reshape, softmax alone;
 * the three combinations; all 8 kernels), so the model reproduces all 10 measured sizes.
 */
export const tflmReferenceCode = {
  interpreter: 10_632,
  shared: 4_819,
  kernels: { conv: 5_817, depthwise: 3_601, maxPool: 917, avgPool: 928, dense: 3_961, softmax: 5_089, reshape: 1_440, mean: 3_008 },
} as const;

/** Kernels whose code is linked into flash by a TFLM build: a pointwise op runs on the conv kernel. */
export type TflmKernel = keyof typeof tflmReferenceCode.kernels;

/** Code bytes of TFLM with these kernels linked (the fitted model above, exact on the measured builds). */
export function tflmCodeBytes(kernels: ReadonlySet<TflmKernel>): number {
  let bytes = tflmReferenceCode.interpreter;
  let shared = false;
  for (const kernel of kernels) {
    bytes += tflmReferenceCode.kernels[kernel];
    if (kernel !== 'reshape') shared = true;
  }
  return bytes + (shared ? tflmReferenceCode.shared : 0);
}

/** Kernel code of the bare-C runtime: GUESS for every kernel, small nested loops compiled by avr-gcc -Os. */
const bareCKernelCode = {
  conv: 600,
  depthwise: 500,
  maxPool: 200,
  avgPool: 250,
  dense: 300,
  softmax: 100, // argmax only: the class is what an MCU application needs
  reshape: 0,
} as const;

export const runtimeProfiles: Readonly<Record<RuntimeId, RuntimeProfile>> = {
  'tflm-cmsis-nn': {
    id: 'tflm-cmsis-nn',
    name: 'TFLite Micro + CMSIS-NN',
    description: 'TensorFlow Lite for Microcontrollers with Arm CMSIS-NN kernels (Cortex-M4/M7 with DSP extension)',
    family: 'tflm',
    // GUESS: CMSIS-NN builds were not measured; the reference kernels' code stands in for them.
    codeMeasured: false,
    scratch: 'im2col', // [cmsis-nn]
    runtimeRamBytes: tflmRuntimeRam,
  },
  'tflm-esp-nn': {
    id: 'tflm-esp-nn',
    name: 'TFLite Micro + ESP-NN',
    description: "TensorFlow Lite for Microcontrollers with Espressif's ESP-NN kernels (ESP32)",
    family: 'tflm',
    // GUESS: ESP-NN builds were not measured either, and its scratch is sized like CMSIS-NN's.
    codeMeasured: false,
    scratch: 'im2col',
    runtimeRamBytes: tflmRuntimeRam,
  },
  'tflm-reference': {
    id: 'tflm-reference',
    name: 'TFLite Micro (reference kernels)',
    description: 'TensorFlow Lite for Microcontrollers with its portable reference kernels (Cortex-M0/M0+)',
    family: 'tflm',
    // Measured on Cortex-M4 (TFLM-FACTS.md); Thumb-1 code of a Cortex-M0+ is usually larger.
    codeMeasured: true,
    scratch: 'none', // TFLM's reference conv/depthwise kernels read the input in place
    runtimeRamBytes: tflmRuntimeRam,
  },
  'bare-c': {
    id: 'bare-c',
    name: 'Generated C (no interpreter)',
    description:
      'Plain C generated for the network, weights in program memory, no interpreter: TFLM needs a 32-bit core, so this is what fits an 8-bit AVR. Estimate only: the playground has no export for 8-bit AVR yet.',
    family: 'bare-c',
    codeMeasured: false,
    scratch: 'none',
    runtimeRamBytes: 64, // GUESS: loop counters and accumulators on the stack
  },
};

/** The constants of the bare-C runtime's accounting (all but the bias width are GUESSes). */
export const bareC = {
  baseCodeBytes: 1 * KiB, // GUESS: requantisation helpers and the layer loop
  kernelCodeBytes: bareCKernelCode,
  opMetadataBytes: 16, // GUESS: a static struct of shapes and offsets per op
  quantBytesPerChannel: 4 + 1, // GUESS: int32 fixed-point multiplier + int8 shift, precomputed in flash
  quantBytesPerTensor: 4 + 1,
  biasBytes: 4, // [quant-spec] int32 biases
} as const;

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
