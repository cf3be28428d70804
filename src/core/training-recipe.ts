/**
 * How every trial trains, chosen by measurement, and the one place its defaults live: the page, the
 * CLI, a study's file, the engine and the trainer's own fallbacks all read them from here (core, so
 * that src/tf can too). The sweep of `npm run bench -- --only recipe` (bench/bench-recipe.ts; its
 * figures are in the README, "Training recipe") trained Uno-sized networks of the default search
 * space on digits and MNIST for as long as a short trial, under the previous defaults and one knob at
 * a time. What it showed, as medians over networks and seeds:
 * - Adam at 1e-2 beat 3e-3 (the previous default) by 3.6 points on digits and 6.7 on MNIST, and 1e-3
 *   (Adam's own default, Kingma & Ba 2015) by 17.5 and 20.4; 2e-2 raised the medians further only through
 *   the weak networks, and cost a larger LeNet 0.2–0.3.
 * - Half an epoch of linear warm-up before the cosine decay helped at 1e-2 (+0.7 and +0.8).
 * - Batches of 32 beat 64 and 128 in a short trial (more steps); 16 was better still but twice as
 *   slow per image on small networks, so 32 it is.
 * - Standardising the input, label smoothing 0.1 and random shifts did not help in general: shifts of
 *   1 px cost digits (8×8) 13 points, the others were mixed or neutral. They stay off.
 * Each trial records the values it trained with.
 */

export const trainingRecipe = {
  /** Adam's base learning rate (β 0.9 / 0.999). */
  learningRate: 1e-2,
  batchSize: 32,
  /** Linear warm-up from 0 to the base rate, then cosine decay to 0 (Goyal et al. 2017; Loshchilov & Hutter 2017). */
  warmupEpochs: 0.5,
  /**
   * Training steps a trial aims at: its epochs are this many steps rounded to whole epochs. The
   * sweep's trials of 8 epochs on digits (272 steps) and 2 on MNIST (438) stopped short of what the
   * good networks reach; about 500 steps is 15 epochs of digits and 2 of MNIST at batch 32.
   */
  stepsPerTrial: 500,
} as const;

/** Epochs per trial on a training set of `trainCount` images: about `stepsPerTrial` steps, from 2 to 30 epochs. */
export function epochsPerTrial(trainCount: number, batchSize: number = trainingRecipe.batchSize): number {
  const stepsPerEpoch = Math.max(1, Math.ceil(trainCount / batchSize));
  return Math.min(30, Math.max(2, Math.round(trainingRecipe.stepsPerTrial / stepsPerEpoch)));
}

/**
 * Epochs of fine-tuning after pruning (or of Sparse Variational Dropout / Bayesian Compression
 * training) in a trial of `epochs`: half as many, at least 1. Every pruning method's schedule is
 * counted in these epochs (magnitude pruning's ramp, the KL warm-up), so a trial's pruning strength
 * means the same whatever its length.
 */
export function fineTuneEpochsFor(epochs: number): number {
  return Math.max(1, Math.ceil(epochs / 2));
}
