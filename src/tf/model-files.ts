/**
 * A trained trial as files in tfjs's layers format ("Trained models download in tfjs format",
 * issue 5): `model.json` (topology and weights manifest) and one binary weights file, loadable with
 * tf.loadLayersModel. Masks and the log α threshold are applied, and the model ends with softmax.
 */
import * as tf from '@tensorflow/tfjs';
import type { Architecture } from '../core/architecture.ts';
import { toLayersModel } from './layers-model.ts';
import { Network } from './network.ts';
import type { OpWeights } from './weights.ts';

/** `model.json` names `weightsFileName` in its weights manifest (the worker API's ModelFiles). */
export interface ModelFiles {
  readonly modelJson: string;
  readonly weightsFileName: string;
  readonly weights: ArrayBuffer;
}

/** `weightsFileName` is what model.json's manifest names, e.g. `trial-3.weights.bin`. */
export async function modelFiles(architecture: Architecture, weights: readonly OpWeights[], weightsFileName: string): Promise<ModelFiles> {
  const network = Network.create(architecture);
  let model: tf.Sequential | undefined;
  try {
    network.setWeights(weights);
    model = toLayersModel(network, { softmax: true });
    let files: ModelFiles | undefined;
    await model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        const weightData = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
        const modelJson: tf.io.ModelJSON = {
          modelTopology: artifacts.modelTopology!,
          format: 'layers-model',
          generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
          convertedBy: null,
          weightsManifest: [{ paths: [weightsFileName], weights: artifacts.weightSpecs ?? [] }],
        };
        files = { modelJson: JSON.stringify(modelJson), weightsFileName, weights: weightData };
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
      }),
    );
    return files!;
  } finally {
    model?.dispose();
    network.dispose();
  }
}
