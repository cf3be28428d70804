/**
 * The same network as a tf.LayersModel, with the same weights (masks and the log α threshold
 * applied): to save a trained model in the tfjs format, and to compare our trainer with
 * tf.LayersModel.fit on identical starting weights. A separableConv becomes a depthwise layer then a
 * 1×1 conv, not tf.layers.separableConv2d: that layer has one bias, our depthwise op has its own
 * (DESIGN.md §3 counts k·k·C + C for it).
 */
import * as tf from '@tensorflow/tfjs';
import type { Network } from './network.ts';

export interface LayersModelOptions {
  /** End with softmax (probabilities, as a saved classifier should) instead of logits. Default false. */
  readonly softmax?: boolean;
}

/** A new tf.Sequential equal to `network`; the caller disposes it (model.dispose()). */
export function toLayersModel(network: Network, options: LayersModelOptions = {}): tf.Sequential {
  const { input, classes, layers } = network.architecture;
  const model = tf.sequential({ layers: [tf.layers.inputLayer({ inputShape: [input.height, input.width, input.channels] })] });
  // The tfjs layer of each weighted op, in op order.
  const weighted: tf.layers.Layer[] = [];
  const add = <L extends tf.layers.Layer>(layer: L, hasWeights: boolean): void => {
    model.add(layer);
    if (hasWeights) weighted.push(layer);
  };
  const conv = (filters: number, kernelSize: number, strides: number, padding: 'same' | 'valid', relu: boolean): tf.layers.Layer =>
    tf.layers.conv2d({ filters, kernelSize, strides, padding, activation: relu ? 'relu' : 'linear' });

  for (const layer of layers) {
    switch (layer.type) {
      case 'conv':
        add(conv(layer.filters, layer.kernel, layer.stride, layer.padding, true), true);
        break;
      case 'separableConv':
        add(tf.layers.depthwiseConv2d({ kernelSize: layer.kernel, strides: layer.stride, padding: layer.padding, depthMultiplier: 1 }), true);
        add(conv(layer.filters, 1, 1, 'valid', true), true);
        break;
      case 'downsampledConv':
        add(conv(layer.bottleneck, 1, 1, 'valid', false), true);
        add(conv(layer.filters, layer.kernel, layer.stride, layer.padding, true), true);
        break;
      case 'maxPool':
        add(tf.layers.maxPooling2d({ poolSize: layer.size, strides: layer.size, padding: 'valid' }), false);
        break;
      case 'avgPool':
        add(tf.layers.averagePooling2d({ poolSize: layer.size, strides: layer.size, padding: 'valid' }), false);
        break;
      case 'globalAvgPool':
        add(tf.layers.globalAveragePooling2d({}), false);
        break;
      case 'flatten':
        add(tf.layers.flatten(), false);
        break;
      case 'dense':
        add(tf.layers.dense({ units: layer.units, activation: 'relu' }), true);
        break;
    }
  }
  add(tf.layers.dense({ units: classes, activation: options.softmax ? 'softmax' : 'linear' }), true);

  if (weighted.length !== network.ops.length) {
    model.dispose();
    throw new Error(`toLayersModel: built ${weighted.length} layers with weights for ${network.ops.length} weighted ops`);
  }
  weighted.forEach((layer, i) => {
    // setWeights copies the values into the layer's variables, so ours can be freed at once.
    const values = [network.evalKernel(i), network.evalBias(i)];
    try {
      layer.setWeights(values);
    } finally {
      tf.dispose(values);
    }
  });
  return model;
}
