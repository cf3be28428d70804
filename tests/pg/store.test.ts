/**
 * The PostgreSQL store of shared studies (issue 15) against a real server (the run's throwaway
 * cluster, a database per test): the versioned schema, claims that never hand one slot to two
 * workers, heartbeats, lost trials, the rule that an ended trial never goes back, the study's end
 * stored by the last worker, and writes that survive a killed connection.
 */
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type Study, type StudyConfig, type StudyTrial, TrialLostError } from '../../src/contracts/study.ts';
import { trialIdFor } from '../../src/contracts/study-ids.ts';
import { PgStudyStore, type PgStudyStoreOptions, isTransient, redactUrl } from '../../src/pg/store.ts';
import { pgSchemaVersion } from '../../src/pg/schema.ts';
import { createDatabase } from '../fixtures/postgres-cluster.ts';
import { loopConfig } from '../engine/loop-config.ts';

/** Stored, never trained here. */
const config: StudyConfig = loopConfig({ name: 'shared', pruning: { methods: ['none'], sparsity: { min: 0.3, max: 0.6 } }, budget: { trials: 4 }, seed: 1 });

const studyId = 'study-00000000000000000001';
const newStudy = (): Study => ({ id: studyId, config, status: 'running', createdAt: '2026-12-01T00:00:00.000Z', updatedAt: '2026-12-01T00:00:00.000Z' });
const architecture = { input: { height: 8, width: 8, channels: 1 }, layers: [{ type: 'conv' as const, filters: 4, kernel: 3, stride: 1, padding: 'same' as const }, { type: 'flatten' as const }], classes: 10 };
const trialAt = (index: number, status: StudyTrial['status'] = 'running'): StudyTrial => ({
  id: trialIdFor(studyId, index),
  studyId,
  index,
  status,
  architecture,
  hyperparameters: { epochs: 1, batchSize: 64, learningRate: 3e-3, schedule: 'cosine', seed: 1 + index, pruning: { method: 'none', sparsity: 0, fineTuneEpochs: 0 } },
  ...(status === 'failed' ? { error: 'it broke' } : {}),
});
/** What a worker's loop would claim: the next index, while fewer than `budget` are stored. */
const nextIndex =
  (budget = 100) =>
  (trials: readonly StudyTrial[]): StudyTrial | undefined =>
    trials.length < budget ? trialAt(trials.length) : undefined;

let counter = 0;
const open: PgStudyStore[] = [];
const pools: pg.Pool[] = [];
async function freshUrl(): Promise<string> {
  return createDatabase(inject('postgresUrl'), `store_${process.pid}_${Date.now() % 1e6}_${counter++}`);
}
async function storeOn(url: string, options: PgStudyStoreOptions = {}): Promise<PgStudyStore> {
  const store = await PgStudyStore.open(url, options);
  open.push(store);
  return store;
}
function poolOn(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close().catch(() => undefined)));
  await Promise.all(pools.splice(0).map((p) => p.end().catch(() => undefined)));
});

describe('the schema', () => {
  it('is created on first use, at the current version, and opening again changes nothing', async () => {
    const url = await freshUrl();
    await storeOn(url);
    await storeOn(url);
    const db = poolOn(url);
    expect((await db.query('SELECT version FROM sparse_search_schema')).rows).toEqual([{ version: pgSchemaVersion }]);
    const tables = await db.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['sparse_search_schema', 'studies', 'trial_weights', 'trials']);
  });

  it('is created once when eight workers open an empty database at the same instant', async () => {
    const url = await freshUrl();
    await Promise.all(Array.from({ length: 8 }, () => storeOn(url)));
    expect((await poolOn(url).query('SELECT version FROM sparse_search_schema')).rows).toEqual([{ version: pgSchemaVersion }]);
  });

  it('refuses, in words, a database newer than this program and leaves it as it was', async () => {
    const url = await freshUrl();
    await storeOn(url);
    const db = poolOn(url);
    await db.query('UPDATE sparse_search_schema SET version = 99');
    await expect(PgStudyStore.open(url)).rejects.toThrow(`: cannot prepare the database: the database's schema is version 99, newer than this program's (${pgSchemaVersion}); update the program, or use another database`);
    expect((await db.query('SELECT version FROM sparse_search_schema')).rows).toEqual([{ version: 99 }]);
  });

  it('names the server, without its password, when it cannot be reached', async () => {
    await expect(PgStudyStore.open('postgres://someone:secret@127.0.0.1:1/nowhere', { retrySeconds: 0 })).rejects.toThrow(/^postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere: cannot prepare the database: .*ECONNREFUSED/);
    expect(redactUrl('postgres://a:b@h/d')).toBe('postgres://a:***@h/d');
    expect(redactUrl('postgres://a@h/d')).toBe('postgres://a@h/d');
  });
});

