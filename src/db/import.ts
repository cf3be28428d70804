/**
 * Importing a study document (already parsed and checked by parseStudyDocument) as a new study.
 * Everything is written in one transaction, and only with `add`, so an import either stores the
 * whole study or nothing, and never overwrites a stored study or trial.
 */
import { type Study, type StudyDocument, type StudyTrial, trialBudgetSpent } from '../contracts/study.ts';
import { validateStudyDocument } from '../contracts/study-document.ts';
import { newStudyId, trialIdFor } from '../contracts/study-ids.ts';
import { inTransaction, writeAll } from './errors.ts';
import type { StudyDatabase } from './schema.ts';

export interface ImportedStudy {
  readonly study: Study;
  /** The document's trial ids → the stored ones (the same unless the ids were taken). */
  readonly trialIds: ReadonlyMap<string, string>;
  /** The document's Pareto front, with the stored trial ids. */
  readonly paretoFront: readonly string[];
  /** True when the study or one of its trials had an id already stored, and fresh ids were given. */
  readonly renamed: boolean;
}

export interface ImportOptions {
  readonly now?: Date;
  /** For messages: the file the document came from. */
  readonly fileName?: string;
}

/**
 * How an imported study stands: as the document says it ended ('completed' or 'failed'), or (for a
 * file without `study.status`) 'completed' when its trial budget is spent and no trial waits;
 * otherwise 'stopped' (it is not running here; resuming it goes on from its trials). A time budget
 * cannot be judged from the trials, so such an older file is 'stopped'.
 */
export function importedStatus(doc: StudyDocument): 'completed' | 'stopped' | 'failed' {
  return importedEnd(doc).status;
}

/** importedStatus, with the reason in words: the document's, or one said here for an older file. */
export function importedEnd(doc: StudyDocument): { status: 'completed' | 'stopped' | 'failed'; statusReason?: string } {
  const { status, statusReason } = doc.study;
  if (status !== undefined) return { status, ...(statusReason !== undefined ? { statusReason } : {}) };
  const budget = doc.study.config.budget.trials;
  const unfinished = { status: 'stopped', statusReason: 'imported from a file of a study that had not finished; resume it to go on' } as const;
  if (budget === undefined || doc.trials.some((t) => t.status === 'queued' || t.status === 'running')) return unfinished;
  // Counted as the study loop counts its budget: a trial stopped early spent part of it too.
  const trained = doc.trials.filter((t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed').length;
  return trained >= budget ? { status: 'completed', statusReason: trialBudgetSpent(budget) } : unfinished;
}

/**
 * Stores `doc` as a new study, finished or stopped (importedStatus). If its id, or any of its trial ids, is already stored, the imported study gets
 * a fresh id and its trials ids of the form `<study id>.<index>`, instead of overwriting anything.
 */
export async function importStudyDocument(db: StudyDatabase, doc: StudyDocument, options: ImportOptions = {}): Promise<ImportedStudy> {
  const fileName = options.fileName ?? 'the study document';
  const action = `import ${fileName}`;
  // Checked again here, before the transaction (a StudyDocumentError): the type says "parsed", this makes sure of it.
  const checked = validateStudyDocument(doc, fileName);
  const now = (options.now ?? new Date()).toISOString();
  const tx = db.transaction(['studies', 'trials'], 'readwrite');
  return inTransaction(tx, action, async () => {
    const studies = tx.objectStore('studies');
    const trialStore = tx.objectStore('trials');
    const taken = await Promise.all([studies.getKey(checked.study.id), ...checked.trials.map((trial) => trialStore.getKey(trial.id))]);
    const renamed = taken.some((key) => key !== undefined);
    const studyId = renamed ? newStudyId() : checked.study.id;
    const trialIds = new Map(checked.trials.map((trial) => [trial.id, renamed ? trialIdFor(studyId, trial.index) : trial.id]));
    const study: Study = { id: studyId, config: checked.study.config, ...importedEnd(checked), createdAt: checked.study.createdAt, updatedAt: now };
    const trials = checked.trials.map((trial): StudyTrial => ({ ...trial, id: trialIds.get(trial.id)!, studyId }));
    await writeAll([() => studies.add(study), ...trials.map((trial) => () => trialStore.add(trial))]);
    return { study, trialIds, paretoFront: checked.paretoFront.map((id) => trialIds.get(id)!), renamed };
  });
}
