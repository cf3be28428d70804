/**
 * Importing a study document (already parsed and checked by parseStudyDocument) as a new study.
 * Everything is written in one transaction, and only with `add`, so an import either stores the
 * whole study or nothing, and never overwrites a stored study or trial.
 */
import type { Study, StudyDocument, StudyTrial } from '../contracts/study.ts';
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
 * Stores `doc` as a new study with status `stopped` (it is not running here; resuming it goes on
 * from its trials). If its id, or any of its trial ids, is already stored, the imported study gets
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
    const study: Study = { id: studyId, config: checked.study.config, status: 'stopped', createdAt: checked.study.createdAt, updatedAt: now };
    const trials = checked.trials.map((trial): StudyTrial => ({ ...trial, id: trialIds.get(trial.id)!, studyId }));
    await writeAll([() => studies.add(study), ...trials.map((trial) => () => trialStore.add(trial))]);
    return { study, trialIds, paretoFront: checked.paretoFront.map((id) => trialIds.get(id)!), renamed };
  });
}
