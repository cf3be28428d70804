/** A trial's weights as tfjs layers-model files: they load with tf.loadLayersModel and predict as the network does. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { modelFiles } from '../../src/tf/model-files.ts';
import { Network } from '../../src/tf/network.ts';
import { noLeaks } from './leaks.ts';

const architecture = parseArchitecture({
  input: { height: 8, width: 8, channels: 1 },
  classes: 10,
  layers: [
    { type: 'separableConv', filters: 6, kernel: 3, stride: 1, padding: 'same' },
    { type: 'maxPool', size: 2 },
    { type: 'downsampledConv', bottleneck: 2, filters: 4, kernel: 3, stride: 1, padding: 'valid' },
    { type: 'flatten' },
    { type: 'dense', units: 8 },
  ],
});

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('modelFiles', () => {
  it('writes model.json and one weights file that load as a softmax classifier equal to the pruned network', () =>
    noLeaks(async () => {
      const network = Network.create(architecture, { seed: 2 });
      network.setMask(0, new Float32Array(network.ops[0]!.kernel.size).map((_, i) => (i % 2 === 0 ? 0 : 1)));
      const weights = await network.getWeights();
      const files = await modelFiles(architecture, weights, 'trial-3.weights.bin');

      const json = JSON.parse(files.modelJson) as tf.io.ModelJSON;
      expect(json.format).toBe('layers-model');
      expect(json.weightsManifest).toHaveLength(1);
      expect(json.weightsManifest[0]!.paths).toEqual(['trial-3.weights.bin']);
      // 4 bytes per float32 value: every kernel and bias of the 5 weighted ops.
      const values = weights.reduce((n, op) => n + op.kernel.length + op.bias.length, 0);
      expect(files.weights.byteLength).toBe(4 * values);

      const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0]!.weights, weightData: files.weights }));
      const x = tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
      const logits = network.apply(x);
      const expected = tf.softmax(logits);
      const loaded = model.predict(x) as tf.Tensor;
      const difference = tf.tidy(() => expected.sub(loaded).abs().max().dataSync()[0]!);
      expect(difference).toBeLessThan(1e-5);
      tf.dispose([x, logits, expected, loaded]);
      model.dispose();
      network.dispose();
    }));
});
