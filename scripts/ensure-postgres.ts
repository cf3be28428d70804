/**
 * Step of `npm test` before Vitest: make sure the unit tests can start their throwaway PostgreSQL
 * cluster (tests/fixtures/postgres-cluster.ts). Installs Debian's `postgresql` with apt-get when we
 * are root on Debian; otherwise stops with a message that says exactly what to install. It never
 * lets the PostgreSQL tests be skipped. (The package may start a system cluster on port 5432; the
 * tests do not use it: theirs has its own folder and port.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { findPostgresBindir, installPostgresHint } from './postgres.ts';

function fail(message: string): never {
  process.stderr.write(`npm test: ${message}\n`);
  process.exit(1);
}

const found = findPostgresBindir();
if (found) {
  process.stdout.write(`PostgreSQL tests run a throwaway cluster from ${found}\n`);
} else if (process.env.POSTGRES_BINDIR) {
  fail(`POSTGRES_BINDIR is set to "${process.env.POSTGRES_BINDIR}", but initdb and postgres are not both there.`);
} else {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const isDebian = existsSync('/etc/debian_version');
  if (!isRoot || !isDebian) {
    fail(
      "no PostgreSQL server was found (initdb and postgres, from `pg_config --bindir` or /usr/lib/postgresql/*/bin), and the unit tests need one. " +
        (isDebian
          ? 'Install it with `sudo apt-get install postgresql`, or set POSTGRES_BINDIR to the folder that holds initdb and postgres, '
          : "Install PostgreSQL's server with your system's package manager and make sure its pg_config is on the PATH, or set POSTGRES_BINDIR to the folder that holds initdb and postgres, ") +
        'then run `npm test` again.',
    );
  }
  process.stdout.write('No PostgreSQL server found: installing Debian\'s "postgresql" with apt-get…\n');
  try {
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', 'postgresql'], {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  } catch {
    fail('`apt-get install postgresql` failed (see its output above). Install PostgreSQL, then run `npm test` again.');
  }
  const installed = findPostgresBindir();
  if (!installed) fail(`apt-get installed "postgresql", but initdb and postgres are not in /usr/lib/postgresql/*/bin. ${installPostgresHint}`);
  process.stdout.write(`PostgreSQL tests run a throwaway cluster from ${installed}\n`);
}
