/**
 * What a database upgrade repaired or set aside (schema.ts: an upgrade never aborts on the user's
 * data). The page shows the notes, in words, until the user dismisses them; the records set aside
 * stay in the database, as they were, whatever happens to the notes.
 */
import { inTransaction, reading } from './errors.ts';
import type { RepairNote, SetAsideRecord, StudyDatabase } from './schema.ts';

/** The notes still to show, the oldest first. */
export function listRepairs(db: StudyDatabase): Promise<RepairNote[]> {
  return reading('read the notes of the last database upgrade', () => db.getAll('repairs'));
}

/** Removes the note `id` once the user has read it (the record it set aside is kept). */
export async function dismissRepair(db: StudyDatabase, id: number): Promise<void> {
  const tx = db.transaction('repairs', 'readwrite');
  await inTransaction(tx, 'dismiss a note of the database upgrade', () => tx.store.delete(id));
}

/** Every record an upgrade set aside, the oldest first. */
export function listSetAside(db: StudyDatabase): Promise<SetAsideRecord[]> {
  return reading('read the records set aside by a database upgrade', () => db.getAll('setAside'));
}
