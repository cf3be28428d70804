/**
 * A trial's weights as a JSON file: what `npm run search` keeps next to its study file for the
 * trials on the Pareto front (`STUDY.weights/TRIAL.json`), so that `npm run export` can turn one into
 * a microcontroller bundle later. Float arrays travel as base64 of their little-endian float32
 * bytes. Read back as untrusted input: every field is checked, and errors name the file and field.
 */
import { FieldError, choiceAt, describeJson, idAt, integerAt, listAt, objectAt, rethrowFieldErrors, textAt } from '../core/untrusted.ts';
import { type StoredOpWeights, type TrialWeights, type WeightedOpKind, whyInconsistentWeights } from './weights.ts';

export const weightsFileFormat = 'sparse-search-playground/trial-weights';
export const weightsFileVersion = 1;
/** Far above any network that fits a microcontroller. */
export const maxWeightsFileBytes = 64 * 1024 * 1024;

export class WeightsFileError extends Error {
  override readonly name = 'WeightsFileError';
  constructor(
    readonly fileName: string,
    reason: string,
  ) {
    super(`${fileName}: ${reason}`);
  }
}

function toBase64(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(4 * i, v, true));
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

function fromBase64(value: unknown, path: string): Float32Array {
  const text = textAt(value, path, { maxLength: maxWeightsFileBytes, allowEmpty: true });
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new FieldError(path, 'is not base64');
  }
  if (binary.length % 4 !== 0) throw new FieldError(path, `holds ${binary.length} bytes, not a whole number of float32 values`);
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const values = new Float32Array(binary.length / 4);
  for (let i = 0; i < values.length; i++) {
    values[i] = view.getFloat32(4 * i, true);
    if (!Number.isFinite(values[i]!)) throw new FieldError(path, `value ${i} is not a finite number`);
  }
  return values;
}

const kinds: readonly WeightedOpKind[] = ['conv', 'depthwise', 'pointwise', 'dense'];

export function serializeWeightsFile(weights: TrialWeights): string {
  return JSON.stringify({
    format: weightsFileFormat,
    formatVersion: weightsFileVersion,
    trialId: weights.trialId,
    studyId: weights.studyId,
    ops: weights.ops.map((op) => ({
      name: op.name,
      kind: op.kind,
      kernelShape: op.kernelShape,
      kernel: toBase64(op.kernel),
      bias: toBase64(op.bias),
      mask: op.mask === null ? null : toBase64(op.mask),
    })),
  });
}

/** Parses and checks a weights file; throws WeightsFileError naming the file and the field. */
export function parseWeightsFile(text: string, fileName: string): TrialWeights {
  if (text.length > maxWeightsFileBytes) throw new WeightsFileError(fileName, `is ${text.length} bytes; the limit is ${maxWeightsFileBytes}`);
  let value: unknown;
  try {
    value = JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text);
  } catch (error) {
    throw new WeightsFileError(fileName, `is not valid JSON (${(error as Error).message})`);
  }
  return rethrowFieldErrors(() => {
    const root = objectAt(value, '', 'a trial weights file', ['format', 'formatVersion', 'trialId', 'studyId', 'ops']);
    if (root.format !== weightsFileFormat) throw new FieldError('format', `must be "${weightsFileFormat}", got ${describeJson(root.format)}`);
    integerAt(root.formatVersion, 'formatVersion', weightsFileVersion, weightsFileVersion);
    const ops = listAt(root.ops, 'ops', 1024).map((entry, i): StoredOpWeights => {
      const path = `ops[${i}]`;
      const op = objectAt(entry, path, 'the weights of one op', ['name', 'kind', 'kernelShape', 'kernel', 'bias', 'mask']);
      const kernelShape = listAt(op.kernelShape, `${path}.kernelShape`, 4).map((d, j) => integerAt(d, `${path}.kernelShape[${j}]`, 1, 1 << 24));
      return {
        name: textAt(op.name, `${path}.name`, { maxLength: 200 }),
        kind: choiceAt(op.kind, `${path}.kind`, kinds),
        kernelShape,
        kernel: fromBase64(op.kernel, `${path}.kernel`),
        bias: fromBase64(op.bias, `${path}.bias`),
        mask: op.mask === null ? null : fromBase64(op.mask, `${path}.mask`),
        logSigma2: null,
      };
    });
    const weights: TrialWeights = { trialId: idAt(root.trialId, 'trialId'), studyId: idAt(root.studyId, 'studyId'), ops };
    const why = whyInconsistentWeights(weights);
    if (why !== undefined) throw new FieldError('ops', why);
    return weights;
  }, (error) => new WeightsFileError(fileName, error.message));
}
