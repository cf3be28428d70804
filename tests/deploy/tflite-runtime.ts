/**
 * Browser tests only: runs a .tflite model on the real TensorFlow Lite interpreter, compiled to WASM
 * by @tensorflow/tfjs-tflite. Its runtime files come from node_modules, served by Vite at
 * /tflite-wasm/ (the tfliteWasmFiles plugin of vitest.config.ts), never from a CDN.
 *
 * tfjs-tflite picks the runtime itself: tflite_web_api_cc_simd.js (+ .wasm) where WASM SIMD works,
 * the plain build otherwise, and the _threaded builds only on a cross-origin isolated page (the
 * browser test project is not one). We ask for 1 thread either way.
 *
 * The model runner is driven directly: the int8 input is written into the interpreter's own input
 * buffer and the int8 output read from its output buffer, so no tfjs tensor is made and no value
 * goes through float.
 */
import { loadTFLiteModel, setWasmPath, type TFLiteWebModelRunner, type TFLiteWebModelRunnerTensorInfo } from '@tensorflow/tfjs-tflite';

/** Where vitest.config.ts serves node_modules/@tensorflow/tfjs-tflite/wasm/. */
const WASM_URL = '/tflite-wasm/';

export interface TfliteRun {
  /** The int8 outputs of all images, image after image. */
  outputs: Int8Array;
  /** As the interpreter reports them, e.g. [1, 10]. */
  outputShape: number[];
  inputShape: number[];
  /** TFLite's names: 'int8', 'uint8', 'float32', ... */
  inputType: string;
  outputType: string;
}

const shapeOf = (shape: string): number[] => (shape === '' ? [] : shape.split(',').map(Number));
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Runs `count` images through `model` (a .tflite flatbuffer, loaded from memory) one at a time:
 * image i is `inputs.subarray(i * n, (i + 1) * n)`, n the input tensor's size (NHWC, batch 1).
 * The model must have one int8 input and one int8 output.
 */
export async function runTflite(model: Uint8Array, inputs: Int8Array, count: number): Promise<TfliteRun> {
  setWasmPath(WASM_URL);
  // tfjs-tflite copies the model into WASM memory; hand it a buffer of exactly the model's bytes.
  const bytes = model.slice().buffer;
  const loaded = await loadTFLiteModel(bytes, { numThreads: 1 });
  // TFLiteModel keeps the runner private; its int8 buffers are what we want (predict() goes through
  // tfjs tensors and int32), so we take the runner itself.
  const runner: TFLiteWebModelRunner = loaded['modelRunner'];
  // Each getInputs()/getOutputs() makes new C++ objects (Emscripten embind handles) that JS must
  // delete; tfjs-tflite's own predict() never does. Take them once, delete them when done.
  const infos: TFLiteWebModelRunnerTensorInfo[] = [];
  try {
    const modelInputs = runner.getInputs();
    const modelOutputs = runner.getOutputs();
    infos.push(...modelInputs, ...modelOutputs);
    if (modelInputs.length !== 1 || modelOutputs.length !== 1) {
      throw new Error(`runTflite takes a model of 1 input and 1 output, got ${modelInputs.length} and ${modelOutputs.length}`);
    }
    const input = modelInputs[0]!;
    const output = modelOutputs[0]!;
    const inputShape = shapeOf(input.shape);
    const outputShape = shapeOf(output.shape);
    const run: Omit<TfliteRun, 'outputs'> = { inputShape, outputShape, inputType: input.dataType, outputType: output.dataType };
    if (input.dataType !== 'int8' || output.dataType !== 'int8') {
      throw new Error(`runTflite takes int8 in and out, the model has ${input.dataType} in and ${output.dataType} out`);
    }
    const inSize = sizeOf(inputShape);
    const outSize = sizeOf(outputShape);
    if (inputs.length < count * inSize) {
      throw new Error(`${count} images of ${inSize} values need ${count * inSize} inputs, got ${inputs.length}`);
    }
    const outputs = new Int8Array(count * outSize);
    for (let i = 0; i < count; i++) {
      // data() is a view into WASM memory, which may grow (and detach old views): take it afresh
      // each time and copy out before the next call into the interpreter.
      (input.data() as Int8Array).set(inputs.subarray(i * inSize, (i + 1) * inSize));
      if (!runner.infer()) throw new Error(`TFLite inference failed on image ${i}`);
      outputs.set(output.data() as Int8Array, i * outSize);
    }
    return { ...run, outputs };
  } finally {
    for (const info of infos) (info as TFLiteWebModelRunnerTensorInfo & { delete?: () => void }).delete?.();
    // Frees the model's copy in WASM memory and the interpreter. Once only: a second call frees twice.
    runner.cleanUp();
  }
}

/** Per row of `classes` values, the index of its first maximum. */
export function argmaxFirst(outputs: Int8Array, classes: number): number[] {
  const rows = Math.floor(outputs.length / classes);
  const result: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (outputs[r * classes + c]! > outputs[r * classes + best]!) best = c;
    result.push(best);
  }
  return result;
}
