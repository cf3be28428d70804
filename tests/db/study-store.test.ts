import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { StudyStore } from '../../src/engine/study-runner.ts';
import { indexedDbStudyStore } from '../../src/db/study-store.ts';
import { createStudy, getStudy } from '../../src/db/studies.ts';
import { getWeights } from '../../src/db/weights.ts';
import { config, trials } from '../contracts/study-fixture.ts';
import { freshDatabase } from './helpers.ts';
import { opWeights } from './weights-fixture.ts';

describe('the study loop’s storage over IndexedDB', () => {
  it('is the engine’s StudyStore: saves trials with weights, drops weights, updates the study', async () => {
    const db = await freshDatabase();
    const study = await createStudy(db, config, { id: 'study-s' });
    const store: StudyStore = indexedDbStudyStore(db);
    const first = { ...trials[0]!, id: 'study-s.0', studyId: 'study-s' };
    await store.saveTrial(first, opWeights());
    await store.saveTrial({ ...trials[1]!, id: 'study-s.1', studyId: 'study-s' });
    expect((await store.listTrials('study-s')).map((t) => t.id)).toEqual(['study-s.0', 'study-s.1']);
    expect(await getWeights(db, 'study-s.0')).toBeDefined();
    await store.deleteWeights(['study-s.0']);
    expect(await getWeights(db, 'study-s.0')).toBeUndefined();
    const stopped = await store.updateStudy({ ...study, status: 'stopped' });
    expect(await getStudy(db, 'study-s')).toEqual(stopped);
    expect(stopped.status).toBe('stopped');
    db.close();
  });
});
