/**
 * What `npm run search` prints when a study's run ends, for a study file and for a shared study in
 * PostgreSQL alike: how it ended and why, the counts, the trial a user would take, the Pareto front.
 */
import type { Study, StudyTrial } from '../contracts/study.ts';
import { paretoFrontIds } from '../engine/study-runner.ts';
import { CliError } from './common.ts';
import { targetName } from './study-file.ts';

export interface SummaryWords {
  /** After "the search failed: REASON; ": where its trials are and how to go on. */
  readonly failedHint: string;
  /** After the counts: where the study and its weights are. */
  readonly where: string;
  /** The command that continues a stopped study. */
  readonly resume: string;
}

/** The summary of a run that took `elapsedMs`; throws a CliError when the study failed. */
export function searchSummary(final: Study, all: readonly StudyTrial[], elapsedMs: number, words: SummaryWords): string {
  const { config } = final;
  // Why the study loop ended: its budget spent, stopped, or every trial failed.
  const reason = final.statusReason;
  if (final.status === 'failed') throw new CliError(`the search failed${reason ? `: ${reason}` : ''}; ${words.failedHint}`);
  const front = paretoFrontIds(all, config);
  const count = (status: string): number => all.filter((t) => t.status === status).length;
  const describe = (t: StudyTrial): string =>
    `${t.id}: test accuracy ${(100 * t.metrics!.testAccuracy).toFixed(1)} % (int8 ${(100 * t.metrics!.int8TestAccuracy).toFixed(1)} %), model size ${t.resources!.modelSizeBytes} B, working memory ${t.resources!.workingMemoryBytes} B, ${t.hyperparameters.pruning.method} pruning`;
  const members = all.filter((t) => front.includes(t.id));
  // The front member a user would take: the best validation accuracy (the test set only reports).
  const pick = members.reduce<StudyTrial | undefined>((best, t) => (best === undefined || t.metrics!.valAccuracy > best.metrics!.valAccuracy ? t : best), undefined);
  const minutesTaken = elapsedMs / 60_000;
  const running = count('running');
  return [
    `${final.status} after ${minutesTaken.toFixed(1)} min${reason ? ` (${reason})` : ''}: ${count('completed')} completed, ${count('stopped')} stopped early, ${count('failed')} failed, ${count('skipped')} skipped${running > 0 ? `, ${running} still running in other processes` : ''}; ${words.where}`,
    ...(final.status === 'stopped' ? [`to continue it: ${words.resume}`] : []),
    pick ? `most accurate feasible trial (by validation accuracy): ${describe(pick)}` : `no feasible trial: no trained network fits every target (${config.targets.map(targetName).join(', ')})`,
    `Pareto front (${config.accounting} accounting), ${front.length} trial${front.length === 1 ? '' : 's'}:`,
    ...members.map((t) => `  ${describe(t)}`),
    '',
  ].join('\n');
}
