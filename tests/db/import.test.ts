import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { StudyDocument } from '../../src/contracts/study.ts';
import { StudyDocumentError, buildStudyDocument, parseStudyDocument, serializeStudyDocument } from '../../src/contracts/study-document.ts';
import { importStudyDocument, importedEnd, importedStatus } from '../../src/db/import.ts';
import { StorageError } from '../../src/db/errors.ts';
import { createStudy, getStudy } from '../../src/db/studies.ts';
import { listTrials, saveTrial } from '../../src/db/trials.ts';
import { config, documentOf, environment, study, studyId, trials } from '../contracts/study-fixture.ts';
import { freshDatabase, quotaAtOnce, replaceWrite, snapshot } from './helpers.ts';

const now = new Date('2026-11-06T08:00:00.000Z');

describe('importing a study document', () => {
  it('stores it as a new, stopped study with all its trials', async () => {
    const db = await freshDatabase();
    const doc = parseStudyDocument(serializeStudyDocument(documentOf()), 'study.json');
    const imported = await importStudyDocument(db, doc, { now });
    expect(imported.renamed).toBe(false);
    expect(imported.study).toEqual({
      id: studyId,
      config,
      status: 'stopped',
      statusReason: 'imported from a file of a study that had not finished; resume it to go on',
      createdAt: doc.study.createdAt,
      updatedAt: now.toISOString(),
    });
    expect(await getStudy(db, studyId)).toEqual(imported.study);
    expect(await listTrials(db, studyId)).toEqual(trials);
    expect(imported.paretoFront).toEqual(doc.paretoFront);
    db.close();
  });

  it('keeps a finished study finished: from the document\'s status, or a spent trial budget in an older file (issue 13)', async () => {
    const db = await freshDatabase();
    const done = buildStudyDocument({ ...study, id: 'study-done', status: 'completed' }, trials.map((t) => ({ ...t, studyId: 'study-done', id: `study-done.${t.index}` })), [], environment);
    expect(done.study.status).toBe('completed');
    expect((await importStudyDocument(db, parseStudyDocument(serializeStudyDocument(done), 'done.json'), { now })).study.status).toBe('completed');
    // Without a status: 'stopped' while a trial waits or the budget is not spent, 'completed' when it is.
    const finishedTrials = trials.filter((t) => t.status !== 'queued' && t.status !== 'running');
    const older = (budget: { trials?: number; minutes?: number }, list = finishedTrials) => ({
      ...documentOf(),
      study: { id: 'study-old', createdAt: study.createdAt, config: { ...config, budget } },
      trials: list.map(({ studyId: _s, ...t }) => t),
    });
    expect(importedStatus(older({ trials: 4 }))).toBe('completed');
    expect(importedStatus(older({ trials: 5 }))).toBe('stopped');
    expect(importedStatus(older({ minutes: 2 }))).toBe('stopped');
    expect(importedStatus(older({ trials: 4 }, trials))).toBe('stopped');
    expect(importedEnd(older({ trials: 4 }))).toEqual({ status: 'completed', statusReason: 'the budget of 4 trials is spent' });
    db.close();
  });

  it('keeps a failed study failed, with its reason (issue 14)', async () => {
    const db = await freshDatabase();
    const reason = 'every trial failed: evaluate: the validation set has no images';
    const failed = buildStudyDocument({ ...study, status: 'failed', statusReason: reason }, trials, [], environment);
    const imported = await importStudyDocument(db, parseStudyDocument(serializeStudyDocument(failed), 'failed.json'), { now });
    expect(imported.study).toMatchObject({ status: 'failed', statusReason: reason });
    expect(await getStudy(db, imported.study.id)).toEqual(imported.study);
    db.close();
  });

  it('gives fresh ids instead of overwriting when the study or its trial ids are taken', async () => {
    const db = await freshDatabase();
    const doc = documentOf();
    await importStudyDocument(db, doc, { now });
    const before = await snapshot(db);
    const again = await importStudyDocument(db, doc, { now });
    expect(again.renamed).toBe(true);
    const newId = again.study.id;
    expect(newId).not.toBe(studyId);
    expect(again.paretoFront).toEqual([`${newId}.0`, `${newId}.3`]);
    expect(again.trialIds.get(`${studyId}.4`)).toBe(`${newId}.4`);
    expect(await listTrials(db, newId)).toEqual(trials.map((t) => ({ ...t, id: `${newId}.${t.index}`, studyId: newId })));
    const after = await snapshot(db);
    expect(after.studies).toEqual(expect.arrayContaining(before.studies));
    expect(after.trials).toEqual(expect.arrayContaining(before.trials));

    // A trial id taken by another study is enough to rename.
    const other = await freshDatabase();
    await createStudy(other, config, { id: 'study-x' });
    await saveTrial(other, { ...trials[5]!, studyId: 'study-x' });
    expect((await importStudyDocument(other, doc)).renamed).toBe(true);
    db.close();
    other.close();
  });

  it('touches nothing already stored when the document is refused', async () => {
    const db = await freshDatabase();
    await importStudyDocument(db, documentOf(), { now });
    const before = await snapshot(db);
    const tampered = JSON.parse(serializeStudyDocument(documentOf())) as { study: { id: string }; trials: { metrics?: { testAccuracy: number } }[] };
    tampered.study.id = 'study-new';
    tampered.trials[3]!.metrics!.testAccuracy = 1.5;
    const error = await importStudyDocument(db, tampered as unknown as StudyDocument, { fileName: 'shared.json' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StudyDocumentError);
    expect((error as Error).message).toBe('shared.json: trials[3].metrics.testAccuracy: must be a number from 0 to 1, got 1.5');
    expect(await snapshot(db)).toEqual(before);
    db.close();
  });

  it('stores nothing of a document when a write fails halfway (a full storage on the fourth trial)', async () => {
    const db = await freshDatabase();
    await createStudy(db, config, { id: 'study-kept' });
    const before = await snapshot(db);
    const restore = replaceWrite('add', 'trials', quotaAtOnce, 4);
    try {
      const error = await importStudyDocument(db, documentOf(), { fileName: 'shared.json' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as Error).message).toBe(
        "the browser's storage for this page is full: could not import shared.json; free space on this computer or delete old studies (export them first to keep them)",
      );
    } finally {
      restore();
    }
    expect(await snapshot(db)).toEqual(before);
    expect(await getStudy(db, studyId)).toBeUndefined();
    db.close();
  });
});
