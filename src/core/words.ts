/**
 * The words a person reads for the ids the code keeps (issue 13): strategies, pruning methods and
 * trial numbers. Ids such as `mobo`, `svd` or `bc` stay in the data, the share link and the study
 * files; the page, and anything else that talks to a person, names them with these.
 */
import type { PruningMethod } from './pruning.ts';
import type { StrategyName } from './search/strategy.ts';

/** A search strategy's name, e.g. `mobo` → "Bayesian optimisation (SpArSe)". */
export const strategyWords: Readonly<Record<StrategyName, string>> = {
  mobo: 'Bayesian optimisation (SpArSe)',
  random: 'Random',
  evolution: 'Aging evolution',
};

/** A pruning method's name, e.g. `svd` → "Sparse variational dropout (SpVD)". */
export const pruningWords: Readonly<Record<PruningMethod, string>> = {
  none: 'None (dense)',
  svd: 'Sparse variational dropout (SpVD)',
  bc: 'Bayesian compression',
  magnitude: 'Magnitude',
  channels: 'Channels',
};

/**
 * The number a person reads for a trial: its stored `index` counts from 0 (the order of proposal),
 * people count from 1. Every trial number on the page comes from here.
 */
export const trialNumber = (index: number): number => index + 1;

/** "Trial 7" for the trial stored at index 6. */
export const trialName = (index: number): string => `Trial ${trialNumber(index)}`;
