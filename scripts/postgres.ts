/**
 * Where the tests and the parallel bench find PostgreSQL's server programs. They start a throwaway
 * cluster of their own (scripts/postgres-cluster.ts) from Debian's `postgresql` package, whose
 * programs live in /usr/lib/postgresql/<major>/bin, off the PATH.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The programs a throwaway cluster runs, all from the server's bin folder. */
export const postgresPrograms = ['initdb', 'postgres'] as const;

/** What to do when {@link findPostgresBindir} finds nothing, in words. */
export const installPostgresHint =
  "Install Debian's PostgreSQL with `apt-get install postgresql` (`npm test` does it itself when it runs as root on Debian), " +
  'or set POSTGRES_BINDIR to the folder that holds initdb and postgres.';

function holdsPrograms(dir: string): boolean {
  return postgresPrograms.every((program) => existsSync(join(dir, program)));
}

/** `pg_config --bindir`, or undefined when pg_config is missing. Debian's comes with libpq-dev. */
function pgConfigBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** Debian's /usr/lib/postgresql/<major>/bin folders, the newest major first. */
function debianBindirs(root = '/usr/lib/postgresql'): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((name) => /^\d+(\.\d+)?$/.test(name))
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((name) => join(root, name, 'bin'));
}

/**
 * The folder holding initdb and postgres, or undefined when no PostgreSQL server is installed.
 * `POSTGRES_BINDIR` overrides the search; then `pg_config --bindir` (which may name a client-only
 * folder: libpq-dev's pg_config is there without the server), then Debian's newest major version.
 */
export function findPostgresBindir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.POSTGRES_BINDIR;
  if (override) return holdsPrograms(override) ? override : undefined;
  const candidates = [pgConfigBindir(), ...debianBindirs()].filter((dir): dir is string => Boolean(dir));
  return candidates.find(holdsPrograms);
}
