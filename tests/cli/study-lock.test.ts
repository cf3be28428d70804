/**
 * One search per study file (src/cli/study-lock.ts): a second search on the same FILE is refused in
 * words while the first runs, a lock whose process is gone is taken over, one of another host is
 * refused with the file to delete, and the lock goes when the search ends.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/common.ts';
import { lockFileOf, lockStudyFile } from '../../src/cli/study-lock.ts';

const fresh = (): string => join(mkdtempSync(join(tmpdir(), 'study-lock-')), 's.json');
/** The id of a process that has ended. */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '0']).pid!;

describe('the lock of a study file', () => {
  it('is taken, holds this process, and goes when released', () => {
    const file = fresh();
    const release = lockStudyFile(file);
    const holder = JSON.parse(readFileSync(lockFileOf(file), 'utf8'));
    expect([holder.pid, holder.host]).toEqual([process.pid, hostname()]);
    release();
    expect(existsSync(lockFileOf(file))).toBe(false);
  });

  it('refuses a second search while the first process lives, naming it', async () => {
    const file = fresh();
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lockFileOf(file), JSON.stringify({ pid: other.pid, host: hostname(), since: '2026-12-01T06:00:00.000Z' }));
      expect(() => lockStudyFile(file)).toThrow(
        new CliError(`"${file}" is in use by another search (process ${other.pid}, since 2026-12-01T06:00:00.000Z); wait for it to end, or stop it (kill ${other.pid})`),
      );
      expect(JSON.parse(readFileSync(lockFileOf(file), 'utf8')).pid).toBe(other.pid);
    } finally {
      other.kill();
    }
  });

  it('takes over the lock of a process that is gone (killed with SIGKILL), or a lock it cannot read', () => {
    const file = fresh();
    writeFileSync(lockFileOf(file), JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-12-01T06:00:00.000Z' }));
    lockStudyFile(file)();
    writeFileSync(lockFileOf(file), '{"pid": 12');
    const release = lockStudyFile(file);
    expect(JSON.parse(readFileSync(lockFileOf(file), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it("refuses one of another host, whose process it cannot check, saying which file to delete", () => {
    const file = fresh();
    writeFileSync(lockFileOf(file), JSON.stringify({ pid: 4242, host: 'lab-pc-7', since: '2026-12-01T06:00:00.000Z' }));
    expect(() => lockStudyFile(file)).toThrow(
      `"${file}" is in use by a search on lab-pc-7 (process 4242, since 2026-12-01T06:00:00.000Z); if it has ended, delete "${lockFileOf(file)}" and run again`,
    );
  });

  it('refuses, through npm run search, a --resume of a study file another search holds, and leaves the file as it was', { timeout: 60_000 }, async () => {
    const file = fresh();
    writeFileSync(file, '{"not": "touched"}');
    const other = spawn('sleep', ['30']);
    try {
      writeFileSync(lockFileOf(file), JSON.stringify({ pid: other.pid, host: hostname(), since: '2026-12-01T06:00:00.000Z' }));
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/search.ts', '--out', file, '--resume'], { encoding: 'utf8' });
      expect([run.status, run.stderr.trim()]).toEqual([1, `search: "${file}" is in use by another search (process ${other.pid}, since 2026-12-01T06:00:00.000Z); wait for it to end, or stop it (kill ${other.pid})`]);
      expect(readFileSync(file, 'utf8')).toBe('{"not": "touched"}');
    } finally {
      other.kill();
    }
  });
});
