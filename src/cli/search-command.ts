/**
 * The search command, callable from tests; src/cli/search.ts runs it as a script.
 *
 * `npm run search -- --dataset ID --target ID [--target ID ...] [--strategy random|mobo|evolution]
 *  [--trials N] [--minutes M] [--epochs E] [--seed S] [--accounting paper|deploy] [--backend NAME] --out FILE`
 * `npm run search -- --out FILE --resume | --extend-trials N | --extend-minutes M`
 * `npm run search -- --storage postgres://… --study NAME [settings]` (search-shared.ts)
 *
 * The same study loop as the browser's worker, headless (on tfjs's WASM backend unless told
 * otherwise), with a progress bar on stderr. It rewrites the study document at FILE after every
 * trial (atomically: src/cli/atomic-file.ts), so an interrupted run keeps the trials it finished and
 * `--resume` continues it; it never overwrites a study file unless told to (`--force`).
 */
import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { type Accounting, accountingModes } from '../core/resources.ts';
import { hasDefaultReserve, presetTargetIds } from '../core/targets.ts';
import { type Study, type StudyTrial, type StrategyName, type TargetSpec, strategyNames, studyTrainingDefaults } from '../contracts/study.ts';
import { buildStudyDocument, serializeStudyDocument } from '../contracts/study-document.ts';
import { newStudyId } from '../contracts/study-ids.ts';
import { trainingRecipe } from '../core/training-recipe.ts';
import { isBuiltinDatasetId, loadBuiltinDataset } from '../data/builtin.ts';
import { BUILTIN_DATASET_IDS, type BuiltinDatasetId } from '../data/manifest.ts';
import { nodeReader } from '../data/read-node.ts';
import { MemoryStudyStore } from '../engine/memory-store.ts';
import { paretoFrontIds, runStudy } from '../engine/study-runner.ts';
import { removeStaleTempFile, writeFileAtomic } from './atomic-file.ts';
import { backendUsage, parseBackendOption, startCliBackend } from './backend-option.ts';
import { CliError, numberOption, parseCommandArgs, readJsonFile, wholeFrom } from './common.ts';
import { resolveTarget } from './estimate-command.ts';
import { ProgressBar } from './progress.ts';
import { type ResumePlan, describeStudy, planResume, readStudyFile, weightsFolder, weightsFolderOf } from './study-file.ts';
import { runSharedSearch } from './search-shared.ts';
import { type NewStudySettings, type SearchIo, newStudyConfig } from './search-settings.ts';

export type { SearchIo };
import { searchSummary } from './search-summary.ts';
import { lockStudyFile } from './study-lock.ts';
import type { BackendPreference } from '../tf/backend.ts';

const usage = `Usage: npm run search -- --dataset ID --target ID --out FILE [options]
       npm run search -- --out FILE --resume | --extend-trials N | --extend-minutes M [--backend NAME]
       npm run search -- --storage postgres://USER@HOST/DB --study NAME [--dataset ID --target ID ...]

  --dataset ID           ${BUILTIN_DATASET_IDS.join(', ')}
  --target ID            preset (${presetTargetIds.join(', ')}) or custom target file; repeatable
  --out FILE             where to write the study document (JSON), rewritten after every trial; the
                         weights of its Pareto-front trials go to FILE.weights/ (for npm run export).
                         An existing study file is never overwritten unless --force says so
  --strategy NAME        random, mobo (SpArSe's, the default) or evolution
  --trials N             trials to train (default 10)
  --minutes M            stop after M minutes (with --trials, whichever comes first)
  --epochs E             training epochs per trial (default: about ${trainingRecipe.stepsPerTrial} steps, e.g. 15 on digits, 2 on MNIST)
  --seed S               default 1; the same seed and config give the same first candidates
  --accounting MODE      deploy (on the chip, the default) or paper (SpArSe's metrics)
  --backend NAME         ${backendUsage}
  --no-early-stop        train every trial for all its epochs (by default a trial is stopped after an
                         epoch when it is below the median of the earlier trials at most as large)
  --resume               continue the study in FILE (interrupted, stopped or killed): its settings come
                         from the file, the trial that was running is trained again, FILE.weights/ is kept
  --force                start a new study in place of the one in FILE (its FILE.weights/ is deleted)
  --extend-trials N      add N trials to the budget of the study in FILE and continue it (implies --resume)
  --extend-minutes M     run the study in FILE for M more minutes (implies --resume)

Shared studies (many processes, on one machine or many, train one study together):
  --storage URL          a PostgreSQL database (postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE)
                         in place of --out; its tables are created on first use
  --study NAME           the study to join; the first process creates it from --dataset, --target
                         and the other settings, later ones take its settings from the database
  --heartbeat-seconds S  how often a training process says it is alive (default 10)
  --grace-seconds G      after G seconds without a heartbeat (default 60) a trial is marked failed
                         and its slot proposed again

Ctrl-C (or SIGTERM) stops after the current batch and writes FILE with the running trial queued;
a second one quits at once. Either way --resume continues.`;

