/**
 * The study file of `npm run search` and the weights folder beside it: reading a file back to
 * resume it, describing it in a message, putting the trial a crash left running back in the
 * queue, and keeping the weights of the Pareto front (`S.json` → `S.weights/TRIAL.json`).
 */
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Accounting } from '../core/resources.ts';
import type { StrategyName, Study, StudyConfig, StudyDocument, StudyTrial, TargetSpec } from '../contracts/study.ts';
import type { StudyExtension } from '../contracts/search-worker.ts';
import { isBuiltinDatasetId } from '../data/builtin.ts';
import type { BuiltinDatasetId } from '../data/manifest.ts';
import { extendedBudget } from '../engine/extend-study.ts';
import { paretoFrontIds } from '../contracts/study-objectives.ts';
import { StudyDocumentError, maxStudyDocumentBytes, parseStudyDocument } from '../contracts/study-document.ts';
import { serializeWeightsFile } from '../contracts/weights-file.ts';
import type { WeightsSink } from '../engine/memory-store.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { CliError } from './common.ts';

/** The folder beside a study file that keeps the weights of its Pareto-front trials: `S.json` → `S.weights`. */
export const weightsFolderOf = (studyFile: string): string => `${studyFile.replace(/\.json$/i, '')}.weights`;

/** Reads and checks a study file (a byte-order mark is allowed); every problem is one line naming the file. */
export function readStudyFile(path: string): StudyDocument {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > maxStudyDocumentBytes) throw new CliError(`study file "${path}" is ${size} bytes; the limit is ${maxStudyDocumentBytes}`);
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(`cannot read study file "${path}": ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message}`);
  }
  try {
    return parseStudyDocument(text, path);
  } catch (error) {
    if (error instanceof StudyDocumentError) throw new CliError(`study file ${error.message}`);
    throw error;
  }
}

