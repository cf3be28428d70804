/**
 * Resizing image sets, so user data can match the small inputs microcontroller networks take (for
 * example CIFAR-10's 32×32 down to 16×16). Two methods, both separable (rows, then columns):
 *
 * - `area`: each output pixel is the mean of the input area it covers, partly covered pixels counted
 *   by the covered fraction (OpenCV's INTER_AREA, tf.image.resize's "area"). Best for shrinking: no
 *   aliasing. Halving averages exact 2×2 blocks.
 * - `bilinear`: the output pixel centre is mapped back with half-pixel centres,
 *   x_in = (x_out + 0.5) · in / out − 0.5, clamped to the image, and the two nearest input pixels are
 *   blended (tf.image.resize "bilinear" with antialias off, PyTorch's align_corners=False).
 *   Best for enlarging.
 *
 * Results are rounded to the nearest byte, halves up.
 */
import { imageBytes, type ImageSet } from './dataset.ts';

export type ResizeMethod = 'area' | 'bilinear';

export interface ResizeOptions {
  readonly height: number;
  readonly width: number;
  /** 'area' by default: the right choice for shrinking, which is the usual case here. */
  readonly method?: ResizeMethod;
}

/** Output index → the input indices it reads and their weights (summing to 1). */
type Taps = readonly { readonly index: readonly number[]; readonly weight: readonly number[] }[];

/** Every image of `set` resized to height × width; the set itself is left as it is. */
export function resizeImageSet(set: ImageSet, options: ResizeOptions): ImageSet {
  const { height, width } = options;
  for (const [name, side] of [['height', height], ['width', width]] as const) {
    if (!Number.isInteger(side) || side < 1 || side > 4096) throw new Error(`resize: the ${name} must be a whole number from 1 to 4,096, got ${side}`);
  }
  if (height === set.height && width === set.width) return { ...set, images: set.images.slice(), labels: set.labels.slice() };
  const method = options.method ?? 'area';
  const taps = method === 'area' ? areaTaps : bilinearTaps;
  const rows = taps(set.height, height);
  const cols = taps(set.width, width);
  const { channels, count } = set;
  const inBytes = imageBytes(set);
  const outBytes = height * width * channels;
  const images = new Uint8Array(count * outBytes);
  // Columns first into a float buffer of input rows × output columns, then rows: no rounding in between.
  const partial = new Float64Array(set.height * width * channels);
  for (let n = 0; n < count; n++) {
    const image = set.images.subarray(n * inBytes, (n + 1) * inBytes);
    for (let y = 0; y < set.height; y++) {
      for (let x = 0; x < width; x++) {
        const tap = cols[x]!;
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let t = 0; t < tap.index.length; t++) sum += tap.weight[t]! * image[(y * set.width + tap.index[t]!) * channels + c]!;
          partial[(y * width + x) * channels + c] = sum;
        }
      }
    }
    const out = n * outBytes;
    for (let y = 0; y < height; y++) {
      const tap = rows[y]!;
      for (let x = 0; x < width; x++) {
        for (let c = 0; c < channels; c++) {
          let sum = 0;
          for (let t = 0; t < tap.index.length; t++) sum += tap.weight[t]! * partial[(tap.index[t]! * width + x) * channels + c]!;
          images[out + (y * width + x) * channels + c] = toByte(sum);
        }
      }
    }
  }
  return { height, width, channels, count, images, labels: set.labels.slice() };
}

/**
 * Round to the nearest byte, halves up. The 1e-9 absorbs the float error of weights like 1/3, so a
 * mean that is exactly k + ½ in real numbers rounds up as it should.
 */
const toByte = (value: number): number => Math.min(255, Math.max(0, Math.floor(value + 0.5 + 1e-9)));

/** Output pixel i covers input [i·s, (i+1)·s) with s = in / out; each input pixel weighs the length it overlaps. */
function areaTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => {
    const start = i * scale;
    const end = (i + 1) * scale;
    const index: number[] = [];
    const weight: number[] = [];
    for (let k = Math.floor(start); k < Math.min(Math.ceil(end), inSize); k++) {
      const overlap = Math.min(end, k + 1) - Math.max(start, k);
      if (overlap > 0) {
        index.push(k);
        weight.push(overlap / scale);
      }
    }
    return { index, weight };
  });
}

/** Half-pixel centres, clamped at the borders; the two neighbours weigh 1 − f and f. */
function bilinearTaps(inSize: number, outSize: number): Taps {
  const scale = inSize / outSize;
  return Array.from({ length: outSize }, (_, i) => {
    const source = Math.min(Math.max((i + 0.5) * scale - 0.5, 0), inSize - 1);
    const low = Math.floor(source);
    const high = Math.min(low + 1, inSize - 1);
    const fraction = source - low;
    return fraction === 0 || high === low ? { index: [low], weight: [1] } : { index: [low, high], weight: [1 - fraction, fraction] };
  });
}