/** A study ready to run: new, or read back from FILE (ResumePlan). */
interface Plan {
  readonly study: Study;
  readonly trials: readonly StudyTrial[];
  readonly minutesSpent: number;
}

/** Runs the command; returns the summary it prints on stdout. */
export async function runSearch(argv: readonly string[], io: SearchIo = {}): Promise<string> {
  const values = parseCommandArgs(argv, {
    dataset: { type: 'string' },
    target: { type: 'string', multiple: true },
    out: { type: 'string' },
    strategy: { type: 'string' },
    trials: { type: 'string' },
    minutes: { type: 'string' },
    epochs: { type: 'string' },
    seed: { type: 'string' },
    accounting: { type: 'string' },
    backend: { type: 'string' },
    'no-early-stop': { type: 'boolean' },
    resume: { type: 'boolean' },
    force: { type: 'boolean' },
    'extend-trials': { type: 'string' },
    'extend-minutes': { type: 'string' },
    storage: { type: 'string' },
    study: { type: 'string' },
    'heartbeat-seconds': { type: 'string' },
    'grace-seconds': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return `${usage}\n`;
  const extendTrials = numberOption(values['extend-trials'], 'extend-trials', wholeFrom(1), 'a whole number of at least 1');
  const extendMinutes = numberOption(values['extend-minutes'], 'extend-minutes', (n) => n > 0, 'a positive number');
  const extending = extendTrials !== undefined || extendMinutes !== undefined;
  const resuming = values.resume === true || extending;
  const resumeFlag = values.resume ? '--resume' : extendTrials !== undefined ? '--extend-trials' : '--extend-minutes';
  if (values.force && resuming) throw new CliError(`--force starts a new study and ${resumeFlag} continues the old one: give one of them`, 2);
  if (!resuming) {
    if (!values.dataset && values.storage === undefined && values.study === undefined) throw new CliError('missing --dataset ID (see --help)', 2);
    if (!values.target?.length && values.storage === undefined && values.study === undefined) throw new CliError('missing --target ID (see --help)', 2);
  }
  if (values.dataset !== undefined && !isBuiltinDatasetId(values.dataset)) throw new CliError(`unknown dataset "${values.dataset}"; built-in datasets are ${BUILTIN_DATASET_IDS.join(', ')}`, 2);
  const strategy = values.strategy as StrategyName | undefined;
  if (strategy !== undefined && !strategyNames.includes(strategy)) throw new CliError(`--strategy must be random, mobo or evolution, got "${values.strategy}"`, 2);
  const accounting = values.accounting as Accounting | undefined;
  if (accounting !== undefined && !accountingModes.includes(accounting)) throw new CliError(`--accounting must be "paper" or "deploy", got "${values.accounting}"`, 2);
  const minutes = numberOption(values.minutes, 'minutes', (n) => n > 0, 'a positive number');
  const trials = numberOption(values.trials, 'trials', wholeFrom(1), 'a whole number of at least 1');
  const epochsOption = numberOption(values.epochs, 'epochs', wholeFrom(1), 'a whole number of at least 1');
  const seed = numberOption(values.seed, 'seed', wholeFrom(0), 'a whole number of at least 0');
  // Custom targets, and presets with a reserve of the user's own, travel in the study as their JSON; presets as their id.
  const targetSpecs = values.target?.map((spec): TargetSpec => {
    const target = resolveTarget(spec);
    return target.custom || !hasDefaultReserve(target) ? (readJsonFile(spec, 'target file') as Record<string, unknown>) : target.id;
  });
  const backend = parseBackendOption(values.backend);
  const settings: NewStudySettings = { dataset: values.dataset, targets: values.target, targetSpecs, strategy, accounting, epochs: epochsOption, seed, noEarlyStop: values['no-early-stop'], trials, minutes };
  if (values.storage !== undefined || values.study !== undefined) {
    const heartbeatSeconds = numberOption(values['heartbeat-seconds'], 'heartbeat-seconds', (n) => n > 0, 'a positive number');
    const graceSeconds = numberOption(values['grace-seconds'], 'grace-seconds', (n) => n > 0, 'a positive number');
    return runSharedSearch({ storage: values.storage, study: values.study, out: values.out, resume: values.resume, force: values.force, extending, settings, backend, heartbeatSeconds, graceSeconds }, io);
  }
  if (values['heartbeat-seconds'] !== undefined || values['grace-seconds'] !== undefined) throw new CliError('--heartbeat-seconds and --grace-seconds are for a shared study: give them with --storage URL --study NAME', 2);
  if (!values.out) throw new CliError('missing --out FILE (see --help)', 2);
  const out = values.out;
  // --out names a file: a folder cannot be overwritten, so --force is no way out there.
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`--out "${out}" is a folder; --out names the study file to write, e.g. "${join(out, 'study.json')}"`, 2);
  // One search per study file, before anything is read or tidied (another search may be writing its .tmp).
  const release = lockStudyFile(out);
  try {
    return await searchStudyFile({ out, resuming, extending, resumeFlag, extendTrials, extendMinutes, settings, backend, force: values.force === true, dataset: values.dataset }, io);
  } finally {
    release();
  }
}

/** What a search on a study file is asked to do, from the command line's options. */
interface FileSearch {
  readonly out: string;
  readonly resuming: boolean;
  readonly extending: boolean;
  readonly resumeFlag: string;
  readonly extendTrials: number | undefined;
  readonly extendMinutes: number | undefined;
  readonly settings: NewStudySettings;
  readonly backend: BackendPreference;
  readonly force: boolean;
  readonly dataset: string | undefined;
}

/** The search on a study file, once its lock is held. */
async function searchStudyFile(run: FileSearch, io: SearchIo): Promise<string> {
  const { out, resuming, extending, resumeFlag, extendTrials, extendMinutes, settings, backend } = run;

  // A .tmp a killed run left behind is never the study: it goes before anything is read.
  try {
    removeStaleTempFile(out);
  } catch (error) {
    throw new CliError(`cannot remove "${out}.tmp", left by an earlier run: ${(error as Error).message}`);
  }
  const existing = existsSync(out);
  let resumed: ResumePlan | undefined;
  if (resuming) {
    if (!existing) throw new CliError(`there is no study file "${out}" to ${extending ? 'extend' : 'resume'}; leave out ${resumeFlag} to start a new study`);
    const given = settings;
    const extension = { ...(extendTrials !== undefined ? { trials: extendTrials } : {}), ...(extendMinutes !== undefined ? { minutes: extendMinutes } : {}) };
    resumed = planResume(out, given, extending ? extension : undefined);
  } else if (existing && !run.force) {
    let held: string;
    try {
      held = `already holds the study ${describeStudy(readStudyFile(out))}`;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      throw new CliError(`"${out}" already exists and is not a study file that --resume could continue (${error.message}); choose another --out, or add --force to overwrite it`, 2);
    }
    throw new CliError(`"${out}" ${held}; add --resume to continue it, or --force to start a new study in its place (deleting ${weightsFolderOf(out)}/)`, 2);
  }

  tf.enableProdMode();
  const dataset = await loadBuiltinDataset(resumed?.datasetId ?? (run.dataset as BuiltinDatasetId), nodeReader());
  const { height, width, channels } = dataset.train;
  const choice = await startCliBackend(backend, { input: { height, width, channels }, classes: dataset.classNames.length, batchSize: studyTrainingDefaults.batchSize });
  const plan: Plan = resumed ?? newStudy();
  function newStudy(): Plan {
    const config = newStudyConfig(settings, dataset);
    const now = new Date().toISOString();
    return { study: { id: newStudyId(), config, status: 'running', createdAt: now, updatedAt: now }, trials: [], minutesSpent: 0 };
  }
  const { study, minutesSpent } = plan;
  const config = study.config;
  const environment = { tfjsVersion: tf.version.tfjs, backend: choice.backend, userAgent: `Node.js ${process.version} (${process.platform})` };
  const writeDocument = (current: Study, all: readonly StudyTrial[]): void => {
    const doc = buildStudyDocument(current, all, paretoFrontIds(all, config), environment);
    try {
      writeFileAtomic(out, serializeStudyDocument(doc));
    } catch (error) {
      throw new CliError(`cannot write "${out}": ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (error as Error).message}`);
    }
  };
  if (!resumed) {
    // --force: the old study's weights go with it.
    if (run.force) rmSync(weightsFolderOf(out), { recursive: true, force: true });
    writeDocument(study, []);
  }
  const store = new MemoryStudyStore(study, writeDocument, weightsFolder(out, study.id), plan.trials);
  // A trial budget counts trials; a time budget alone counts its seconds (the ETA is the time left,
  // plus the trial that is running when it is up).
  const budgetTrials = config.budget.trials;
  const budgetSeconds = Math.round(((config.budget.minutes ?? 0) - minutesSpent) * 60);
  const stream = io.progress ?? process.stderr;
  const bar = budgetTrials !== undefined ? new ProgressBar('search', budgetTrials, stream) : new ProgressBar('search', budgetSeconds, stream, ' s');
  const started = performance.now();
  const final = await runStudy(study, {
    store,
    dataset,
    keepWeights: true,
    backend: { name: choice.backend, reason: choice.reason },
    minutesSpent,
    ...(io.signal ? { signal: io.signal } : {}),
    onProgress: (p) => {
      const trial = p.trial ? `trial ${p.trialIndex + 1}: ${p.trial.phase} epoch ${p.trial.epoch}/${p.trial.epochs}${p.trial.loss === undefined ? '' : ` loss ${p.trial.loss.toFixed(3)}`}` : `trial ${p.trialIndex + 1}`;
      bar.set(budgetTrials !== undefined ? p.trialsDone : Math.floor((performance.now() - started) / 1000), trial);
    },
  });
  bar.done();
  return searchSummary(final, store.trials, performance.now() - started, {
    failedHint: `the trials it finished are in "${out}": fix the cause and continue with --resume`,
    where: `study written to ${out}, the weights of its Pareto front to ${weightsFolderOf(out)}`,
    resume: `npm run search -- --out ${out} --resume`,
  });
}
