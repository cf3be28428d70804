/**
 * A study shared by many processes through PostgreSQL (issue 15), in the manner of Optuna's RDB
 * storage. Every write is one transaction. A claim locks the study's row while it marks lost trials
 * failed, reads every trial and proposes (the proposal needs the whole history, the running trials
 * of other workers as pending, so claims are serialised per study rather than by SKIP LOCKED on
 * trial rows); the claimed trial is stored `running` with this worker's name and a heartbeat. A
 * connection that drops is retried (each write is idempotent: it stores a whole record), so a
 * restarted server or a killed backend costs a pause, not a trial.
 */
import pg from 'pg';
import { hostname } from 'node:os';
import {
  type SharedStudyStore,
  type Study,
  type StudyStatus,
  type StudyTrial,
  type TrialClaim,
  TrialLostError,
  trialReplacementProblem,
} from '../contracts/study.ts';
import type { StoredOpWeights, TrialWeights } from '../contracts/weights.ts';
import { parseWeightsFile, serializeWeightsFile } from '../contracts/weights-file.ts';
import { studyConfigAt } from '../contracts/study-config-json.ts';
import { paretoFrontIds } from '../contracts/study-objectives.ts';
import { rethrowFieldErrors } from '../core/untrusted.ts';
import { messageOf } from '../core/error-message.ts';
import { migrate } from './schema.ts';

/** Errors of a connection, not of a statement: the same transaction is tried again on a new one. */
const transientCodes = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT']);
export function isTransient(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && transientCodes.has(code)) return true;
  return /connection terminated|connection (?:is )?closed|client has encountered a connection error|terminating connection|not queryable/i.test(messageOf(error));
}

export interface PgStudyStoreOptions {
  /** Seconds between heartbeats of a training worker (default 10). */
  readonly heartbeatSeconds?: number;
  /** Seconds without a heartbeat before a running trial is marked failed (default 60). */
  readonly graceSeconds?: number;
  /** How long a write keeps trying while the database cannot be reached (default 120 s). */
  readonly retrySeconds?: number;
  /** This worker's name (default `host:pid:random`). */
  readonly worker?: string;
}

