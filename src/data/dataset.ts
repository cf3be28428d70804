/**
 * The in-memory dataset every loader and parser produces, and every trainer consumes: uint8 pixels
 * in NHWC order plus uint8 labels, split into fixed train, validation and test sets.
 */

/** One split: `count` images of height × width × channels uint8 pixels (0–255), NHWC, and their labels. */
export interface ImageSet {
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly count: number;
  /** count × height × width × channels bytes. */
  readonly images: Uint8Array;
  /** count bytes, each from 0 to classes.length − 1. */
  readonly labels: Uint8Array;
}

export interface Dataset {
  /** `digits`, `mnist`, `fashion-mnist`, or an id given to imported data. */
  readonly id: string;
  readonly name: string;
  /** Class names, indexed by label. */
  readonly classNames: readonly string[];
  readonly train: ImageSet;
  readonly validation: ImageSet;
  readonly test: ImageSet;
}

/** Bytes of one image of a set. */
export const imageBytes = (set: Pick<ImageSet, 'height' | 'width' | 'channels'>): number => set.height * set.width * set.channels;
