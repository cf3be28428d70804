/**
 * The PostgreSQL schema of shared studies (issue 15), versioned like the IndexedDB one (src/db):
 * `sparse_search_schema` holds the version, and each step below moves a database one version up,
 * all inside one transaction that holds an advisory lock, so that two workers starting at the same
 * instant upgrade it once. A database newer than this program is refused in words, never touched.
 */
import type { PoolClient } from 'pg';

/** The schema version this program writes. */
export const pgSchemaVersion = 1;

/** Any advisory lock key of our own; every upgrade takes it, so upgrades never run side by side. */
const upgradeLock = 0x5350_4153; // "SPAS"

/**
 * The steps, in order: step i moves version i to i + 1. Trials keep their whole record as JSON
 * (the contract of src/contracts/study.ts) beside the columns claims need: status, worker, heartbeat.
 */
const steps: readonly string[] = [
  `CREATE TABLE studies (
     id text PRIMARY KEY,
     name text NOT NULL UNIQUE,
     config jsonb NOT NULL,
     status text NOT NULL,
     status_reason text,
     created_at timestamptz NOT NULL,
     updated_at timestamptz NOT NULL
   );
   CREATE TABLE trials (
     id text PRIMARY KEY,
     study_id text NOT NULL REFERENCES studies (id) ON DELETE CASCADE,
     trial_index integer NOT NULL CHECK (trial_index >= 0),
     status text NOT NULL,
     record jsonb NOT NULL,
     worker text,
     heartbeat_at timestamptz,
     UNIQUE (study_id, trial_index)
   );
   CREATE INDEX trials_running ON trials (study_id) WHERE status = 'running';
   CREATE TABLE trial_weights (
     trial_id text PRIMARY KEY REFERENCES trials (id) ON DELETE CASCADE,
     weights jsonb NOT NULL
   );`,
];

export class SchemaError extends Error {
  override readonly name = 'SchemaError';
}

/**
 * Brings the database to {@link pgSchemaVersion}. Returns the version it found (0 for an empty
 * database). Throws a SchemaError, in words, when the database is newer than this program.
 */
export async function migrate(client: PoolClient): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [upgradeLock]);
    await client.query('CREATE TABLE IF NOT EXISTS sparse_search_schema (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM sparse_search_schema');
    if (rows.length > 1) throw new SchemaError(`the table sparse_search_schema has ${rows.length} rows; it must have one (the schema version)`);
    const found = rows[0]?.version ?? 0;
    if (found > pgSchemaVersion) {
      throw new SchemaError(`the database's schema is version ${found}, newer than this program's (${pgSchemaVersion}); update the program, or use another database`);
    }
    for (let version = found; version < pgSchemaVersion; version++) await client.query(steps[version]!);
    if (rows.length === 0) await client.query('INSERT INTO sparse_search_schema (version) VALUES ($1)', [pgSchemaVersion]);
    else if (found < pgSchemaVersion) await client.query('UPDATE sparse_search_schema SET version = $1', [pgSchemaVersion]);
    await client.query('COMMIT');
    return found;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
