/**
 * The study loop's storage (the engine's StudyStore: listTrials, saveTrial, deleteWeights,
 * updateStudy) over IndexedDB, for the search worker. It matches that interface by shape, since
 * src/db may not import src/engine.
 */
import type { Study, StudyTrial } from '../contracts/study.ts';
import type { StoredOpWeights } from '../contracts/weights.ts';
import type { StudyDatabase } from './schema.ts';
import { updateStudy } from './studies.ts';
import { listTrials, saveTrial } from './trials.ts';
import { deleteWeights } from './weights.ts';

export interface IndexedDbStudyStore {
  listTrials(studyId: string): Promise<StudyTrial[]>;
  saveTrial(trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void>;
  deleteWeights(trialIds: readonly string[]): Promise<void>;
  /** Stores the study's status and config; its id, createdAt are kept and updatedAt is stamped. */
  updateStudy(study: Study): Promise<Study>;
}

export function indexedDbStudyStore(db: StudyDatabase): IndexedDbStudyStore {
  return {
    listTrials: (studyId) => listTrials(db, studyId),
    saveTrial: async (trial, weights) => {
      await saveTrial(db, trial, weights === undefined ? {} : { weights });
    },
    deleteWeights: (trialIds) => deleteWeights(db, trialIds),
    updateStudy: (study) => updateStudy(db, study.id, { status: study.status, config: study.config }),
  };
}
