/**
 * The study loop, written once (DESIGN.md §1, §5): propose → estimate → skip or train → prune →
 * measure → record, until the budget is spent or the study is stopped. The worker runs it over
 * IndexedDB and the CLI over a JSON file: storage, the dataset and progress are handed in, so the
 * loop never knows where it runs.
 */
import { explainVerdict } from '../core/resources.ts';
import { createRng } from '../core/rng.ts';
import { type Candidate, type EpochCurve, createStrategy, judgeEpoch, strategyOptionsFor } from '../core/search/index.ts';
import {
  type Study,
  type StudyConfig,
  type StudyStore,
  type StudyTrial,
  everyTrialFailed,
  statusReasonText,
  stoppedByYou,
  timeBudgetSpent,
  trialBudgetSpent,
} from '../contracts/study.ts';
import { candidateOf, observationOf, paretoFrontIds, problemOf, trialObjectives } from '../contracts/study-objectives.ts';
import type { TrialHyperparameters } from '../contracts/trial.ts';
import { fineTuneEpochsFor, trainingRecipe } from '../core/training-recipe.ts';
import type { StoredOpWeights } from '../contracts/weights.ts';
import { trialIdFor } from '../contracts/study-ids.ts';
import type { Dataset } from '../data/dataset.ts';
import { PauseGate } from './pause-gate.ts';
import type { StudyProgress, TrialProgress, TrialRequest } from '../contracts/search-worker.ts';
import { validateArchitecture } from '../core/architecture.ts';
import { pruningMethods } from '../core/pruning.ts';
import { TrialAbortedError, runTrainingTrial } from './train-trial.ts';
import { studyEta } from '../core/study-eta.ts';
import { messageOf } from '../core/error-message.ts';

export type { StudyProgress, StudyStore };
// The measures of a study live in contracts, where the page can use them without the engine.
export { paretoFrontIds, problemOf, resolveTargetSpec, studyHypervolume, trialObjectives } from '../contracts/study-objectives.ts';

export interface RunStudyOptions {
  readonly store: StudyStore;
  readonly dataset: Dataset;
  readonly backend: { readonly name: string; readonly reason: string };
  readonly onProgress?: (progress: StudyProgress) => void;
  /** Every trial as it is written (running, then completed / stopped / failed / skipped). */
  readonly onTrial?: (trial: StudyTrial) => void;
  readonly signal?: AbortSignal;
  readonly gate?: PauseGate;
  /** Keep the weights of Pareto-front trials (the browser does; the CLI does not). */
  readonly keepWeights?: boolean;
  /**
   * Candidates the user asked for while the study runs ("Train this architecture"), taken one at a
   * time before the strategy proposes; they are recorded as queued trials first, then trained.
   */
  readonly takeRequested?: () => TrialRequest | undefined;
  /**
   * Minutes of the time budget spent before this run (default 0: each run, a resume too, gets the
   * whole budget). "Extend by N minutes" raises the budget to the minutes spent + N and passes them
   * here, so that the run lasts N minutes from now.
   */
  readonly minutesSpent?: number;
}

function hyperparameters(config: StudyConfig, candidate: Candidate, index: number): TrialHyperparameters {
  const { method, sparsity } = candidate.pruning;
  return {
    epochs: config.epochs,
    batchSize: config.batchSize,
    learningRate: config.learningRate,
    schedule: 'cosine',
    warmupEpochs: trainingRecipe.warmupEpochs,
    seed: config.seed + index,
    pruning: { method, sparsity: method === 'none' ? 0 : sparsity, fineTuneEpochs: method === 'none' ? 0 : fineTuneEpochsFor(config.epochs) },
  };
}

/**
 * A trial the user asked for, queued with the study's training settings; throws in words when the
 * request cannot be a trial of this study (invalid, or made for another input or class count).
 */
