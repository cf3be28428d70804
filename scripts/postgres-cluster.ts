/**
 * A throwaway PostgreSQL cluster: initdb into a fresh temporary folder, the server on 127.0.0.1 at a
 * free port, trust authentication, no fsync. `npm test` starts one for the whole run
 * (tests/fixtures/postgres-global-setup.ts, through tests/fixtures/postgres-cluster.ts) and hands its
 * URL to the tests as `inject('postgresUrl')`; the parallel-trials bench (bench/bench-parallel.ts)
 * starts one of its own. A user isolates itself in a database of its own with {@link createDatabase}.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, closeSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { findPostgresBindir, installPostgresHint } from './postgres.ts';

/** A running cluster: `url` names its database `sparse_test`; `stop()` ends the server and deletes its folder. */
export interface ThrowawayCluster {
  url: string;
  stop(): Promise<void>;
}

/** The superuser initdb creates; trust authentication, so no password. */
const SUPERUSER = 'sparse';
const DATABASE = 'sparse_test';
/** How long the server may take to accept connections; it usually needs well under a second. */
const READY_TIMEOUT_MS = 30_000;

/**
 * Speed over durability: a crash loses nothing we keep. max_connections stays at PostgreSQL's
 * default of 100, so parallel test files and their pools fit.
 */
const serverSettings = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '100',
};

interface RunAs {
  name: string;
  uid: number;
  gid: number;
}

/**
 * initdb and postgres refuse to run as root. As root we run them as Debian's `postgres` user
 * (created by the postgresql package), else as `nobody`; otherwise as ourselves (undefined).
 * spawn's uid and gid options switch user (libuv also drops root's extra groups), so neither
 * runuser nor setpriv is needed.
 */
function unprivilegedUser(): RunAs | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const accounts = readFileSync('/etc/passwd', 'utf8').split('\n').map((line) => line.split(':'));
  for (const name of ['postgres', 'nobody']) {
    const account = accounts.find((fields) => fields[0] === name);
    if (account?.[2] && account[3]) return { name, uid: Number(account[2]), gid: Number(account[3]) };
  }
  throw new Error(
    'PostgreSQL refuses to run as root, and neither the user "postgres" nor "nobody" exists to run it as. ' +
      'Create one (`useradd --system postgres`), or run the tests as an ordinary user.',
  );
}

/** Every cluster's folder is tmpdir()/sparse-pg-XXXXXX, holding the pid of the process that started it. */
const FOLDER_PREFIX = 'sparse-pg-';
const OWNER_FILE = 'owner.pid';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Clusters whose process died without stopping them (a test worker killed by Vitest, a crash)
 * would run on: stop their servers and delete their folders. A folder without its owner file is
 * still being set up by someone; a server is stopped only if its command line names its folder,
 * since its pid may since have been reused.
 */
