import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import exampleArchitecture from '../../examples/lenet-mnist.json';
import { type Architecture, parseArchitecture } from '../../src/core/architecture.ts';
import { expandOps } from '../../src/core/ops.ts';
import { estimate } from '../../src/core/resources.ts';
import { toLayersModel } from '../../src/tf/layers-model.ts';
import { Network } from '../../src/tf/network.ts';
import { measurementOf } from '../../src/tf/weights.ts';
import { noLeaks } from './leaks.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const input = { height: 12, width: 10, channels: 3 };

/** One architecture per layer type (and both paddings, and a stride). */
const perLayerType: Record<string, Architecture> = {
  conv: { input, classes: 5, layers: [{ type: 'conv', filters: 6, kernel: 3, stride: 2, padding: 'same' }, { type: 'flatten' }] },
  convValid: { input, classes: 5, layers: [{ type: 'conv', filters: 4, kernel: 5, stride: 1, padding: 'valid' }, { type: 'flatten' }] },
  separableConv: { input, classes: 3, layers: [{ type: 'separableConv', filters: 7, kernel: 3, stride: 1, padding: 'same' }, { type: 'globalAvgPool' }] },
  downsampledConv: {
    input,
    classes: 4,
    layers: [{ type: 'downsampledConv', filters: 9, bottleneck: 2, kernel: 3, stride: 2, padding: 'valid' }, { type: 'globalAvgPool' }],
  },
  maxPool: { input, classes: 2, layers: [{ type: 'maxPool', size: 2 }, { type: 'flatten' }] },
  avgPool: { input, classes: 2, layers: [{ type: 'avgPool', size: 3 }, { type: 'flatten' }] },
  dense: { input, classes: 10, layers: [{ type: 'flatten' }, { type: 'dense', units: 12 }, { type: 'dense', units: 6 }] },
  example: parseArchitecture(exampleArchitecture),
};

