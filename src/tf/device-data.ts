/**
 * A split uploaded to the device once, so that training and evaluation only ever slice or gather
 * from it there: no per-batch upload, and no per-batch download.
 */
import * as tf from '@tensorflow/tfjs';
import { type ImageSet, imageBytes } from '../data/dataset.ts';
import type { Network } from './network.ts';

export interface DeviceImageSet {
  /** float32 [count, height, width, channels], pixels scaled from 0–255 to 0–1. */
  readonly images: tf.Tensor4D;
  /** int32 [count]. */
  readonly labels: tf.Tensor1D;
  readonly count: number;
}

export function isDeviceImageSet(set: ImageSet | DeviceImageSet): set is DeviceImageSet {
  return set.images instanceof tf.Tensor;
}

/**
 * Checks that a split fits a network: its image shape is the network's input, and every label is
 * one of its classes. `what` names the split in the message (e.g. "the validation set").
 */
export function checkImageSet(set: ImageSet, network: Network, what: string): void {
  const { input, classes } = network.architecture;
  if (set.height !== input.height || set.width !== input.width || set.channels !== input.channels) {
    throw new Error(
      `${what} has ${set.height}×${set.width}×${set.channels} images, but the network takes ${input.height}×${input.width}×${input.channels}; resize the data or change the architecture's input`,
    );
  }
  if (set.images.length !== set.count * imageBytes(set) || set.labels.length !== set.count) {
    throw new Error(`${what} is inconsistent: ${set.count} images need ${set.count * imageBytes(set)} pixel bytes and ${set.count} labels, it has ${set.images.length} and ${set.labels.length}`);
  }
  let highest = 0;
  for (const label of set.labels) if (label > highest) highest = label;
  if (set.count > 0 && highest >= classes) {
    throw new Error(`${what} has label ${highest}, but the network has ${classes} classes (0 to ${classes - 1}); set "classes" to at least ${highest + 1}`);
  }
}

/** Uploads a split; uint8 pixels become float32 / 255 on the device. Dispose with disposeDeviceImageSet. */
export function uploadImageSet(set: ImageSet): DeviceImageSet {
  const images = tf.tidy(() =>
    // tfjs has no uint8 dtype: the pixels travel as int32 and become float32 on the device.
    tf.tensor4d(set.images, [set.count, set.height, set.width, set.channels], 'int32').cast('float32').div(255),
  ) as tf.Tensor4D;
  const labels = tf.tensor1d(set.labels, 'int32');
  return { images, labels, count: set.count };
}

export function disposeDeviceImageSet(set: DeviceImageSet): void {
  set.images.dispose();
  set.labels.dispose();
}

/**
 * Runs `use` on the split on the device: as it is when already uploaded, otherwise uploaded for the
 * call (after checking it fits the network) and disposed afterwards.
 */
export async function withDeviceSet<T>(
  set: ImageSet | DeviceImageSet,
  network: Network,
  what: string,
  use: (device: DeviceImageSet) => Promise<T>,
): Promise<T> {
  if (isDeviceImageSet(set)) return use(set);
  checkImageSet(set, network, what);
  const device = uploadImageSet(set);
  try {
    return await use(device);
  } finally {
    disposeDeviceImageSet(device);
  }
}