function reapOrphanedClusters(): void {
  const root = tmpdir();
  for (const name of readdirSync(root)) {
    if (!name.startsWith(FOLDER_PREFIX)) continue;
    const dir = join(root, name);
    let owner: number;
    try {
      owner = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue;
    }
    if (!Number.isInteger(owner) || owner <= 0 || isAlive(owner)) continue;
    try {
      const postmaster = Number(readFileSync(join(dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').includes(dir)) process.kill(postmaster, 'SIGQUIT');
    } catch {
      // No server running there.
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The end of the server's log, for error messages. */
function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

function runInitdb(bindir: string, dir: string, dataDir: string, user: RunAs | undefined): void {
  try {
    execFileSync(
      join(bindir, 'initdb'),
      // --no-sync: initdb otherwise fsyncs every file it wrote, most of its time.
      ['-D', dataDir, '--auth=trust', '-U', SUPERUSER, '--encoding=UTF8', '--locale=C', '--no-sync'],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], uid: user?.uid, gid: user?.gid, encoding: 'utf8' },
    );
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    const as = user ? ` as user "${user.name}"` : '';
    throw new Error(
      `initdb ${join(bindir, 'initdb')} failed${as} in ${dataDir}: ${stderr || (error as Error).message}` +
        (user ? ` (the folder ${dir} must be reachable by "${user.name}": is TMPDIR inside a private folder?)` : ''),
    );
  }
}

type Started = { server: ChildProcess; port: number } | { exited: string; portTaken: boolean };

/** Spawns the server on `port` and waits until it accepts connections, or until it exits. */
async function startServer(bindir: string, dir: string, dataDir: string, logFile: string, port: number, user: RunAs | undefined): Promise<Started> {
  const settings = Object.entries(serverSettings).flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const log = openSync(logFile, 'a');
  // Spawned directly, not through pg_ctl, so we hold the postmaster's pid and see it exit. Same
  // process group as us: a Ctrl-C of the test run reaches it too (SIGINT: fast shutdown).
  const server = spawn(
    join(bindir, 'postgres'),
    ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dir}`, ...settings],
    { cwd: dir, stdio: ['ignore', log, log], uid: user?.uid, gid: user?.gid },
  );
  closeSync(log);
  let exit: string | undefined;
  server.once('exit', (code, signal) => (exit = signal ? `signal ${signal}` : `status ${code}`));
  server.once('error', (error) => (exit = error.message));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exit !== undefined) {
      const tail = logTail(logFile);
      return { exited: `postgres exited (${exit}) before accepting connections:\n${tail}`, portTaken: /could not bind|address already in use/i.test(tail) };
    }
    const client = new Client({ host: '127.0.0.1', port, user: SUPERUSER, database: 'postgres', connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query(`CREATE DATABASE ${DATABASE}`);
      await client.end();
      return { server, port };
    } catch {
      await client.end().catch(() => {});
      // Refused, or "the database system is starting up": try again shortly.
      await sleep(50);
    }
  }
  server.kill('SIGQUIT');
  return { exited: `postgres did not accept connections within ${READY_TIMEOUT_MS / 1000} s:\n${logTail(logFile)}`, portTaken: false };
}

/**
 * Starts a fresh cluster from Debian's PostgreSQL (see scripts/postgres.ts for where its programs
 * are looked for) and resolves once database `sparse_test` exists. Throws in words when PostgreSQL
 * is not installed, when initdb fails (with its stderr), or when the server does not come up (with
 * its log). Call `stop()` when done; a process that exits without it still stops the server.
 */
export async function startThrowawayCluster(): Promise<ThrowawayCluster> {
  const bindir = findPostgresBindir();
  if (!bindir) {
    throw new Error(`PostgreSQL's server programs (initdb, postgres) were not found, and the tests and the parallel bench need them. ${installPostgresHint}`);
  }
  const user = unprivilegedUser();
  reapOrphanedClusters();
  const dir = mkdtempSync(join(tmpdir(), FOLDER_PREFIX));
  const dataDir = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  try {
    writeFileSync(join(dir, OWNER_FILE), String(process.pid));
    if (user) chownSync(dir, user.uid, user.gid);
    runInitdb(bindir, dir, dataDir, user);
    // The free port may be taken between our probe and the server's bind: then another port.
    let started: Started | undefined;
    for (let attempt = 0; attempt < 3; attempt++) {
      started = await startServer(bindir, dir, dataDir, logFile, await freePort(), user);
      if (!('exited' in started) || !started.portTaken) break;
    }
    if (!started || 'exited' in started) throw new Error(started?.exited ?? 'postgres did not start');
    return running(started.server, started.port, dir);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

function running(server: ChildProcess, port: number, dir: string): ThrowawayCluster {
  const exited = new Promise<void>((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) resolve();
    else server.once('exit', () => resolve());
  });
  // A test process that ends without stop() (a crash, a forgotten teardown) takes the server along.
  const onExit = () => {
    server.kill('SIGQUIT');
    rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  // The server alone does not keep Node running; stop() waits on it with ref() again.
  server.unref();
  let stopping: Promise<void> | undefined;
  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
    stop() {
      stopping ??= (async () => {
        process.off('exit', onExit);
        server.ref();
        // SIGQUIT is pg_ctl's "immediate" shutdown: no checkpoint, nothing to keep anyway.
        server.kill('SIGQUIT');
        await exited;
        rmSync(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}

/**
 * Creates database `name` in the cluster of `url` and returns its URL, so a test works in a database
 * of its own. Names are shared by every test file of the run: add something unique (the file's
 * name, a random suffix). `name` is lower-case letters, digits and underscores.
 */
export async function createDatabase(url: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
    throw new Error(`createDatabase: "${name}" is not a plain database name (lower-case letters, digits, _; at most 63).`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const created = new URL(url);
  created.pathname = `/${name}`;
  return created.href;
}
