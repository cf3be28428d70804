/**
 * Random search: every proposal is a fresh candidate drawn uniformly from the search and pruning
 * spaces (the sampler's distribution), redrawn until it fits the targets. The baseline the other
 * strategies must beat. A batch (batch.ts) is that many independent draws, a draw that repeats a
 * pending candidate or one already in the batch being drawn again.
 */
import { proposeSequentially } from './batch.ts';
import { sampleCandidate } from './candidate.ts';
import { type SearchProblem, type SearchStrategy, drawFeasible } from './strategy.ts';

export function randomStrategy(problem: SearchProblem): SearchStrategy {
  return {
    name: 'random',
    propose: (_history, rng) => drawFeasible(problem, () => sampleCandidate(problem.space, problem.pruning, rng)),
    proposeBatch: (_history, pending, size, rng) =>
      proposeSequentially(pending, size, rng, (_avoid, avoidKeys, stream) => drawFeasible(problem, () => sampleCandidate(problem.space, problem.pruning, stream), avoidKeys)),
  };
}
