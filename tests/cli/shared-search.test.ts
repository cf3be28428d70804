/**
 * Many processes on one study in PostgreSQL (issue 15), as a user runs them: the real
 * `npm run search -- --storage URL --study NAME` in separate Node processes against the run's
 * throwaway cluster. Faults: two workers started at the same instant on a study that does not exist
 * yet, one killed with SIGKILL mid-trial, every connection dropped by the server mid-run. In every
 * case the study finishes its budget and every trial is stored exactly once; a killed worker's
 * trial is marked failed after the grace period and its slot proposed again. Then the study is
 * written out with `npm run export -- --storage` and read back as the page reads an import.
 */
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import 'fake-indexeddb/auto';
import { parseStudyDocument } from '../../src/contracts/study-document.ts';
import { importStudyDocument } from '../../src/db/import.ts';
import { listTrials } from '../../src/db/trials.ts';
import { freshDatabase as freshBrowserDatabase } from '../db/helpers.ts';
import { type StudyTrial, spentBudget } from '../../src/contracts/study.ts';
import { parseWeightsFile } from '../../src/contracts/weights-file.ts';
import { createDatabase } from '../fixtures/postgres-cluster.ts';
import { type CliProcess, startCli } from './run-cli.ts';

const budget = 8;
/** Short heartbeats so that a lost worker is noticed within seconds. */
const beats = ['--heartbeat-seconds', '0.5', '--grace-seconds', '5'];
const studyArgs = (url: string, name: string): string[] => [
  '--storage', url, '--study', name, '--dataset', 'digits', '--target', 'arduino-uno', '--strategy', 'random', '--trials', String(budget), '--epochs', '2', '--seed', '3', ...beats,
];

type Worker = CliProcess;
const startWorker = (args: readonly string[], command = 'src/cli/search.ts'): Worker => startCli(command, args);

const pools: pg.Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.end()));
});
let counter = 0;
async function freshDatabase(): Promise<{ url: string; db: pg.Pool }> {
  const url = await createDatabase(inject('postgresUrl'), `cli_${process.pid}_${Date.now() % 1e6}_${counter++}`);
  const db = new pg.Pool({ connectionString: url });
  db.on('error', () => undefined);
  pools.push(db);
  return { url, db };
}

