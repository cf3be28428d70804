/**
 * The search strategies of DESIGN.md §5 and what they share. `createStrategy` builds one by name.
 */
import { type EvolutionOptions, evolutionStrategy } from './evolution.ts';
import { type MoboOptions, moboStrategy } from './mobo.ts';
import { randomStrategy } from './random.ts';
import { type SearchProblem, type SearchStrategy, type StrategyName, strategyNames } from './strategy.ts';

export interface StrategyOptions {
  readonly mobo?: MoboOptions;
  readonly evolution?: EvolutionOptions;
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
export { type MoboOptions, defaultMoboOptions, moboStrategy } from './mobo.ts';
export { type EvolutionOptions, defaultEvolutionOptions, evolutionFitness, evolutionStrategy } from './evolution.ts';