/** Trials that spent budget: the study loop counts those that were trained, even when stopped early or failed. */
export const trainedCount = (trials: readonly Pick<StudyTrial, 'status'>[]): number =>
  trials.filter((t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed').length;

/** A study in words, for messages: `"mobo search on digits for arduino-uno", 3 of 30 trials done`. */
export function describeStudy(doc: StudyDocument, sayFinished = true): string {
  const { budget, name } = doc.study.config;
  const done = trainedCount(doc.trials);
  const minutes = budget.minutes === undefined ? '' : `${budget.minutes} minute${budget.minutes === 1 ? '' : 's'}`;
  const progress =
    budget.trials !== undefined
      ? `${done} of ${budget.trials} trials done${minutes ? ` (or ${minutes})` : ''}`
      : `${done} trial${done === 1 ? '' : 's'} done in a budget of ${minutes}`;
  const ended = doc.study.status === 'completed' ? (sayFinished ? ', finished' : '') : doc.study.status === 'failed' ? ', failed' : '';
  return `"${name}", ${progress}${ended}`;
}

/**
 * The trials of a study file as the study loop takes them back: a trial a crash or a stop left
 * `running` goes back to `queued` with the architecture it was sampled with and nothing it had
 * measured, to be trained again from the start, as the browser's resume does (src/db/studies.ts).
 */
export function resumedTrials(doc: StudyDocument): StudyTrial[] {
  const studyId = doc.study.id;
  return doc.trials.map((trial): StudyTrial => {
    if (trial.status !== 'running') return { ...trial, studyId };
    const { id, index, hyperparameters } = trial;
    return { id, studyId, index, status: 'queued', architecture: trial.sampledArchitecture ?? trial.architecture, hyperparameters };
  });
}

/** Writes each front trial's weights to `S.weights/TRIAL.json` (atomically) and deletes them when it leaves the front. */
export function weightsFolder(studyFile: string, studyId: string): WeightsSink {
  const folder = weightsFolderOf(studyFile);
  return {
    save(trial, ops) {
      mkdirSync(folder, { recursive: true });
      writeFileAtomic(join(folder, `${trial.id}.json`), serializeWeightsFile({ trialId: trial.id, studyId, ops }));
    },
    delete(trialIds) {
      for (const id of trialIds) rmSync(join(folder, `${id}.json`), { force: true });
    },
  };
}

/**
 * Tidies the weights folder of a study that is resumed: removes the `.tmp` files of writes a crash
 * cut short, and the weights of this study's trials that are not on its front (a crash between
 * writing a trial's weights and the study file, or between the study file and dropping the
 * weights of a trial that left the front). Files of other names are left alone.
 */
export function tidyWeightsFolder(studyFile: string, trials: readonly StudyTrial[], front: readonly string[]): void {
  const folder = weightsFolderOf(studyFile);
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  const own = new Set(trials.map((t) => `${t.id}.json`));
  const kept = new Set(front.map((id) => `${id}.json`));
  for (const name of names) {
    if (name.endsWith('.json.tmp') || (own.has(name) && !kept.has(name))) rmSync(join(folder, name), { force: true });
  }
}

/** A target of a study in words: its id. */
export const targetName = (spec: TargetSpec): string => (typeof spec === 'string' ? spec : String(spec.id ?? 'a custom target'));

/** The settings given on the command line; each may be left out. */
export interface GivenSettings {
  readonly dataset?: string | undefined;
  readonly targets?: readonly string[] | undefined;
  /** The targets as the study keeps them (resolved from `targets`). */
  readonly targetSpecs?: readonly TargetSpec[] | undefined;
  readonly strategy?: StrategyName | undefined;
  readonly accounting?: Accounting | undefined;
  readonly epochs?: number | undefined;
  readonly seed?: number | undefined;
  readonly noEarlyStop?: boolean | undefined;
  readonly trials?: number | undefined;
  readonly minutes?: number | undefined;
}

/**
 * The settings given on the command line that contradict a study's own config, in words (empty when
 * none): a study's settings come from where it is stored (its file, or the shared database).
 */
export function settingConflicts(config: StudyConfig, given: GivenSettings): string[] {
  const { budget } = config;
  return [
    given.dataset !== undefined && given.dataset !== config.dataset ? `--dataset ${given.dataset} (it searches ${config.dataset})` : '',
    given.targetSpecs !== undefined && JSON.stringify(given.targetSpecs) !== JSON.stringify(config.targets)
      ? `--target ${(given.targets ?? []).join(' --target ')} (it is for ${config.targets.map(targetName).join(', ')})`
      : '',
    given.strategy !== undefined && given.strategy !== config.strategy ? `--strategy ${given.strategy} (it uses ${config.strategy})` : '',
    given.accounting !== undefined && given.accounting !== config.accounting ? `--accounting ${given.accounting} (it uses ${config.accounting})` : '',
    given.epochs !== undefined && given.epochs !== config.epochs ? `--epochs ${given.epochs} (it trains ${config.epochs} a trial)` : '',
    given.seed !== undefined && given.seed !== config.seed ? `--seed ${given.seed} (its seed is ${config.seed})` : '',
    given.noEarlyStop && config.earlyStopping === true ? '--no-early-stop (it stops hopeless trials early)' : '',
    given.trials !== undefined && given.trials !== budget.trials ? `--trials ${given.trials} (its budget is ${budget.trials ?? 'no'} trials; add to it with --extend-trials N)` : '',
    given.minutes !== undefined && given.minutes !== budget.minutes ? `--minutes ${given.minutes} (its budget is ${budget.minutes ?? 'no'} minutes; add to it with --extend-minutes M)` : '',
  ].filter((conflict) => conflict !== '');
}

/** A study read back from its file, ready for the study loop. */
export interface ResumePlan {
  readonly study: Study;
  readonly trials: readonly StudyTrial[];
  /** For RunStudyOptions.minutesSpent (an extension by minutes). */
  readonly minutesSpent: number;
  readonly datasetId: BuiltinDatasetId;
}

/**
 * Reads the study in `path` to go on with it (`extension`: with more budget), as the playground
 * resumes and extends one: the settings come from the file, and a setting given that contradicts it
 * is refused in words; the weights folder is tidied. Throws a CliError when it cannot go on.
 */
export function planResume(path: string, given: GivenSettings, extension?: StudyExtension): ResumePlan {
  const doc = readStudyFile(path);
  const config = doc.study.config;
  const conflicts = settingConflicts(config, given);
  const verb = extension ? 'extend' : 'resume';
  if (conflicts.length > 0) {
    throw new CliError(
      `cannot ${verb} the study in "${path}" with ${conflicts.join(', ')}: its settings come from the file; leave ${conflicts.length === 1 ? 'that option' : 'those options'} out, or add --force to start a new study in its place`,
      2,
    );
  }
  const datasetId = config.dataset;
  if (!isBuiltinDatasetId(datasetId)) throw new CliError(`the study in "${path}" searches the dataset "${datasetId}", which is not built in; ${verb} it in the playground, where the dataset is stored`);
  if (doc.study.status === 'completed' && !extension) {
    throw new CliError(`the study in "${path}" has finished (${describeStudy(doc, false)}); add --extend-trials N or --extend-minutes M to continue it`, 2);
  }
  const stored: Study = { id: doc.study.id, config, status: 'stopped', createdAt: doc.study.createdAt, updatedAt: new Date().toISOString() };
  const trials = resumedTrials(doc);
  let study = stored;
  let minutesSpent = 0;
  if (extension) {
    try {
      // A study stopped or killed before its budget was spent gets more budget the same way as a finished one.
      const extended = extendedBudget({ ...stored, status: 'completed' }, trials, extension);
      study = { ...stored, config: extended.config };
      minutesSpent = extended.minutesSpent;
    } catch (error) {
      throw new CliError(`cannot extend the study in "${path}": ${(error as Error).message}`);
    }
  }
  tidyWeightsFolder(path, trials, paretoFrontIds(trials, study.config));
  return { study, trials, minutesSpent, datasetId };
}
