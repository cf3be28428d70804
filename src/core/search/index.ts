/**
 * The search strategies of DESIGN.md §5 and what they share. `createStrategy` builds one by name.
 */
import { type EvolutionOptions, defaultEvolutionOptions, evolutionStrategy } from './evolution.ts';
import { type MoboOptions, defaultMoboOptions, moboStrategy } from './mobo.ts';
import { randomStrategy } from './random.ts';
import { type SearchProblem, type SearchStrategy, type StrategyName, strategyNames } from './strategy.ts';

export interface StrategyOptions {
  readonly mobo?: MoboOptions;
  readonly evolution?: EvolutionOptions;
}

/**
 * Options scaled to a study's trial budget. The defaults suit 40–60 trials; a budget of a dozen
 * would leave mobo 4 guided proposals after its 8 random ones, and evolution none at all (its
 * population of 16 would never fill). So a third of a small budget starts them at random, and the
 * rest is guided: mobo needs at least 3 points for its surrogates, evolution a population of 4.
 */
export function strategyOptionsFor(trialBudget: number | undefined): StrategyOptions {
  if (trialBudget === undefined) return {};
  const start = Math.ceil(trialBudget / 3);
  return {
    mobo: { initialRandom: Math.min(defaultMoboOptions.initialRandom, Math.max(3, start)) },
    evolution: {
      populationSize: Math.min(defaultEvolutionOptions.populationSize, Math.max(4, start)),
      sampleSize: Math.min(defaultEvolutionOptions.sampleSize, Math.max(2, Math.ceil(start / 2))),
    },
  };
}

/** The strategy called `name` for `problem`; throws on an unknown name (e.g. from a study file). */
export function createStrategy(name: StrategyName, problem: SearchProblem, options: StrategyOptions = {}): SearchStrategy {
  switch (name) {
    case 'random':
      return randomStrategy(problem);
    case 'mobo':
      return moboStrategy(problem, options.mobo);
    case 'evolution':
      return evolutionStrategy(problem, options.evolution);
    default:
      throw new Error(`unknown search strategy "${String(name)}"; expected one of ${strategyNames.join(', ')}`);
  }
}

export * from './candidate.ts';
export * from './pruning-space.ts';
export * from './objectives.ts';
export * from './pareto.ts';
export * from './hypervolume.ts';
export * from './scalarization.ts';
export * from './strategy.ts';
export { randomStrategy } from './random.ts';
export { type MoboOptions, defaultMoboOptions, moboLie, moboStrategy } from './mobo.ts';
export { assertBatchSize } from './batch.ts';
export { type EvolutionOptions, defaultEvolutionOptions, evolutionFitness, evolutionStrategy } from './evolution.ts';
export { type EpochCurve, type EpochStopRule, defaultEpochStopRule, judgeEpoch } from './early-stopping.ts';