interface StudyRow {
  id: string;
  name: string;
  config: unknown;
  status: StudyStatus;
  status_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A stored study row as a Study; its config is checked as the untrusted config it may be. */
function studyOf(row: StudyRow): Study {
  const { config } = rethrowFieldErrors(
    () => studyConfigAt(row.config, 'config'),
    (error) => new Error(`the study "${row.name}" in the database has a config that cannot be used: ${error.message}`),
  );
  return {
    id: row.id,
    config,
    status: row.status,
    ...(row.status_reason !== null ? { statusReason: row.status_reason } : {}),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const ignore = (): void => undefined;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The connection string without its password, for messages. */
export const redactUrl = (url: string): string => url.replace(/(\/\/[^:/@]+):[^@/]*@/, '$1:***@');

export class PgStudyStore implements SharedStudyStore {
  readonly worker: string;
  readonly heartbeatSeconds: number;
  readonly graceSeconds: number;
  readonly #retryMs: number;

  private constructor(
    readonly pool: pg.Pool,
    options: PgStudyStoreOptions,
  ) {
    this.worker = options.worker ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 6)}`;
    this.heartbeatSeconds = options.heartbeatSeconds ?? 10;
    this.graceSeconds = options.graceSeconds ?? 60;
    this.#retryMs = (options.retrySeconds ?? 120) * 1000;
  }

  /** Connects to `url` and brings its schema up to date; errors in words, naming the server. */
  static async open(url: string, options: PgStudyStoreOptions = {}): Promise<PgStudyStore> {
    const pool = new pg.Pool({ connectionString: url, max: 4, application_name: 'sparse-search', connectionTimeoutMillis: 10_000 });
    // An idle connection that the server ends is reported here; the next query takes a new one.
    pool.on('error', () => undefined);
    const store = new PgStudyStore(pool, options);
    try {
      await store.#retry('cannot prepare the database', async () => {
        const client = await pool.connect();
        client.on('error', ignore);
        let failure: unknown;
        try {
          await migrate(client);
        } catch (error) {
          failure = error;
          throw error;
        } finally {
          client.off('error', ignore);
          client.release(failure !== undefined && isTransient(failure) ? (failure as Error) : undefined);
        }
      });
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new Error(`${redactUrl(url)}: ${messageOf(error)}`);
    }
    return store;
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  /** Runs `body` until it succeeds, trying again after a connection error for up to retrySeconds. */
  async #retry<T>(what: string, body: () => Promise<T>): Promise<T> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      try {
        return await body();
      } catch (error) {
        if (error instanceof TrialLostError) throw error;
        if (!isTransient(error) || Date.now() - started > this.#retryMs) throw new Error(`${what}: ${messageOf(error)}`);
        await sleep(Math.min(2000, 100 * 2 ** attempt));
      }
    }
  }

  /** One transaction, tried again on a new connection when the connection fails. */
  #transaction<T>(what: string, body: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return this.#retry(what, async () => {
      const client = await this.pool.connect();
      // A connection the server ends while we hold it is reported here as well as by the query that fails.
      client.on('error', ignore);
      let failure: unknown;
      try {
        await client.query('BEGIN');
        const result = await body(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        failure = error;
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        // A broken connection is dropped from the pool, not handed out again.
        client.off('error', ignore);
        client.release(failure !== undefined && isTransient(failure) ? (failure as Error) : undefined);
      }
    });
  }

  /** The study named `name`, or undefined when the database has none. */
  async findStudy(name: string): Promise<Study | undefined> {
    const { rows } = await this.#retry(`cannot read the study "${name}"`, () => this.pool.query<StudyRow>('SELECT * FROM studies WHERE name = $1', [name]));
    return rows[0] && studyOf(rows[0]);
  }

  /**
   * The study named `name`, created from `create()` when there is none (two workers creating it at
   * the same instant get the same study: the name is unique and the loser reads the winner's).
   */
  async openStudy(name: string, create: () => Study): Promise<{ study: Study; created: boolean }> {
    return this.#transaction(`cannot open the study "${name}"`, async (client) => {
      const study = create();
      const inserted = await client.query(
        `INSERT INTO studies (id, name, config, status, status_reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, NULL, $5, $5) ON CONFLICT (name) DO NOTHING`,
        [study.id, name, JSON.stringify(study.config), study.status, study.createdAt],
      );
      if (inserted.rowCount === 1) return { study: { ...study, updatedAt: study.createdAt }, created: true };
      const { rows } = await client.query<StudyRow>('SELECT * FROM studies WHERE name = $1', [name]);
      return { study: studyOf(rows[0]!), created: false };
    });
  }

  /** The names of the stored studies, oldest first: for a message when a name is not found. */
  async studyNames(): Promise<string[]> {
    const { rows } = await this.#retry('cannot list the studies', () => this.pool.query<{ name: string }>('SELECT name FROM studies ORDER BY created_at, name'));
    return rows.map((r) => r.name);
  }

  async listTrials(studyId: string): Promise<StudyTrial[]> {
    return this.#retry('cannot read the trials', () => trialsOf(this.pool, studyId));
  }

  async saveTrial(trial: StudyTrial, weights?: readonly StoredOpWeights[]): Promise<void> {
    await this.#transaction(`could not save trial ${trial.index} ("${trial.id}")`, async (client) => {
      const { rows } = await client.query<{ record: StudyTrial }>('SELECT record FROM trials WHERE id = $1 FOR UPDATE', [trial.id]);
      const stored = rows[0]?.record;
      if (stored?.workerLost === true && (trial.status === 'queued' || trial.status === 'running')) throw new TrialLostError(stored);
      const problem = trialReplacementProblem(stored, trial);
      if (problem !== undefined) throw new Error(problem);
      await client.query(
        `INSERT INTO trials (id, study_id, trial_index, status, record, worker, heartbeat_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $4 = 'running' THEN now() END)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, record = EXCLUDED.record,
           worker = CASE WHEN EXCLUDED.status = 'queued' THEN NULL ELSE COALESCE(EXCLUDED.worker, trials.worker) END,
           heartbeat_at = EXCLUDED.heartbeat_at`,
        [trial.id, trial.studyId, trial.index, trial.status, JSON.stringify(trial), trial.status === 'queued' ? null : this.worker],
      );
      if (weights !== undefined) {
        const file = serializeWeightsFile({ trialId: trial.id, studyId: trial.studyId, ops: weights });
        await client.query('INSERT INTO trial_weights (trial_id, weights) VALUES ($1, $2) ON CONFLICT (trial_id) DO UPDATE SET weights = EXCLUDED.weights', [trial.id, file]);
      }
      await client.query('UPDATE studies SET updated_at = now() WHERE id = $1', [trial.studyId]);
    });
  }

  async deleteWeights(trialIds: readonly string[]): Promise<void> {
    await this.#retry('cannot delete weights', () => this.pool.query('DELETE FROM trial_weights WHERE trial_id = ANY($1)', [[...trialIds]]));
  }

  /** The kept weights of the given trials (those of the Pareto front), checked as a weights file is. */
  async trialWeights(trialIds: readonly string[]): Promise<TrialWeights[]> {
    const { rows } = await this.#retry('cannot read weights', () =>
      this.pool.query<{ trial_id: string; weights: unknown }>('SELECT trial_id, weights FROM trial_weights WHERE trial_id = ANY($1) ORDER BY trial_id', [[...trialIds]]),
    );
    return rows.map((r) => parseWeightsFile(JSON.stringify(r.weights), `the weights of trial "${r.trial_id}" in the database`));
  }

  async updateStudy(study: Study): Promise<Study> {
    return this.#transaction(`cannot update the study "${study.config.name}"`, async (client) => {
      const { rows } = await client.query<StudyRow>(
        `UPDATE studies SET config = $2, status = $3, status_reason = $4, updated_at = now() WHERE id = $1 RETURNING *`,
        [study.id, JSON.stringify(study.config), study.status, study.statusReason ?? null],
      );
      if (rows.length === 0) throw new Error(`the database has no study "${study.id}"`);
      return studyOf(rows[0]!);
    });
  }

  async claimTrial(studyId: string, choose: (trials: readonly StudyTrial[]) => StudyTrial | undefined): Promise<TrialClaim> {
    return this.#transaction('cannot claim a trial', async (client) => {
      const locked = await client.query('SELECT id FROM studies WHERE id = $1 FOR UPDATE', [studyId]);
      if (locked.rowCount !== 1) throw new Error(`the database has no study "${studyId}"`);
      await this.#markLost(client, studyId);
      const trials = await trialsOf(client, studyId);
      const claimed = choose(trials);
      if (claimed === undefined) return { trials };
      if (claimed.status !== 'running' || claimed.studyId !== studyId) throw new Error(`a claim must take a running trial of study "${studyId}"`);
      const problem = trialReplacementProblem(
        trials.find((t) => t.id === claimed.id),
        claimed,
      );
      if (problem !== undefined) throw new Error(problem);
      await client.query(
        `INSERT INTO trials (id, study_id, trial_index, status, record, worker, heartbeat_at) VALUES ($1, $2, $3, 'running', $4, $5, now())
         ON CONFLICT (id) DO UPDATE SET status = 'running', record = EXCLUDED.record, worker = EXCLUDED.worker, heartbeat_at = now()`,
        [claimed.id, studyId, claimed.index, JSON.stringify(claimed), this.worker],
      );
      await client.query('UPDATE studies SET updated_at = now() WHERE id = $1', [studyId]);
      const at = trials.findIndex((t) => t.id === claimed.id);
      return { trials: at >= 0 ? trials.map((t, i) => (i === at ? claimed : t)) : [...trials, claimed], claimed };
    });
  }

  /** Marks failed (workerLost) the running trials of the study whose heartbeat is older than the grace period. */
  async #markLost(client: pg.PoolClient, studyId: string): Promise<void> {
    await client.query(
      `UPDATE trials SET status = 'failed', heartbeat_at = NULL,
         record = record || jsonb_build_object('status', 'failed', 'workerLost', true, 'error',
           format('its worker (%s) sent no heartbeat for %s s: it stopped or lost its connection during the trial; the slot is proposed again', worker, $2::integer))
       WHERE study_id = $1 AND status = 'running' AND (heartbeat_at IS NULL OR heartbeat_at < now() - make_interval(secs => $2))`,
      [studyId, this.graceSeconds],
    );
  }

  async heartbeat(trialId: string): Promise<boolean> {
    const result = await this.pool.query(`UPDATE trials SET heartbeat_at = now() WHERE id = $1 AND worker = $2 AND status = 'running'`, [trialId, this.worker]);
    return result.rowCount === 1;
  }

  async endRun(study: Study): Promise<Study> {
    return this.#transaction(`cannot store the end of the study "${study.config.name}"`, async (client) => {
      const { rows } = await client.query<StudyRow>('SELECT * FROM studies WHERE id = $1 FOR UPDATE', [study.id]);
      if (rows.length === 0) throw new Error(`the database has no study "${study.id}"`);
      const others = await client.query(
        `SELECT 1 FROM trials WHERE study_id = $1 AND status = 'running' AND worker IS DISTINCT FROM $2
           AND heartbeat_at >= now() - make_interval(secs => $3) LIMIT 1`,
        [study.id, this.worker, this.graceSeconds],
      );
      if ((others.rowCount ?? 0) > 0) return studyOf(rows[0]!);
      const updated = await client.query<StudyRow>(`UPDATE studies SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1 RETURNING *`, [
        study.id,
        study.status,
        study.statusReason ?? null,
      ]);
      // A worker drops the weights of trials that left the front as far as it saw; one that ended
      // beside another's trial can miss it, so the worker that stores the end sweeps once.
      const trials = await trialsOf(client, study.id);
      const front = new Set(paretoFrontIds(trials, study.config));
      await client.query('DELETE FROM trial_weights WHERE trial_id = ANY($1)', [trials.filter((t) => !front.has(t.id)).map((t) => t.id)]);
      return studyOf(updated.rows[0]!);
    });
  }
}

/** Every trial of the study, in index order. */
async function trialsOf(db: pg.Pool | pg.PoolClient, studyId: string): Promise<StudyTrial[]> {
  const { rows } = await db.query<{ record: StudyTrial }>('SELECT record FROM trials WHERE study_id = $1 ORDER BY trial_index', [studyId]);
  return rows.map((r) => r.record);
}