export function requestedTrial(study: Study, index: number, request: TrialRequest): StudyTrial {
  const checked = validateArchitecture(request.architecture);
  if (!checked.ok) throw new Error(`the architecture is not valid: ${checked.error.message}`);
  const architecture = checked.architecture;
  const { input, classes } = study.config.searchSpace;
  const { input: own } = architecture;
  if (own.height !== input.height || own.width !== input.width || own.channels !== input.channels || architecture.classes !== classes) {
    throw new Error(
      `the architecture takes ${own.height}×${own.width}×${own.channels} inputs and ${architecture.classes} classes; ` +
        `this study's dataset has ${input.height}×${input.width}×${input.channels} and ${classes}`,
    );
  }
  const { method, sparsity } = request.pruning;
  if (!pruningMethods.includes(method) || !(sparsity >= 0 && sparsity < 1)) throw new Error(`the pruning must be one of ${pruningMethods.join(', ')} with a sparsity from 0 to below 1`);
  const candidate: Candidate = { architecture, pruning: { method, sparsity } };
  return { id: trialIdFor(study.id, index), studyId: study.id, index, status: 'queued', architecture, hyperparameters: hyperparameters(study.config, candidate, index) };
}

/**
 * Runs (or resumes) a study until its budget is spent, it is stopped through `signal`, or it cannot
 * go on. A failed trial is recorded and the study goes on; a stop puts the running trial back to
 * `queued`, so that a resume trains it again. Returns the study as it ends, stored with a final
 * status and its reason (Study.statusReason): `completed` (the budget is spent), `stopped` (by the
 * signal) or `failed` (every trial of this run failed). Anything thrown (no candidate fits the
 * targets, the storage is full) is stored as `failed` with the error's message, the running trial
 * put back to `queued` where the store still takes it, and rethrown; trials already stored stay.
 */
export async function runStudy(study: Study, options: RunStudyOptions): Promise<Study> {
  const { statusReason: _previous, ...fresh } = study;
  let current = await options.store.updateStudy({ ...fresh, status: 'running' });
  const run: RunState = { running: undefined, ended: [] };
  let end: { status: 'completed' | 'stopped' | 'failed'; statusReason: string };
  try {
    end = await runTrials(current, options, run);
  } catch (error) {
    const { store } = options;
    // Best effort: the storage may be what failed. The trial that was running trains again on a resume.
    if (run.running) await store.saveTrial({ ...run.running, status: 'queued' }).catch(() => undefined);
    await store.updateStudy({ ...current, status: 'failed', statusReason: statusReasonText(messageOf(error)) }).catch(() => undefined);
    throw error;
  }
  current = await options.store.updateStudy({ ...current, status: end.status, statusReason: statusReasonText(end.statusReason) });
  return current;
}

/** What runTrials tells runStudy as it goes: the trial being trained, and the trials of this run that ended. */
interface RunState {
  running: StudyTrial | undefined;
  readonly ended: StudyTrial[];
}

