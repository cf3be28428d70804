/**
 * `npm run search -- --storage postgres://… --study NAME [settings]`: this process joins the study
 * NAME in PostgreSQL (creating it from the settings when there is none) and trains its trials beside
 * every other process that joined it, on this machine or others (issue 15). Trials are claimed in
 * the database, heartbeats sent while one trains; a process that dies loses its trial after the
 * grace period and another process proposes that slot again. Stop any process with Ctrl-C: its
 * running trial goes back to the queue, where another process (or this one, run again) takes it.
 */
import * as tf from '@tensorflow/tfjs';
import { type Study, statusReasonText } from '../contracts/study.ts';
import { newStudyId } from '../contracts/study-ids.ts';
import { isBuiltinDatasetId, loadBuiltinDataset } from '../data/builtin.ts';
import { BUILTIN_DATASET_IDS } from '../data/manifest.ts';
import { nodeReader } from '../data/read-node.ts';
import { runStudy } from '../engine/study-runner.ts';
import { PgStudyStore, redactUrl } from '../pg/store.ts';
import { messageOf } from '../core/error-message.ts';
import { studyTrainingDefaults } from '../contracts/study.ts';
import { startCliBackend } from './backend-option.ts';
import type { BackendPreference } from '../tf/backend.ts';
import { CliError } from './common.ts';
import { ProgressBar } from './progress.ts';
import { type NewStudySettings, type SearchIo, newStudyConfig } from './search-settings.ts';
import { searchSummary } from './search-summary.ts';
import { settingConflicts } from './study-file.ts';

export interface SharedSearchOptions {
  readonly storage: string | undefined;
  readonly study: string | undefined;
  readonly out: string | undefined;
  readonly resume: boolean | undefined;
  readonly force: boolean | undefined;
  readonly extending: boolean;
  readonly settings: NewStudySettings;
  readonly backend: BackendPreference;
  readonly heartbeatSeconds: number | undefined;
  readonly graceSeconds: number | undefined;
}

/** A study name: what a user types after --study, kept short and printable. */
const studyNamePattern = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,99}$/u;

