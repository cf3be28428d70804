/**
 * Random search: every proposal is a fresh candidate drawn uniformly from the search and pruning
 * spaces (the sampler's distribution), redrawn until it fits the targets. The baseline the other
 * strategies must beat.
 */
import { sampleCandidate } from './candidate.ts';
import { type SearchProblem, type SearchStrategy, drawFeasible } from './strategy.ts';

export function randomStrategy(problem: SearchProblem): SearchStrategy {
  return {
    name: 'random',
    propose: (_history, rng) => drawFeasible(problem, () => sampleCandidate(problem.space, problem.pruning, rng)),
  };
}
