/**
 * A StudyStore in memory, for the Node CLI: it keeps the study and its trials and tells the caller
 * after every write, so that the CLI can rewrite its study file as each trial ends. Weights of
 * Pareto-front trials go to `weights`, when given (the CLI writes them next to the study file).
 */
import { type Study, type StudyTrial, trialReplacementProblem } from '../contracts/study.ts';
import type { StoredOpWeights } from '../contracts/weights.ts';
import type { StudyStore } from './study-runner.ts';

/** Where a MemoryStudyStore sends the weights it is given, and which it is told to drop. */
export interface WeightsSink {
  save(trial: StudyTrial, weights: readonly StoredOpWeights[]): void | Promise<void>;
  delete(trialIds: readonly string[]): void | Promise<void>;
}

export class MemoryStudyStore implements StudyStore {
  #study: Study;
  readonly #trials = new Map<string, StudyTrial>();

  constructor(
    study: Study,
    readonly onChange: (study: Study, trials: readonly StudyTrial[]) => void | Promise<void> = () => {},
    readonly weights?: WeightsSink,
    /** The trials it starts with: those of a study file the CLI resumes. */
    trials: readonly StudyTrial[] = [],
  ) {
    this.#study = study;
    for (const trial of trials) this.#trials.set(trial.id, trial);
  }

  get study(): Study {
    return this.#study;
  }

  get trials(): StudyTrial[] {
    return [...this.#trials.values()].sort((a, b) => a.index - b.index);
  }

  async listTrials(studyId: string): Promise<StudyTrial[]> {
    return this.trials.filter((t) => t.studyId === studyId);
  }

  async saveTrial(trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void> {
    // The same rule as the browser's store (src/db/trials.ts): a trial that ended never goes back.
    const problem = trialReplacementProblem(this.#trials.get(trial.id), trial);
    if (problem !== undefined) throw new Error(`could not save trial ${trial.index} ("${trial.id}") of the study "${trial.studyId}": ${problem}`);
    // The weights first: a study file that names a front trial should find its weights.
    if (weights !== undefined) await this.weights?.save(trial, weights);
    this.#trials.set(trial.id, trial);
    this.#study = { ...this.#study, updatedAt: new Date().toISOString() };
    await this.onChange(this.#study, this.trials);
  }

  async deleteWeights(trialIds: readonly string[]): Promise<void> {
    await this.weights?.delete(trialIds);
  }

  async updateStudy(study: Study): Promise<Study> {
    this.#study = { ...study, updatedAt: new Date().toISOString() };
    await this.onChange(this.#study, this.trials);
    return this.#study;
  }
}