describe('a shared study', () => {
  it('is created by one of two workers opening it at the same instant; both get the same study', async () => {
    const url = await freshUrl();
    const [a, b] = [await storeOn(url), await storeOn(url)];
    const made = (id: string) => (): Study => ({ ...newStudy(), id });
    const [first, second] = await Promise.all([a.openStudy('digits-uno', made('study-aaaaaaaaaaaaaaaaaaaa')), b.openStudy('digits-uno', made('study-bbbbbbbbbbbbbbbbbbbb'))]);
    expect([first.created, second.created].sort()).toEqual([false, true]);
    expect(first.study.id).toBe(second.study.id);
    expect(first.study.config).toEqual(config);
    expect(await a.findStudy('missing')).toBeUndefined();
    expect(await a.findStudy('digits-uno')).toEqual(first.study);
    expect(await a.studyNames()).toEqual(['digits-uno']);
  });

  it('hands every slot to exactly one worker when three workers claim 30 times at once', async () => {
    const url = await freshUrl();
    const stores = [await storeOn(url, { worker: 'w1' }), await storeOn(url, { worker: 'w2' }), await storeOn(url, { worker: 'w3' })];
    await stores[0]!.openStudy('race', newStudy);
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => stores[i % 3]!.claimTrial(studyId, nextIndex(24))));
    const claimed = claims.flatMap((c) => (c.claimed ? [c.claimed.index] : []));
    expect(claimed.sort((x, y) => x - y)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    const rows = (await poolOn(url).query('SELECT trial_index, status, worker FROM trials ORDER BY trial_index')).rows;
    expect(rows).toHaveLength(24);
    expect(new Set(rows.map((r) => r.worker))).toEqual(new Set(['w1', 'w2', 'w3']));
    expect(rows.every((r) => r.status === 'running')).toBe(true);
  });

  it("marks a running trial failed once its heartbeat is older than the grace period, and its worker's next beat says so", async () => {
    const url = await freshUrl();
    const dead = await storeOn(url, { worker: 'dead', graceSeconds: 1 });
    const alive = await storeOn(url, { worker: 'alive', graceSeconds: 1 });
    await dead.openStudy('lost', newStudy);
    const { claimed } = await dead.claimTrial(studyId, nextIndex());
    expect(await dead.heartbeat(claimed!.id)).toBe(true);
    // Within the grace period, the trial stays the dead worker's.
    const early = await alive.claimTrial(studyId, () => undefined);
    expect(early.trials.map((t) => t.status)).toEqual(['running']);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const late = await alive.claimTrial(studyId, nextIndex());
    expect(late.trials.map((t) => [t.index, t.status, t.workerLost])).toEqual([
      [0, 'failed', true],
      [1, 'running', undefined],
    ]);
    expect(late.trials[0]!.error).toBe('its worker (dead) sent no heartbeat for 1 s: it stopped or lost its connection during the trial; the slot is proposed again');
    expect(await dead.heartbeat(claimed!.id)).toBe(false);
    expect(await alive.heartbeat(late.claimed!.id)).toBe(true);
  });

  it('never queues again a trial marked lost, but keeps its late result', async () => {
    const url = await freshUrl();
    const slow = await storeOn(url, { worker: 'slow', graceSeconds: 1 });
    const other = await storeOn(url, { worker: 'other', graceSeconds: 1 });
    await slow.openStudy('late', newStudy);
    const { claimed } = await slow.claimTrial(studyId, nextIndex());
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await other.claimTrial(studyId, nextIndex());
    const lost = (await other.listTrials(studyId))[0]!;
    expect([lost.status, lost.workerLost]).toEqual(['failed', true]);
    for (const status of ['queued', 'running'] as const) {
      const late = slow.saveTrial(trialAt(0, status));
      await expect(late).rejects.toBeInstanceOf(TrialLostError);
      await expect(late).rejects.toMatchObject({ stored: lost, message: `trial 0 ("${claimed!.id}") was marked failed while it trained (${lost.error}); it is not queued again` });
    }
    expect((await other.listTrials(studyId))[0]).toEqual(lost);
    // Real work is kept: the result replaces the failed record.
    await slow.saveTrial(trialAt(0, 'completed'));
    expect((await other.listTrials(studyId)).map((t) => [t.index, t.status, t.workerLost])).toEqual([
      [0, 'completed', undefined],
      [1, 'running', undefined],
    ]);
  });

  it('never writes an ended trial back as queued or running, and keeps the stored record', async () => {
    const url = await freshUrl();
    const store = await storeOn(url);
    await store.openStudy('ended', newStudy);
    await store.claimTrial(studyId, nextIndex());
    await store.saveTrial(trialAt(0, 'failed'));
    await expect(store.saveTrial(trialAt(0, 'queued'))).rejects.toThrow(
      `could not save trial 0 ("${studyId}.0"): trial 0 ("${studyId}.0") is stored as failed; a trial that ended is never written back as queued`,
    );
    await expect(store.claimTrial(studyId, () => trialAt(0))).rejects.toThrow('is stored as failed; a trial that ended is never written back as running');
    expect((await store.listTrials(studyId)).map((t) => t.status)).toEqual(['failed']);
  });

  it("stores the study's end only when no other worker's trial still runs", async () => {
    const url = await freshUrl();
    const a = await storeOn(url, { worker: 'a' });
    const b = await storeOn(url, { worker: 'b' });
    const { study } = await a.openStudy('end', newStudy);
    await b.claimTrial(studyId, nextIndex());
    const stopped = await a.endRun({ ...study, status: 'stopped', statusReason: 'stopped by you' });
    expect(stopped.status).toBe('running');
    await b.saveTrial(trialAt(0, 'failed'));
    const ended = await a.endRun({ ...study, status: 'completed', statusReason: 'the budget of 4 trials is spent' });
    expect([ended.status, ended.statusReason]).toEqual(['completed', 'the budget of 4 trials is spent']);
  });

  it('keeps and reads back the weights of a trial, and drops them', async () => {
    const url = await freshUrl();
    const store = await storeOn(url);
    await store.openStudy('weights', newStudy);
    const ops = [{ name: 'layers[0]', kind: 'conv' as const, kernelShape: [3, 3, 1, 1], kernel: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 0.5]), bias: new Float32Array([0.25]), mask: null, logSigma2: null }];
    await store.saveTrial(trialAt(0, 'failed'), ops);
    const [weights] = await store.trialWeights([trialIdFor(studyId, 0)]);
    expect(weights!.trialId).toBe(trialIdFor(studyId, 0));
    expect([...weights!.ops[0]!.kernel]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 0.5]);
    await store.deleteWeights([trialIdFor(studyId, 0)]);
    expect(await store.trialWeights([trialIdFor(studyId, 0)])).toEqual([]);
  });

  it('finishes a write when the server kills its connection, on a new connection', async () => {
    const url = await freshUrl();
    const store = await storeOn(url, { worker: 'w' });
    await store.openStudy('dropped', newStudy);
    const admin = poolOn(url);
    // Every connection of the store is killed while it claims: the claim is tried again and lands once.
    const killer = (async () => {
      for (let i = 0; i < 5; i++) {
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sparse-search'`);
        await new Promise((resolve) => setTimeout(resolve, 15));
      }
    })();
    const claims = [];
    for (let i = 0; i < 10; i++) claims.push(await store.claimTrial(studyId, nextIndex()));
    await killer;
    const rows = (await admin.query('SELECT trial_index FROM trials ORDER BY trial_index')).rows.map((r) => r.trial_index);
    // A claim whose commit was cut off may have landed before its retry: it is a running trial the worker
    // never trains, failed after the grace period; no index is ever taken twice.
    expect(new Set(rows).size).toBe(rows.length);
    expect(rows.length).toBeGreaterThanOrEqual(10);
    expect(claims.every((c) => c.claimed !== undefined)).toBe(true);
  });

  it('tells a connection error from a statement error', () => {
    expect(isTransient(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }))).toBe(true);
    expect(isTransient(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransient(Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }))).toBe(false);
  });
});
