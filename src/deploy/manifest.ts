/**
 * `export.json`, the manifest of a microcontroller bundle: what the model expects and returns, how
 * a raw pixel becomes its input, which ops to register, and what the playground predicted for the
 * chosen target, so that a user can check the chip against it.
 */
import type { Architecture } from '../core/architecture.ts';
import type { BuiltinName } from '../core/tflite-graph.ts';

export const exportFormat = 'sparse-search-playground/microcontroller-export';
export const exportFormatVersion = 1;

export interface TensorSpec {
  /** NHWC for the input ([1, H, W, C]); [1, classes] for the output. */
  readonly shape: readonly number[];
  readonly type: 'int8';
  /** real = scale × (q − zeroPoint). */
  readonly scale: number;
  readonly zeroPoint: number;
}

export interface PredictedDeploy {
  /** The model's part of the flash: the exact size of model.tflite. */
  readonly modelFlashBytes: number;
  /** What TFLM's `arena_used_bytes()` should report: non-persistent + persistent. */
  readonly arenaBytes: number;
  readonly persistentBytes: number;
  readonly nonPersistentBytes: number;
  /** The interpreter and the kernels the model uses, for the target's runtime. */
  readonly codeBytes: number;
  /** The arena to configure: arenaBytes plus the margin TFLM-FACTS.md calls for, 16-aligned. */
  readonly arenaSizeToConfigure: number;
}

export interface ExportManifest {
  readonly format: typeof exportFormat;
  readonly formatVersion: typeof exportFormatVersion;
  readonly createdBy: string;
  readonly architecture: Architecture;
  /** Class names in output order, where the dataset has them; otherwise their indices. */
  readonly labels: readonly string[];
  readonly input: TensorSpec;
  readonly output: TensorSpec;
  readonly normalisation: {
    /** How a raw 0–255 pixel becomes the float input the network was trained on. */
    readonly float: string;
    /** How it becomes the int8 input, with this model's numbers. */
    readonly int8: string;
    /** The pixel order the input expects. */
    readonly layout: string;
  };
  /** The model's operators in execution order. */
  readonly ops: readonly BuiltinName[];
  /** The distinct operators, as MicroMutableOpResolver must register them. */
  readonly resolverOps: readonly BuiltinName[];
  readonly tfliteBytes: number;
  readonly target: { readonly id: string; readonly name: string; readonly runtime: string };
  readonly predicted: PredictedDeploy;
  /** Accuracy of the simulated int8 model on the whole test set (0–1). */
  readonly int8TestAccuracy: number;
  readonly testSamples: {
    readonly file: 'test_samples.bin';
    readonly count: number;
    /** H × W × C: one int8 image, NHWC, after another. */
    readonly bytesPerSample: number;
    /** Share of these samples whose label the simulated int8 model predicts. */
    readonly int8Accuracy: number;
  };
  readonly source: {
    readonly dataset: string;
    readonly study?: string;
    readonly trial?: string;
  };
}

/** `expect.json`: labels of the exported test samples and the classes our int8 simulation predicts. */
export interface ExpectFile {
  readonly labels: readonly number[];
  readonly predictions: readonly number[];
}
