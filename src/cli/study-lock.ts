/**
 * One search per study file: `npm run search --out FILE` holds `FILE.lock` (created exclusively,
 * holding its process id, host and start time) while it runs, so that a second process on the same
 * file (another `--resume` in a second terminal) is refused in words instead of both writing the
 * study. A lock whose process is gone (killed with SIGKILL: no handler ran) is taken over; one of
 * another host cannot be checked and is refused, saying which file to delete if that search is over.
 * A study that many processes should share belongs in PostgreSQL (`--storage`, issue 15).
 */
import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { CliError } from './common.ts';

export const lockFileOf = (studyFile: string): string => `${studyFile}.lock`;

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly since: string;
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    if (typeof value.pid === 'number' && Number.isInteger(value.pid) && typeof value.host === 'string' && typeof value.since === 'string') return value as LockHolder;
  } catch {
    // unreadable: half written by a process killed as it took the lock, or not ours
  }
  return undefined;
}

/** True when a process with this id runs on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock when this process exits in any way but SIGKILL (a second Ctrl-C calls process.exit). */
const held = new Set<string>();
let exitHook = false;

/**
 * Takes the lock of `studyFile`; returns its release. Throws a CliError naming the holder when
 * another live search holds it.
 */
export function lockStudyFile(studyFile: string): () => void {
  const path = lockFileOf(studyFile);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') throw new CliError(`cannot write "${studyFile}": no such folder`);
      if (code !== 'EEXIST') throw new CliError(`cannot create the lock "${path}": ${(error as Error).message}`);
      const holder = readHolder(path);
      if (holder && holder.host !== me.host) {
        throw new CliError(
          `"${studyFile}" is in use by a search on ${holder.host} (process ${holder.pid}, since ${holder.since}); if it has ended, delete "${path}" and run again`,
        );
      }
      if (holder && holder.pid !== process.pid && alive(holder.pid)) {
        throw new CliError(`"${studyFile}" is in use by another search (process ${holder.pid}, since ${holder.since}); wait for it to end, or stop it (kill ${holder.pid})`);
      }
      // Its process is gone (or the file is not a lock we can read): take it over.
      rmSync(path, { force: true });
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(me));
    } finally {
      closeSync(fd);
    }
    held.add(path);
    if (!exitHook) {
      exitHook = true;
      process.on('exit', () => {
        for (const p of held) rmSync(p, { force: true });
      });
    }
    return () => {
      if (held.delete(path) && readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    };
  }
  throw new CliError(`cannot take the lock "${path}": another search keeps taking it`);
}
