/**
 * The study loop, written once (DESIGN.md §1, §5): propose → estimate → skip or train → prune →
 * measure → record, until the budget is spent or the study is stopped. The worker runs it over
 * IndexedDB and the CLI over a JSON file: storage, the dataset and progress are handed in, so the
 * loop never knows where it runs.
 */
import { explainVerdict } from '../core/resources.ts';
import { createRng } from '../core/rng.ts';
import { type Candidate, type EpochCurve, createStrategy, strategyOptionsFor } from '../core/search/index.ts';
import {
  type Study,
  type StudyConfig,
  type StudyStore,
  type StudyTrial,
  TrialLostError,
  everyTrialFailed,
  isSharedStudyStore,
  spentBudget,
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
import type { RunningTrialProgress, StudyProgress, TrialProgress, TrialRequest } from '../contracts/search-worker.ts';
import { validateArchitecture } from '../core/architecture.ts';
import { pruningMethods } from '../core/pruning.ts';
import { TrialAbortedError } from './train-trial.ts';
import { type TrainedJob, type TrialJob, type TrialTrainer, inProcessTrainer } from './trial-trainer.ts';
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
  /**
   * What trains the trials: as many run at once as there are trainers (parallel trials, issue 15).
   * Default one, in this thread, on `dataset` and `backend`.
   */
  readonly trainers?: readonly TrialTrainer[];
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
 * go on. With P trainers, P trials train at once: each free trainer takes the next trial (a queued
 * one, or the strategy's proposal with the running ones pending) and every trial is written on its
 * own as it ends. A failed trial is recorded and the study goes on; a stop puts the running trials
 * back to `queued`, so that a resume trains them again. Returns the study as it ends, stored with a
 * final status and its reason (Study.statusReason): `completed` (the budget is spent), `stopped` (by
 * the signal) or `failed` (every trial of this run failed). Anything thrown (no candidate fits the
 * targets, the storage is full) stops the other trials, is stored as `failed` with the error's
 * message, the running trials put back to `queued` where the store still takes it, and rethrown;
 * trials already stored stay. On a shared store (SharedStudyStore) trials are claimed in the store,
 * heartbeats sent while they train, and the study's end is stored by the last worker to end.
 */
export async function runStudy(study: Study, options: RunStudyOptions): Promise<Study> {
  const { store } = options;
  const { statusReason: _previous, ...fresh } = study;
  const current = await store.updateStudy({ ...fresh, status: 'running' });
  const run: RunState = { running: new Map(), ended: [] };
  const endWith = (ended: Study): Promise<Study> => (isSharedStudyStore(store) ? store.endRun(ended) : store.updateStudy(ended));
  let end: { status: 'completed' | 'stopped' | 'failed'; statusReason: string };
  try {
    end = await runTrials(current, options, run);
  } catch (error) {
    // Best effort: the storage may be what failed. The trials that were running train again on a resume.
    for (const trial of run.running.values()) await store.saveTrial({ ...trial, status: 'queued' }).catch(() => undefined);
    await endWith({ ...current, status: 'failed', statusReason: statusReasonText(messageOf(error)) }).catch(() => undefined);
    throw error;
  }
  return endWith({ ...current, status: end.status, statusReason: statusReasonText(end.statusReason) });
}

/** What runTrials tells runStudy as it goes: the trials being trained, and the trials of this run that ended. */
interface RunState {
  readonly running: Map<string, StudyTrial>;
  readonly ended: StudyTrial[];
}

/** Resolves after `ms`, or at once when `signal` aborts. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });

/** The study loop; returns how the run ended, and throws what stops it otherwise. */
async function runTrials(study: Study, options: RunStudyOptions, run: RunState): Promise<{ status: 'completed' | 'stopped' | 'failed'; statusReason: string }> {
  const { store, dataset, signal } = options;
  const shared = isSharedStudyStore(store) ? store : undefined;
  const config = study.config;
  const problem = problemOf(config);
  const strategy = createStrategy(config.strategy, problem, strategyOptionsFor(config.budget.trials));
  const gate = options.gate ?? new PauseGate();
  const trainers = options.trainers ?? [inProcessTrainer(dataset, options.backend)];
  if (trainers.length === 0) throw new Error('a study needs at least one trainer');
  // A lane that throws (the storage failed) stops the others, as a stop by the user would.
  const stopAll = new AbortController();
  const stopSignal = signal ? AbortSignal.any([signal, stopAll.signal]) : stopAll.signal;
  let trials = await store.listTrials(study.id);
  const started = performance.now();
  let front = new Set(paretoFrontIds(trials, config));

  // A trial stopped early spent part of the budget too; one whose worker was lost did not.
  const trained = (): number => trials.filter(spentBudget).length;
  const runningCount = (): number => trials.filter((t) => t.status === 'running').length;
  /** The validation curves of the completed trials, with their bytes: what the multi-fidelity rule compares with. */
  const curves = (): EpochCurve[] =>
    trials.flatMap((t) => {
      const objectives = t.status === 'completed' ? trialObjectives(t, config) : null;
      const curve = t.metrics?.valAccuracyByEpoch;
      return objectives && curve ? [{ valAccuracyByEpoch: curve, bytes: [objectives[1], objectives[2]] as const }] : [];
    });
  const minutesSpent = options.minutesSpent ?? 0;
  const secondsLeft = (): number | undefined => (config.budget.minutes === undefined ? undefined : (config.budget.minutes - minutesSpent) * 60 - (performance.now() - started) / 1000);
  const timeLeft = (): boolean => {
    const seconds = secondsLeft();
    return seconds === undefined || seconds > 0;
  };
  /** True while the budget allows another trial, counting the running ones (of every worker) as spent. */
  const budgetLeft = (): boolean => (config.budget.trials === undefined || trained() + runningCount() < config.budget.trials) && timeLeft();

  // Training samples of this run, for the time left (src/core/study-eta.ts): those of the trials that
  // ended, and for each running trial its phases that ended and its phase now ('evaluating' trains nothing).
  const trainCount = dataset.train.count;
  const prunedShare = config.pruning.methods.filter((m) => m !== 'none').length / Math.max(1, config.pruning.methods.length);
  const samplesPerTrial = trainCount * (config.epochs + prunedShare * fineTuneEpochsFor(config.epochs));
  let samplesEnded = 0;
  const lanes = new Map<number, { trial: StudyTrial; phasesEnded: number; phase: TrialProgress | undefined }>();
  const laneSamples = (lane: { phasesEnded: number; phase: TrialProgress | undefined }): number =>
    lane.phasesEnded + (lane.phase && lane.phase.phase !== 'evaluating' ? lane.phase.samplesSeen : 0);
  const seen = (index: number, trial: TrialProgress): void => {
    const lane = lanes.get(index);
    if (!lane) return;
    if (lane.phase && lane.phase.phase !== trial.phase) lane.phasesEnded = laneSamples(lane);
    lane.phase = trial;
  };
  const laneEnded = (index: number): void => {
    const lane = lanes.get(index);
    if (lane) samplesEnded += laneSamples(lane);
    lanes.delete(index);
  };
  const write = async (trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void> => {
    if (trial.status === 'running') run.running.set(trial.id, trial);
    try {
      await store.saveTrial(trial, weights);
    } catch (error) {
      // A stopped trial that a shared study marked failed meanwhile (no heartbeat in time) is not
      // queued again: its slot was proposed again. The record stays as stored, and the study goes on.
      if (!(error instanceof TrialLostError)) throw error;
      run.running.delete(trial.id);
      recordLocally(error.stored);
      return;
    }
    if (trial.status !== 'running') run.running.delete(trial.id);
    if (spentBudget(trial)) run.ended.push(trial);
    recordLocally(trial);
  };
  const recordLocally = (trial: StudyTrial): void => {
    const at = trials.findIndex((t) => t.id === trial.id);
    if (at >= 0) trials[at] = trial;
    else trials.push(trial);
    options.onTrial?.(trial);
  };
  let lastIndex = 0;
  const progress = (): void => {
    const done = trained();
    const elapsedSeconds = (performance.now() - started) / 1000;
    const running: RunningTrialProgress[] = [...lanes.values()].map((lane) => ({ trialIndex: lane.trial.index, ...(lane.phase ? { trial: lane.phase } : {}) }));
    const planned = (trial: StudyTrial): number => trainCount * (trial.hyperparameters.epochs + trial.hyperparameters.pruning.fineTuneEpochs);
    const samplesLeftInTrials = [...lanes.values()].reduce((sum, lane) => sum + Math.max(0, planned(lane.trial) - laneSamples(lane)), 0);
    const samplesRunning = [...lanes.values()].reduce((sum, lane) => sum + laneSamples(lane), 0);
    const left = secondsLeft();
    const estimate = studyEta({
      elapsedSeconds,
      samplesDone: samplesEnded + samplesRunning,
      samplesLeftInTrial: samplesLeftInTrials,
      samplesPerTrial,
      ...(config.budget.trials !== undefined ? { trialsLeft: config.budget.trials - done - runningCount() } : {}),
      ...(left !== undefined ? { secondsLeft: left } : {}),
    });
    const eta = estimate.seconds;
    const first = running[0];
    options.onProgress?.({
      studyId: study.id,
      trialIndex: first?.trialIndex ?? lastIndex,
      trialsDone: done,
      ...(config.budget.trials !== undefined ? { trialsBudget: config.budget.trials } : {}),
      ...(first?.trial ? { trial: first.trial } : {}),
      ...(running.length > 0 ? { running } : {}),
      elapsedSeconds,
      ...(eta !== undefined ? { etaSeconds: Math.max(0, eta) } : {}),
      ...(estimate.finishing ? { finishing: true } : {}),
    });
  };

  // Trials the user queued run even when the budget is spent: the budget bounds the search's own proposals.
  const enqueueRequested = async (): Promise<void> => {
    for (let requested = options.takeRequested?.(); requested; requested = options.takeRequested?.()) {
      await write(requestedTrial(study, trials.length, requested));
    }
  };
  /**
   * The next trial to train, as `running`, from every trial of the study: a queued one first, else
   * the strategy's proposal (the running trials pending) while the budget allows; undefined when none.
   */
  const chooseNext = (all: readonly StudyTrial[]): StudyTrial | undefined => {
    trials = [...all];
    const queued = trials.find((t) => t.status === 'queued');
    if (queued) return { id: queued.id, studyId: study.id, index: queued.index, status: 'running', architecture: queued.architecture, hyperparameters: queued.hyperparameters };
    if (!budgetLeft()) return undefined;
    const index = trials.reduce((next, t) => Math.max(next, t.index + 1), 0);
    const pending = trials.filter((t) => t.status === 'running').map(candidateOf);
    const history = trials.filter((t) => t.status !== 'running').map((t) => observationOf(t, config));
    const [candidate] = strategy.proposeBatch(history, pending, 1, createRng(config.seed).fork(`proposal/${index}`));
    return { id: trialIdFor(study.id, index), studyId: study.id, index, status: 'running', architecture: candidate!.architecture, hyperparameters: hyperparameters(config, candidate!, index) };
  };
  /** Claims the next trial: in the shared store's transaction, or here. */
  const claim = async (): Promise<StudyTrial | undefined> => {
    if (!shared) {
      const next = chooseNext(trials);
      if (next) await write(next);
      return next;
    }
    const { trials: stored, claimed } = await shared.claimTrial(study.id, chooseNext);
    trials = [...stored];
    if (claimed) {
      run.running.set(claimed.id, claimed);
      options.onTrial?.(claimed);
    }
    return claimed;
  };

  /** Trains one claimed trial on `trainer` and writes how it ended. Throws only what the storage throws. */
  const trainOne = async (trainer: TrialTrainer, base: StudyTrial, ownBytes: readonly [number, number]): Promise<void> => {
    const lost = new AbortController();
    const trialSignal = AbortSignal.any([stopSignal, lost.signal]);
    // A heartbeat that finds the trial marked failed (this worker was thought dead) stops it unwritten.
    const beat = shared
      ? setInterval(() => {
          shared.heartbeat(base.id).then(
            (ours) => {
              if (!ours) lost.abort();
            },
            () => undefined, // a dropped connection: the next beat tries again
          );
        }, shared.heartbeatSeconds * 1000)
      : undefined;
    lanes.set(base.index, { trial: base, phasesEnded: 0, phase: undefined });
    progress();
    let trainedJob: TrainedJob;
    const { hyperparameters: h } = base;
    const job: TrialJob = {
      id: base.id,
      architecture: base.architecture,
      targets: problem.targets,
      epochs: h.epochs,
      batchSize: h.batchSize,
      learningRate: h.learningRate,
      warmupEpochs: h.warmupEpochs ?? 0,
      seed: h.seed,
      pruning: { method: h.pruning.method, sparsity: h.pruning.sparsity, fineTuneEpochs: h.pruning.fineTuneEpochs },
      ...(config.earlyStopping === true ? { earlyStopping: { ownBytes, earlier: curves() } } : {}),
    };
    try {
      try {
        trainedJob = await trainer.train(job, {
          onProgress: (p) => {
            seen(base.index, p);
            progress();
          },
          signal: trialSignal,
          gate,
        });
      } catch (error) {
        laneEnded(base.index);
        if (error instanceof TrialAbortedError || trialSignal.aborted) {
          if (lost.signal.aborted) run.running.delete(base.id);
          else await write({ ...base, status: 'queued' });
          return;
        }
        // A failed trial is recorded and the study goes on (issue 4); storage errors are not caught.
        await write({ ...base, status: 'failed', error: messageOf(error) });
        progress();
        return;
      }
    } finally {
      clearInterval(beat);
    }
    try {
      const { dataset: _dataset, id: _id, ...measured } = trainedJob.record;
      // Completed, or stopped early by the multi-fidelity rule (then never on the front, so no weights kept).
      const finished: StudyTrial = { ...base, ...measured };
      const onFront = paretoFrontIds([...trials.filter((t) => t.id !== base.id), finished], config).includes(base.id);
      const weights = options.keepWeights && onFront ? await trainedJob.getWeights() : undefined;
      await write(finished, weights);
      // Trials only leave the front: weights kept earlier (this trial's too, if another ended meanwhile) go when they leave.
      const nextFront = new Set(paretoFrontIds(trials, config));
      const left = [...front, ...(weights ? [base.id] : [])].filter((trialId) => !nextFront.has(trialId));
      front = nextFront;
      if (options.keepWeights && left.length > 0) await store.deleteWeights(left);
    } finally {
      trainedJob.dispose();
    }
    laneEnded(base.index);
    lastIndex = base.index;
    progress();
  };

  const idle = [...trainers];
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  // Requests are taken before every check of the budget, so that one made during the last trial
  // still runs; after a stop they stay queued for the resume.
  for (;;) {
    await enqueueRequested();
    while (idle.length > 0 && !stopSignal.aborted) {
      if (!(trials.some((t) => t.status === 'queued') || budgetLeft() || shared)) break;
      await gate.wait(stopSignal);
      if (stopSignal.aborted) break;
      await enqueueRequested();
      const next = await claim();
      if (!next) break;
      lastIndex = next.index;
      const prediction = problem.predict(candidateOf(next));
      if (!prediction.fits) {
        // The strategies only propose candidates that fit; this guards what a resumed queue holds.
        const reasons = prediction.verdicts.flatMap((v, i) => (v.fits ? [] : explainVerdict(v, problem.targets[i]!)));
        await write({ ...next, status: 'skipped', skipReason: `predicted not to fit: ${reasons.join('; ')}` });
        continue;
      }
      const trainer = idle.pop()!;
      const lane: Promise<void> = trainOne(trainer, next, [prediction.flashBytes, prediction.sramBytes])
        .catch((error: unknown) => {
          failure ??= { error };
          stopAll.abort();
        })
        .finally(() => {
          idle.push(trainer);
          running.delete(lane);
        });
      running.add(lane);
    }
    if (running.size === 0) {
      // On a shared study, trials of other workers may still run: their slots come back if they are lost.
      const othersRunning = shared !== undefined && trials.some((t) => t.status === 'running') && timeLeft();
      const othersMayFree = othersRunning && (config.budget.trials === undefined || trained() < config.budget.trials);
      if (stopSignal.aborted || !othersMayFree) break;
      await sleep(shared!.heartbeatSeconds * 1000, stopSignal);
      continue;
    }
    await Promise.race(running);
  }
  if (failure) throw failure.error;
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
