/**
 * From a picture the user drew or dropped ("try it") to the pixels a network takes: the dataset's
 * size, channels and look. A network trained on MNIST has only seen white digits on black, fitted
 * into 20×20 and centred by their mass in 28×28; a picture framed otherwise is not a fair test of it.
 * So each built-in dataset names how its images were framed (its own documentation says so), and a
 * picture is framed the same way; imported datasets are resized whole.
 */

/** Pixels as a canvas holds them: width × height RGBA bytes, rows top to bottom (ImageData's layout). */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

export interface InputShape {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/** How a dataset's images were framed, so that a picture can be framed the same way. */
export type Framing =
  | {
      /** The object's bounding box is scaled (aspect kept) so that its longer side is `box` pixels, then placed in the input. */
      readonly kind: 'box';
      readonly box: number;
      /** Where it is placed: its centre of mass at the input's centre (MNIST), or its box centred. */
      readonly centre: 'mass' | 'box';
      /** Intensity levels the dataset's pixels take (17 for the 0–16 digits), when not 256. */
      readonly levels?: number;
      /** What is said about it in the page. */
      readonly description: string;
    }
  | { readonly kind: 'whole'; readonly description: string };

/**
 * The framing of a dataset's images. Built-in datasets are white (or light) on black, so a picture
 * with a light background is inverted first (see toModelInput); imported ones are taken as they are.
 */
export function framingOf(datasetId: string, input: InputShape): Framing {
  // LeCun et al.: "size normalized to fit in a 20x20 pixel box while preserving their aspect ratio
  // … centered in a 28x28 image by computing the center of mass of the pixels".
  if (datasetId === 'mnist' && input.height === 28 && input.width === 28) {
    return { kind: 'box', box: 20, centre: 'mass', description: 'white on black, fitted into 20×20 and centred by its mass in 28×28, as MNIST’s digits are' };
  }
  // Fashion-MNIST's README: trimmed, the longest edge resized to 28, the shorter one extended to 28 around the centre.
  if (datasetId === 'fashion-mnist' && input.height === 28 && input.width === 28) {
    return { kind: 'box', box: 28, centre: 'box', description: 'light on black, trimmed and its longest side fitted to 28, as Fashion-MNIST’s products are' };
  }
  // UCI optdigits (sklearn's digits): bitmaps normalised to 32×32, then 4×4 blocks counted (0–16).
  if (datasetId === 'digits' && input.height === 8 && input.width === 8) {
    return { kind: 'box', box: 8, centre: 'box', levels: 17, description: 'white on black, fitted to 8×8 in 17 levels (0–16), as the UCI digits are' };
  }
  return { kind: 'whole', description: `the whole picture resized to ${input.height}×${input.width}` };
}

/** Rec. 601 luma, as most image tools turn colour into grey. */
const luma = (r: number, g: number, b: number): number => 0.299 * r + 0.587 * g + 0.114 * b;

/** One plane of float pixels (0–255). */
interface Plane {
  readonly width: number;
  readonly height: number;
  readonly values: Float64Array;
}

/** Output index → input indices and their weights (the covered share of each input pixel, summing to 1). */
function areaTaps(from: number, size: number, to: number): { index: number[]; weight: number[] }[] {
  const scale = size / to;
  return Array.from({ length: to }, (_, o) => {
    const start = from + o * scale;
    const end = start + scale;
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = Math.floor(start); i < Math.ceil(end - 1e-9); i++) {
      const covered = Math.min(end, i + 1) - Math.max(start, i);
      if (covered > 0) {
        index.push(i);
        weight.push(covered / scale);
      }
    }
    return { index, weight };
  });
}

/** The rectangle (x, y, w, h) of `plane` resized to `to.width` × `to.height` by area averaging. */
function resizeArea(plane: Plane, rect: { x: number; y: number; w: number; h: number }, to: { width: number; height: number }): Plane {
  const cols = areaTaps(rect.x, rect.w, to.width);
  const rows = areaTaps(rect.y, rect.h, to.height);
  const values = new Float64Array(to.width * to.height);
  for (let y = 0; y < to.height; y++) {
    const row = rows[y]!;
    for (let x = 0; x < to.width; x++) {
      const col = cols[x]!;
      let sum = 0;
      for (let r = 0; r < row.index.length; r++) {
        let line = 0;
        for (let c = 0; c < col.index.length; c++) line += col.weight[c]! * plane.values[row.index[r]! * plane.width + col.index[c]!]!;
        sum += row.weight[r]! * line;
      }
      values[y * to.width + x] = sum;
    }
  }
  return { width: to.width, height: to.height, values };
}

