/**
 * The datasets a search can run on, as the setup form lists them. Only what the search space needs
 * (input shape and class count): the data itself is loaded by the worker. state may not import
 * src/data, so the built-in entries are written out here; tests/state/setup.test.ts checks them
 * against static-datasets/manifest.json.
 */

export interface DatasetChoice {
  readonly id: string;
  readonly name: string;
  readonly input: { readonly height: number; readonly width: number; readonly channels: number };
  readonly classes: number;
  /** Images in the training split: how many epochs a trial gets follows from it (training-recipe.ts). */
  readonly trainCount: number;
}

/** DESIGN.md §4's built-in datasets, in the manifest's order. */
export const builtinDatasetChoices: readonly DatasetChoice[] = [
  { id: 'digits', name: 'Digits 8×8', input: { height: 8, width: 8, channels: 1 }, classes: 10, trainCount: 1077 },
  { id: 'mnist', name: 'MNIST', input: { height: 28, width: 28, channels: 1 }, classes: 10, trainCount: 7000 },
  { id: 'fashion-mnist', name: 'Fashion-MNIST', input: { height: 28, width: 28, channels: 1 }, classes: 10, trainCount: 10000 },
];

/** `28×28×1`. */
export const inputShapeText = (input: DatasetChoice['input']): string => `${input.height}×${input.width}×${input.channels}`;
