/** The study loop's storage (StudyStore: listTrials, saveTrial, deleteWeights, updateStudy) over IndexedDB, for the search worker. */
import type { StudyStore } from '../contracts/study.ts';
import type { StudyDatabase } from './schema.ts';
import { updateStudy } from './studies.ts';
import { listTrials, saveTrial } from './trials.ts';
import { deleteWeights } from './weights.ts';

export function indexedDbStudyStore(db: StudyDatabase): StudyStore {
  return {
    listTrials: (studyId) => listTrials(db, studyId),
    saveTrial: async (trial, weights) => {
      await saveTrial(db, trial, weights === undefined ? {} : { weights });
    },
    deleteWeights: (trialIds) => deleteWeights(db, trialIds),
    updateStudy: (study) =>
      updateStudy(db, study.id, { status: study.status, ...(study.statusReason !== undefined ? { statusReason: study.statusReason } : {}), config: study.config }),
  };
}