interface Row {
  readonly worker: string | null;
  readonly record: StudyTrial;
}
const rowsOf = async (db: pg.Pool): Promise<Row[]> => (await db.query<Row>('SELECT worker, record FROM trials ORDER BY trial_index')).rows;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `check` holds on the trials, or throws after `ms`. */
async function until(db: pg.Pool, check: (rows: Row[]) => boolean, ms: number, what: string): Promise<Row[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const rows = await db.query<Row>('SELECT worker, record FROM trials ORDER BY trial_index').then((r) => r.rows, () => [] as Row[]);
    if (check(rows)) return rows;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; trials: ${rows.map((r) => `${r.record.index}:${r.record.status}`).join(' ')}`);
    await sleep(50);
  }
}

/** The study is whole: its budget met by trials each stored once, at indices 0…n−1, and it ended completed. */
async function expectWhole(db: pg.Pool): Promise<Row[]> {
  const rows = await rowsOf(db);
  const trials = rows.map((r) => r.record);
  expect(trials.map((t) => t.index)).toEqual(trials.map((_, i) => i));
  expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
  expect(trials.filter(spentBudget)).toHaveLength(budget);
  expect(trials.filter((t) => t.status === 'running' || t.status === 'queued')).toEqual([]);
  const study = (await db.query('SELECT status, status_reason FROM studies')).rows;
  expect(study).toEqual([{ status: 'completed', status_reason: `the budget of ${budget} trials is spent` }]);
  return rows;
}

describe('npm run search -- --storage URL --study NAME, with several processes', () => {
  it('two workers started at the same instant create one study and share its budget; export writes it for the page', { timeout: 150_000 }, async () => {
    const { url, db } = await freshDatabase();
    const started = performance.now();
    const workers = [startWorker(studyArgs(url, 'same-instant')), startWorker(studyArgs(url, 'same-instant'))];
    const ended = await Promise.all(workers.map((w) => w.ended));
    const seconds = (performance.now() - started) / 1000;
    for (const e of ended) expect(e.code, e.stderr).toBe(0);
    expect((await db.query('SELECT count(*)::int AS n FROM studies')).rows).toEqual([{ n: 1 }]);
    const rows = await expectWhole(db);
    expect(rows.every((r) => r.record.status === 'completed' || r.record.status === 'stopped')).toBe(true);
    // Both trained: the trials were shared, not run twice.
    const pids = new Set(rows.map((r) => r.worker!.split(':')[1]));
    expect(pids).toEqual(new Set(workers.map((w) => String(w.child.pid))));
    for (const e of ended) expect(e.stdout).toMatch(/^completed after [\d.]+ min \(the budget of 8 trials is spent\)/);
    console.log(`two workers, one study: ${budget} trials in ${seconds.toFixed(1)} s; trials per worker ${[...pids].map((p) => rows.filter((r) => r.worker!.includes(`:${p}:`)).length).join(' + ')}`);

    // The study as a file: the usual document (the page's import reads it), the front's weights beside it.
    const dir = mkdtempSync(join(tmpdir(), 'shared-export-'));
    const out = join(dir, 's.json');
    const exported = await startWorker(['--storage', url, '--study', 'same-instant', '--out', out], 'src/cli/export.ts').ended;
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stdout).toContain(`wrote the study "same-instant" (completed: the budget of ${budget} trials is spent) to ${out}: ${budget} trials`);
    const doc = parseStudyDocument(readFileSync(out, 'utf8'), 's.json');
    expect(doc.study.status).toBe('completed');
    expect(doc.trials.map((t) => t.id)).toEqual(rows.map((r) => r.record.id));
    expect(doc.paretoFront.length).toBeGreaterThan(0);
    // The page's import (IndexedDB, here fake-indexeddb) takes it whole.
    const page = await freshBrowserDatabase();
    const imported = await importStudyDocument(page, doc);
    expect([imported.study.status, imported.study.statusReason]).toEqual(['completed', `the budget of ${budget} trials is spent`]);
    expect((await listTrials(page, imported.study.id)).map((t) => t.id)).toEqual(rows.map((r) => r.record.id));
    const weightFiles = readdirSync(join(dir, 's.weights')).sort();
    expect(weightFiles).toEqual(doc.paretoFront.map((id) => `${id}.json`).sort());
    for (const file of weightFiles) expect(parseWeightsFile(readFileSync(join(dir, 's.weights', file), 'utf8'), file).studyId).toBe(doc.study.id);
    // Written once, never overwritten unless told.
    const again = await startWorker(['--storage', url, '--study', 'same-instant', '--out', out], 'src/cli/export.ts').ended;
    expect([again.code, again.stderr.trim()]).toEqual([2, `export: "${out}" already exists; add --force to overwrite it (and ${join(dir, 's.weights')}/)`]);
  });

  it('a worker killed with SIGKILL mid-trial loses that trial after the grace period; the other proposes the slot again and finishes', { timeout: 150_000 }, async () => {
    const { url, db } = await freshDatabase();
    const victim = startWorker(studyArgs(url, 'kill-9'));
    const survivor = startWorker(studyArgs(url, 'kill-9'));
    const victimTag = `:${victim.child.pid}:`;
    // Mid-trial: the victim has a running trial and has finished at least one before.
    await until(db, (rows) => rows.some((r) => r.worker?.includes(victimTag) && r.record.status === 'running') && rows.some((r) => r.worker?.includes(victimTag) && r.record.status !== 'running'), 90_000, "the victim's second trial");
    const before = await rowsOf(db);
    const killed = before.find((r) => r.worker?.includes(victimTag) && r.record.status === 'running')!.record;
    const completedBefore = before.filter((r) => r.record.status === 'completed').map((r) => r.record.id);
    victim.child.kill('SIGKILL');
    const killedAt = performance.now();
    expect((await victim.ended).signal).toBe('SIGKILL');
    // Marked failed after the grace period (5 s from its last heartbeat, at most 0.5 s before the kill), not before.
    await until(db, (rows) => rows.some((r) => r.record.id === killed.id && r.record.status === 'failed'), 60_000, 'the lost trial to be failed');
    const lostAfter = (performance.now() - killedAt) / 1000;
    expect(lostAfter).toBeGreaterThanOrEqual(4.4);
    const done = await survivor.ended;
    expect(done.code, done.stderr).toBe(0);
    const rows = await expectWhole(db);
    const lost = rows.find((r) => r.record.id === killed.id)!.record;
    expect([lost.status, lost.workerLost]).toEqual(['failed', true]);
    expect(lost.error).toMatch(/^its worker \(.+\) sent no heartbeat for 5 s: it stopped or lost its connection during the trial; the slot is proposed again$/);
    // Nothing the victim finished was lost or trained again.
    for (const id of completedBefore) expect(rows.find((r) => r.record.id === id)!.record.status).toBe('completed');
    expect(rows.filter((r) => r.record.status === 'failed')).toHaveLength(1);
    // The slot came back: one more trial than the budget is stored, the lost one not counted.
    expect(rows).toHaveLength(budget + 1);
    console.log(`kill -9: trial ${killed.index} marked failed ${lostAfter.toFixed(1)} s after the kill, study finished ${((performance.now() - killedAt) / 1000).toFixed(1)} s after the kill`);
  });

  it('every connection dropped by the server mid-run costs no trial: both workers finish the budget', { timeout: 150_000 }, async () => {
    const { url, db } = await freshDatabase();
    const workers = [startWorker(studyArgs(url, 'dropped')), startWorker(studyArgs(url, 'dropped'))];
    await until(db, (rows) => rows.filter((r) => r.record.status === 'running').length === 2, 90_000, 'two running trials');
    let dropped = 0;
    for (let round = 0; round < 4; round++) {
      const killed = await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sparse-search'`);
      dropped += killed.rowCount ?? 0;
      await sleep(700);
    }
    expect(dropped).toBeGreaterThan(0);
    const ended = await Promise.all(workers.map((w) => w.ended));
    for (const e of ended) expect(e.code, e.stderr).toBe(0);
    const rows = await expectWhole(db);
    expect(rows.filter((r) => r.record.status === 'failed').map((r) => r.record.error)).toEqual([]);
    console.log(`dropped connections: ${dropped} killed by the server, ${rows.length} trials, none lost`);
  });

  it('refuses, in words, options that contradict the stored study, and a study name without storage', { timeout: 90_000 }, async () => {
    const { url } = await freshDatabase();
    const first = await startWorker([...studyArgs(url, 'settled').map((a) => (a === String(budget) ? '1' : a))]).ended;
    expect(first.code, first.stderr).toBe(0);
    const other = await startWorker(['--storage', url, '--study', 'settled', '--strategy', 'mobo']).ended;
    expect([other.code, other.stderr.trim()]).toEqual([
      2,
      'search: cannot join the study "settled" with --strategy mobo (it uses random): its settings come from the database; leave that option out, or choose another --study NAME',
    ]);
    const noStorage = await startWorker(['--study', 'settled']).ended;
    expect([noStorage.code, noStorage.stderr.trim()]).toEqual([2, 'search: --study NAME names a study in a shared database: give --storage postgres://USER@HOST/DATABASE too (see --help)']);
    const missing = await startWorker(['--storage', url, '--study', 'new-one']).ended;
    expect([missing.code, missing.stderr.trim()]).toEqual([2, 'search: the database has no study "new-one" yet: give --dataset ID and --target ID to create it']);
    const exportMissing = await startWorker(['--storage', url, '--study', 'nope', '--out', join(tmpdir(), 'never-written.json')], 'src/cli/export.ts').ended;
    expect([exportMissing.code, exportMissing.stderr.trim()]).toEqual([1, 'export: the database has no study named "nope"; its studies are "settled"']);
    // Joining a study that has ended says so and trains nothing.
    const late = await startWorker(['--storage', url, '--study', 'settled']).ended;
    expect(late.code, late.stderr).toBe(0);
    expect(late.stdout).toMatch(/^completed after 0\.0 min \(it had already ended: the budget of 1 trial is spent\): 1 completed/);
  });
});