describe('Network', () => {
  for (const [name, architecture] of Object.entries(perLayerType)) {
    it(`has exactly the resource model's params per op (${name})`, () =>
      noLeaks(() => {
        const network = Network.create(architecture, { seed: 1 });
        const weighted = expandOps(architecture).filter((op) => op.weights > 0);
        expect(network.ops.map((op) => op.op)).toEqual(weighted);
        expect(network.ops.map((op) => op.kind)).toEqual(weighted.map((op) => op.kind));
        expect(network.paramCounts()).toEqual(weighted.map((op) => op.weights + op.biases));
        expect(network.ops.map((op) => op.kernel.size)).toEqual(weighted.map((op) => op.weights));
        expect(network.ops.map((op) => op.bias.size)).toEqual(weighted.map((op) => op.biases));
        const total = network.paramCounts().reduce((a, b) => a + b, 0);
        expect(total).toBe(estimate(architecture, []).params);
        network.dispose();
      }));

    it(`gives logits of shape [batch, classes] (${name})`, () =>
      noLeaks(() => {
        const network = Network.create(architecture, { seed: 2 });
        const x = tf.randomUniform([3, architecture.input.height, architecture.input.width, architecture.input.channels], 0, 1, 'float32', 7) as tf.Tensor4D;
        const logits = network.apply(x);
        expect(logits.shape).toEqual([3, architecture.classes]);
        expect(Array.from(logits.dataSync()).every(Number.isFinite)).toBe(true);
        tf.dispose([x, logits]);
        network.dispose();
      }));

    it(`equals its tf.LayersModel, with masks applied (${name})`, () =>
      noLeaks(() => {
        const network = Network.create(architecture, { seed: 3 });
        // Non-zero biases, so that a bias in the wrong place would show.
        for (const op of network.ops) tf.tidy(() => op.bias.assign(tf.randomNormal(op.bias.shape, 0, 0.1, 'float32', op.index)));
        if (network.ops.length > 1) {
          const mask = tf.tidy(() => tf.randomUniform(network.ops[0]!.kernel.shape, 0, 1, 'float32', 5).greater(0.5));
          network.setMask(0, mask); // the network keeps its own copy
          mask.dispose();
        }
        const model = toLayersModel(network);
        const x = tf.randomUniform([4, architecture.input.height, architecture.input.width, architecture.input.channels], 0, 1, 'float32', 9) as tf.Tensor4D;
        const ours = network.apply(x);
        const theirs = model.predict(x) as tf.Tensor;
        expect(theirs.shape).toEqual(ours.shape);
        const difference = tf.tidy(() => ours.sub(theirs).abs().max().dataSync()[0]!);
        expect(difference).toBeLessThan(1e-4);
        tf.dispose([x, ours, theirs]);
        model.dispose();
        network.dispose();
      }));
  }

  it('is the same for the same seed and differs for another', () =>
    noLeaks(async () => {
      const [a, b, c] = [1, 1, 2].map((seed) => Network.create(shapes(), { seed }));
      const [wa, wb, wc] = await Promise.all([a!, b!, c!].map((n) => n.getWeights()));
      expect(wa).toEqual(wb);
      expect(wa![0]!.kernel).not.toEqual(wc![0]!.kernel);
      [a, b, c].forEach((n) => n!.dispose());
    }));

  it('reads and writes its weights as plain arrays', () =>
    noLeaks(async () => {
      const architecture = perLayerType.example!;
      const from = Network.create(architecture, { seed: 4 });
      from.setMask(1, new Float32Array(from.ops[1]!.kernel.size).map((_, i) => i % 3 === 0 ? 0 : 1));
      const to = Network.create(architecture, { seed: 5 });
      const weights = await from.getWeights();
      to.setWeights(weights);
      expect(await to.getWeights()).toEqual(weights);
      // The network keeps copies: changing the arrays afterwards changes nothing.
      weights[0]!.kernel.fill(42);
      expect((await to.getWeights())[0]!.kernel[0]).not.toBe(42);
      expect(() => to.setWeights(weights.slice(1))).toThrow(/ops with weights/);
      const x = tf.ones([1, 28, 28, 1]) as tf.Tensor4D;
      const [ya, yb] = [from.apply(x), to.apply(x)];
      expect(Array.from(yb.dataSync())).toEqual(Array.from(ya.dataSync()));
      tf.dispose([x, ya, yb]);
      from.dispose();
      to.dispose();
    }));

  it('counts non-zero weights after masks, in the shape the resource model takes', () =>
    noLeaks(async () => {
      const architecture = perLayerType.example!;
      const network = Network.create(architecture, { seed: 6 });
      const size = network.ops[2]!.kernel.size;
      network.setMask(2, new Float32Array(size).map((_, i) => (i < size / 4 ? 1 : 0)));
      const nonzero = await network.nonzeroWeights();
      expect(nonzero[2]).toBe(size / 4);
      expect(nonzero.filter((_, i) => i !== 2)).toEqual(network.ops.filter((_, i) => i !== 2).map((op) => op.kernel.size));
      const measured = estimate(architecture, [], { measurement: measurementOf(network, nonzero) });
      expect(measured.nonzeroParams).toBe(measured.params - size * 3 / 4);
      network.dispose();
    }));

  it('rejects a mask of the wrong size and images of the wrong shape, in words', () =>
    noLeaks(() => {
      const network = Network.create(shapes());
      expect(() => network.setMask(0, new Float32Array(3))).toThrow(/has 72 weights, the mask has 3/);
      const x = tf.zeros([1, 4, 4, 1]) as tf.Tensor4D;
      expect(() => network.apply(x)).toThrow(/expected images of shape \[batch, 8, 8, 1\]/);
      x.dispose();
      network.dispose();
      expect(() => network.apply(x)).toThrow(/disposed/);
    }));
});

function shapes(): Architecture {
  return {
    input: { height: 8, width: 8, channels: 1 },
    classes: 4,
    layers: [{ type: 'conv', filters: 8, kernel: 3, stride: 1, padding: 'same' }, { type: 'maxPool', size: 2 }, { type: 'flatten' }],
  };
}