export async function runSharedSearch(options: SharedSearchOptions, io: SearchIo): Promise<string> {
  const { storage, study: name, settings } = options;
  if (storage === undefined) throw new CliError('--study NAME names a study in a shared database: give --storage postgres://USER@HOST/DATABASE too (see --help)', 2);
  if (name === undefined) throw new CliError('missing --study NAME: the study in the database that this process joins (see --help)', 2);
  if (!/^postgres(?:ql)?:\/\//.test(storage)) throw new CliError(`--storage must be a PostgreSQL URL such as postgres://USER@HOST:5432/DATABASE, got "${redactUrl(storage)}"`, 2);
  if (!studyNamePattern.test(name)) throw new CliError(`--study "${name}": a study name is 1 to 100 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit`, 2);
  if (options.out !== undefined) throw new CliError('--out is for a study file; a shared study lives in the database (write it to a file with: npm run export -- --storage URL --study NAME --out FILE)', 2);
  if (options.resume || options.extending) throw new CliError('--resume and --extend-… are for a study file; every process that runs --storage URL --study NAME joins the study and goes on with it', 2);
  if (options.force) throw new CliError('--force is for a study file; a shared study is never overwritten (choose another --study NAME)', 2);
  if (options.graceSeconds !== undefined && options.heartbeatSeconds !== undefined && options.graceSeconds <= 2 * options.heartbeatSeconds) {
    throw new CliError(`--grace-seconds (${options.graceSeconds}) must be more than twice --heartbeat-seconds (${options.heartbeatSeconds}), or a slow beat would fail a live trial`, 2);
  }

  let store: PgStudyStore;
  try {
    store = await PgStudyStore.open(storage, {
      ...(options.heartbeatSeconds !== undefined ? { heartbeatSeconds: options.heartbeatSeconds } : {}),
      ...(options.graceSeconds !== undefined ? { graceSeconds: options.graceSeconds } : {}),
    });
  } catch (error) {
    throw new CliError(`cannot use the database ${messageOf(error)}`);
  }
  try {
    let existing: Study | undefined;
    try {
      existing = await store.findStudy(name);
    } catch (error) {
      throw new CliError(messageOf(error));
    }
    if (existing) {
      const conflicts = settingConflicts(existing.config, settings);
      if (conflicts.length > 0) {
        throw new CliError(`cannot join the study "${name}" with ${conflicts.join(', ')}: its settings come from the database; leave ${conflicts.length === 1 ? 'that option' : 'those options'} out, or choose another --study NAME`, 2);
      }
    } else {
      if (!settings.dataset) throw new CliError(`the database has no study "${name}" yet: give --dataset ID and --target ID to create it`, 2);
      if (!settings.targets?.length) throw new CliError(`the database has no study "${name}" yet: give --target ID to create it`, 2);
    }
    const datasetId = existing?.config.dataset ?? settings.dataset!;
    if (!isBuiltinDatasetId(datasetId)) throw new CliError(`the study "${name}" searches the dataset "${datasetId}", which is not built in; built-in datasets are ${BUILTIN_DATASET_IDS.join(', ')}`);

    tf.enableProdMode();
    const dataset = await loadBuiltinDataset(datasetId, nodeReader());
    const { height, width, channels } = dataset.train;
    const choice = await startCliBackend(options.backend, { input: { height, width, channels }, classes: dataset.classNames.length, batchSize: studyTrainingDefaults.batchSize });
    let study = existing;
    if (!study) {
      const now = new Date().toISOString();
      // Two processes creating it at the same instant get one study: the loser reads the winner's.
      const opened = await store.openStudy(name, () => ({ id: newStudyId(), config: newStudyConfig(settings, dataset, name), status: 'running', createdAt: now, updatedAt: now }));
      study = opened.study;
      if (!opened.created) {
        const conflicts = settingConflicts(study.config, settings);
        if (conflicts.length > 0) throw new CliError(`another process created the study "${name}" at the same moment with other settings: ${conflicts.join(', ')}`, 2);
      }
    }
    const started = performance.now();
    const words = {
      failedHint: `the trials it finished are in the database: fix the cause and run the same command again`,
      where: `study "${name}" in ${redactUrl(storage)} (worker ${store.worker}); write it to a file with npm run export -- --storage URL --study "${name}" --out FILE`,
      resume: `npm run search -- --storage URL --study "${name}"`,
    };
    const budgetTrials = study.config.budget.trials;
    if (study.status === 'completed') {
      const trials = await store.listTrials(study.id);
      if (!trials.some((t) => t.status === 'queued')) return searchSummary({ ...study, statusReason: statusReasonText(`it had already ended: ${study.statusReason ?? 'its budget is spent'}`) }, trials, 0, words);
    }
    const stream = io.progress ?? process.stderr;
    const budgetSeconds = Math.round((study.config.budget.minutes ?? 0) * 60);
    const bar = budgetTrials !== undefined ? new ProgressBar(`search ${name}`, budgetTrials, stream) : new ProgressBar(`search ${name}`, budgetSeconds, stream, ' s');
    const final = await runStudy(study, {
      store,
      dataset,
      keepWeights: true,
      backend: { name: choice.backend, reason: choice.reason },
      ...(io.signal ? { signal: io.signal } : {}),
      onProgress: (p) => {
        const trial = p.trial ? `trial ${p.trialIndex + 1}: ${p.trial.phase} epoch ${p.trial.epoch}/${p.trial.epochs}` : `trial ${p.trialIndex + 1}`;
        bar.set(budgetTrials !== undefined ? p.trialsDone : Math.floor((performance.now() - started) / 1000), trial);
      },
    });
    bar.done();
    return searchSummary(final, await store.listTrials(study.id), performance.now() - started, words);
  } finally {
    await store.close().catch(() => undefined);
  }
}