/** The study loop; returns how the run ended, and throws what stops it otherwise. */
async function runTrials(study: Study, options: RunStudyOptions, run: RunState): Promise<{ status: 'completed' | 'stopped' | 'failed'; statusReason: string }> {
  const { store, dataset, signal } = options;
  const config = study.config;
  const problem = problemOf(config);
  const strategy = createStrategy(config.strategy, problem, strategyOptionsFor(config.budget.trials));
  const gate = options.gate ?? new PauseGate();
  const trials = await store.listTrials(study.id);
  const started = performance.now();
  let front = new Set(paretoFrontIds(trials, config));

  // A trial stopped early spent part of the budget too.
  const trained = (): number => trials.filter((t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed').length;
  /** The validation curves of the completed trials, with their bytes: what the multi-fidelity rule compares with. */
  const curves = (): EpochCurve[] =>
    trials.flatMap((t) => {
      const objectives = t.status === 'completed' ? trialObjectives(t, config) : null;
      const curve = t.metrics?.valAccuracyByEpoch;
      return objectives && curve ? [{ valAccuracyByEpoch: curve, bytes: [objectives[1], objectives[2]] as const }] : [];
    });
  const minutesSpent = options.minutesSpent ?? 0;
  const secondsLeft = (): number | undefined => (config.budget.minutes === undefined ? undefined : (config.budget.minutes - minutesSpent) * 60 - (performance.now() - started) / 1000);
  const budgetLeft = (): boolean => {
    if (config.budget.trials !== undefined && trained() >= config.budget.trials) return false;
    const seconds = secondsLeft();
    return seconds === undefined || seconds > 0;
  };
  // Training samples of this run, for the time left (src/core/study-eta.ts): those of the trials that
  // ended, the running trial's phases that ended, and its phase now ('evaluating' trains nothing).
  const trainCount = dataset.train.count;
  const prunedShare = config.pruning.methods.filter((m) => m !== 'none').length / Math.max(1, config.pruning.methods.length);
  const samplesPerTrial = trainCount * (config.epochs + prunedShare * fineTuneEpochsFor(config.epochs));
  const samples = { ended: 0, phasesEnded: 0, phase: undefined as TrialProgress | undefined };
  const trialSamples = (): number => samples.phasesEnded + (samples.phase && samples.phase.phase !== 'evaluating' ? samples.phase.samplesSeen : 0);
  const seen = (trial: TrialProgress): void => {
    if (samples.phase && samples.phase.phase !== trial.phase) samples.phasesEnded = trialSamples();
    samples.phase = trial;
  };
  const trialEnded = (): void => {
    samples.ended += trialSamples();
    samples.phasesEnded = 0;
    samples.phase = undefined;
  };
  const write = async (trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void> => {
    if (trial.status === 'running') run.running = trial;
    await store.saveTrial(trial, weights);
    if (trial.status !== 'running' && run.running?.id === trial.id) run.running = undefined;
    if (trial.status === 'completed' || trial.status === 'stopped' || trial.status === 'failed') run.ended.push(trial);
    const at = trials.findIndex((t) => t.id === trial.id);
    if (at >= 0) trials[at] = trial;
    else trials.push(trial);
    options.onTrial?.(trial);
  };
  const progress = (index: number, trial?: TrialProgress): void => {
    const done = trained();
    const elapsedSeconds = (performance.now() - started) / 1000;
    const runningTrial = trials.find((t) => t.status === 'running');
    const planned = runningTrial ? trainCount * (runningTrial.hyperparameters.epochs + runningTrial.hyperparameters.pruning.fineTuneEpochs) : 0;
    const left = secondsLeft();
    const estimate = studyEta({
      elapsedSeconds,
      samplesDone: samples.ended + trialSamples(),
      samplesLeftInTrial: Math.max(0, planned - trialSamples()),
      samplesPerTrial,
      ...(config.budget.trials !== undefined ? { trialsLeft: config.budget.trials - done - (runningTrial ? 1 : 0) } : {}),
      ...(left !== undefined ? { secondsLeft: left } : {}),
    });
    const eta = estimate.seconds;
    options.onProgress?.({
      studyId: study.id,
      trialIndex: index,
      trialsDone: done,
      ...(config.budget.trials !== undefined ? { trialsBudget: config.budget.trials } : {}),
      ...(trial ? { trial } : {}),
      elapsedSeconds,
      ...(eta !== undefined ? { etaSeconds: Math.max(0, eta) } : {}),
      ...(estimate.finishing ? { finishing: true } : {}),
    });
  };

  // Trials the user queued run even when the budget is spent: the budget bounds the search's own proposals.
  const queuedTrial = (): StudyTrial | undefined => trials.find((t) => t.status === 'queued');
  const enqueueRequested = async (): Promise<void> => {
    for (let requested = options.takeRequested?.(); requested; requested = options.takeRequested?.()) {
      await write(requestedTrial(study, trials.length, requested));
    }
  };
  // Requests are taken before every check of the budget, so that one made during the last trial
  // still runs; after a stop they stay queued for the resume.
  for (;;) {
    await enqueueRequested();
    if (signal?.aborted || !(queuedTrial() || budgetLeft())) break;
    await gate.wait(signal);
    if (signal?.aborted) break;
    await enqueueRequested();
    const queued = queuedTrial();
    const index = queued?.index ?? trials.length;
    const candidate = queued
      ? candidateOf(queued)
      : strategy.propose(
          trials.map((t) => observationOf(t, config)),
          createRng(config.seed).fork(`proposal/${index}`),
        );
    const id = queued?.id ?? trialIdFor(study.id, index);
    const base: StudyTrial = { id, studyId: study.id, index, status: 'running', architecture: candidate.architecture, hyperparameters: hyperparameters(config, candidate, index) };
    const prediction = problem.predict(candidate);
    if (!prediction.fits) {
      // The strategies only propose candidates that fit; this guards what a resumed queue holds.
      const reasons = prediction.verdicts.flatMap((v, i) => (v.fits ? [] : explainVerdict(v, problem.targets[i]!)));
      await write({ ...base, status: 'skipped', skipReason: `predicted not to fit: ${reasons.join('; ')}` });
      continue;
    }
    await write(base);
    progress(index);
    let trainedTrial: Awaited<ReturnType<typeof runTrainingTrial>>;
    const earlier = config.earlyStopping === true ? curves() : [];
    const ownBytes = [prediction.flashBytes, prediction.sramBytes] as const;
    try {
      trainedTrial = await runTrainingTrial({
        id,
        architecture: candidate.architecture,
        dataset,
        targets: problem.targets,
        epochs: config.epochs,
        batchSize: config.batchSize,
        learningRate: config.learningRate,
        warmupEpochs: base.hyperparameters.warmupEpochs ?? 0,
        seed: base.hyperparameters.seed,
        pruning: base.hyperparameters.pruning,
        backend: options.backend,
        onProgress: (p) => {
          seen(p);
          progress(index, p);
        },
        beforeBatch: () => gate.wait(signal),
        ...(config.earlyStopping === true ? { judgeEpoch: (epoch: number, accuracy: number) => judgeEpoch(epoch, accuracy, ownBytes, earlier) } : {}),
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (error instanceof TrialAbortedError) {
        await write({ ...base, status: 'queued' });
        break;
      }
      // A failed trial is recorded and the study goes on (issue 4); storage errors below are not caught.
      trialEnded();
      await write({ ...base, status: 'failed', error: error instanceof Error ? error.message : String(error) });
      progress(index);
      continue;
    }
    const { record, network } = trainedTrial;
    try {
      const { dataset: _dataset, id: _id, ...measured } = record;
      // Completed, or stopped early by the multi-fidelity rule (then never on the front, so no weights kept).
      const finished: StudyTrial = { ...base, ...measured };
      const nextFront = new Set(paretoFrontIds([...trials.filter((t) => t.id !== id), finished], config));
      const weights = options.keepWeights && nextFront.has(id) ? await network.getWeights() : undefined;
      await write(finished, weights);
      const left = [...front].filter((trialId) => !nextFront.has(trialId));
      if (options.keepWeights && left.length > 0) await store.deleteWeights(left);
      front = nextFront;
    } finally {
      network.dispose();
    }
    trialEnded();
    progress(index);
  }
  if (signal?.aborted) return { status: 'stopped', statusReason: stoppedByYou };
  const firstFailure = run.ended[0];
  if (firstFailure?.error !== undefined && run.ended.every((t) => t.status === 'failed')) {
    return { status: 'failed', statusReason: everyTrialFailed(firstFailure.error) };
  }
  // The loop ends without a stop only once the budget is spent (queued trials run in any case).
  const trialsBudget = config.budget.trials;
  const timeUp = config.budget.minutes !== undefined && (secondsLeft() ?? 1) <= 0;
  if (trialsBudget !== undefined && (trained() >= trialsBudget || !timeUp)) return { status: 'completed', statusReason: trialBudgetSpent(trialsBudget) };
  return { status: 'completed', statusReason: timeBudgetSpent(config.budget.minutes ?? 0) };
}
