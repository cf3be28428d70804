/**
 * A StudyStore in memory, for the Node CLI: it keeps the study and its trials and tells the caller
 * after every write, so that the CLI can rewrite its study file as each trial ends.
 */
import type { Study, StudyTrial } from '../contracts/study.ts';
import type { StudyStore } from './study-runner.ts';

export class MemoryStudyStore implements StudyStore {
  #study: Study;
  readonly #trials = new Map<string, StudyTrial>();

  constructor(
    study: Study,
    readonly onChange: (study: Study, trials: readonly StudyTrial[]) => void | Promise<void> = () => {},
  ) {
    this.#study = study;
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

  async saveTrial(trial: StudyTrial): Promise<void> {
    this.#trials.set(trial.id, trial);
    this.#study = { ...this.#study, updatedAt: new Date().toISOString() };
    await this.onChange(this.#study, this.trials);
  }

  async deleteWeights(): Promise<void> {}

  async updateStudy(study: Study): Promise<Study> {
    this.#study = { ...study, updatedAt: new Date().toISOString() };
    await this.onChange(this.#study, this.trials);
    return this.#study;
  }
}