/** Mean of the outer ring (a twentieth of the shorter side, at least one pixel): the picture's background. */
function borderMean(plane: Plane): number {
  const ring = Math.max(1, Math.floor(Math.min(plane.width, plane.height) / 20));
  let sum = 0;
  let n = 0;
  for (let y = 0; y < plane.height; y++) {
    for (let x = 0; x < plane.width; x++) {
      if (y >= ring && y < plane.height - ring && x >= ring && x < plane.width - ring) continue;
      sum += plane.values[y * plane.width + x]!;
      n++;
    }
  }
  return sum / n;
}

/**
 * A picture as the network takes it: height × width × channels bytes, NHWC. With a 'box' framing
 * the picture becomes grey, light on dark (inverted when its border is lighter than mid-grey, as a
 * photo of ink on paper is), its background taken to 0 and its brightest pixel to 255, then the
 * object's box is fitted and placed as the framing says; an empty picture gives all zeros. With a
 * 'whole' framing it is resized as it is (grey from luma for one channel, RGB for three).
 */
export function toModelInput(image: RgbaImage, input: InputShape, framing: Framing): Uint8Array {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height * 4) {
    throw new Error(`the picture must be width × height RGBA bytes; got ${data.length} bytes for ${width}×${height}`);
  }
  const out = new Uint8Array(input.height * input.width * input.channels);
  const channel = (c: number): Plane => {
    const values = new Float64Array(width * height);
    for (let i = 0; i < width * height; i++) {
      values[i] = c < 0 ? luma(data[4 * i]!, data[4 * i + 1]!, data[4 * i + 2]!) : data[4 * i + c]!;
    }
    return { width, height, values };
  };
  const whole = { x: 0, y: 0, w: width, h: height };
  if (framing.kind === 'whole') {
    const planes = input.channels === 3 ? [0, 1, 2].map((c) => resizeArea(channel(c), whole, input)) : [resizeArea(channel(-1), whole, input)];
    for (let i = 0; i < input.height * input.width; i++) {
      for (let c = 0; c < input.channels; c++) out[i * input.channels + c] = Math.round(planes[Math.min(c, planes.length - 1)]!.values[i]!);
    }
    return out;
  }

  const grey = channel(-1);
  const values = grey.values;
  if (borderMean(grey) > 127.5) for (let i = 0; i < values.length; i++) values[i] = 255 - values[i]!;
  const background = borderMean(grey);
  let brightest = 0;
  for (const v of values) brightest = Math.max(brightest, v);
  // Nothing stands out from the background (a cleared canvas): nothing to frame.
  if (brightest - background < 16) return out;
  for (let i = 0; i < values.length; i++) values[i] = Math.min(255, Math.max(0, (255 * (values[i]! - background)) / (brightest - background)));

  // The object's box: pixels above a tenth of full scale (faint anti-aliasing and paper grain stay out).
  let [left, top, right, bottom] = [width, height, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (values[y * width + x]! <= 25.5) continue;
      left = Math.min(left, x);
      right = Math.max(right, x);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
    }
  }
  const w = right - left + 1;
  const h = bottom - top + 1;
  const scale = framing.box / Math.max(w, h);
  const fitted = { width: Math.max(1, Math.min(input.width, Math.round(w * scale))), height: Math.max(1, Math.min(input.height, Math.round(h * scale))) };
  const patch = resizeArea(grey, { x: left, y: top, w, h }, fitted);

  let [dx, dy] = [(input.width - fitted.width) / 2, (input.height - fitted.height) / 2];
  if (framing.centre === 'mass') {
    let [mass, mx, my] = [0, 0, 0];
    for (let y = 0; y < fitted.height; y++) {
      for (let x = 0; x < fitted.width; x++) {
        const v = patch.values[y * fitted.width + x]!;
        mass += v;
        mx += v * (x + 0.5);
        my += v * (y + 0.5);
      }
    }
    if (mass > 0) [dx, dy] = [input.width / 2 - mx / mass, input.height / 2 - my / mass];
  }
  // Whole pixels (as MNIST shifted its digits), and never out of the frame.
  const ox = Math.min(input.width - fitted.width, Math.max(0, Math.round(dx)));
  const oy = Math.min(input.height - fitted.height, Math.max(0, Math.round(dy)));
  const step = framing.levels ? 255 / (framing.levels - 1) : 1;
  for (let y = 0; y < fitted.height; y++) {
    for (let x = 0; x < fitted.width; x++) {
      const v = Math.round(Math.round(patch.values[y * fitted.width + x]! / step) * step);
      const at = ((oy + y) * input.width + ox + x) * input.channels;
      for (let c = 0; c < input.channels; c++) out[at + c] = v;
    }
  }
  return out;
}
