/** The CLI's store in memory keeps the browser store's rule: a trial that ended never goes back (issue 14). */
import { describe, expect, it } from 'vitest';

import { MemoryStudyStore } from '../../src/engine/memory-store.ts';
import { study, trials } from '../contracts/study-fixture.ts';

describe('MemoryStudyStore', () => {
  it('refuses to write a completed trial back as running, keeps it, and tells nobody of the refused write', async () => {
    const completed = { ...trials[0]!, status: 'completed' as const };
    const writes: number[] = [];
    const store = new MemoryStudyStore(study, (_s, all) => void writes.push(all.length));
    await store.saveTrial(completed);
    await expect(store.saveTrial({ ...completed, status: 'running' })).rejects.toThrow(
      `could not save trial 0 ("${completed.id}") of the study "${completed.studyId}": trial 0 ("${completed.id}") is stored as completed; a trial that ended is never written back as running`,
    );
    expect(store.trials).toEqual([completed]);
    expect(writes).toEqual([1]);
  });
});
