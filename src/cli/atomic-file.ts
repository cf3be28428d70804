/**
 * Files the command-line tools write so that a crash never leaves one half-written: the data goes to
 * `PATH.tmp`, is flushed to the disk (fsync), then renamed over PATH, and the folder is flushed too
 * where the system allows it, so that the rename itself survives a power cut. A write that fails
 * removes its `.tmp`; `removePendingTempFiles` removes those of writes cut short by a signal. A
 * `kill -9` runs no handler: the next run removes the leftover with `removeStaleTempFile` and never
 * reads it.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Where a file is written before it is renamed into place. */
export const tempPathOf = (path: string): string => `${path}.tmp`;

/** The `.tmp` files of writes under way. Every write is synchronous, so a signal handler sees this empty unless a write threw past its own cleanup. */
const pending = new Set<string>();

/** Flushes a folder's entries (the rename) to the disk; a no-op where folders cannot be opened (Windows). */
function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch {
    // Windows cannot open or fsync a folder; its rename is atomic all the same.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes `data` to `path` atomically: write `path.tmp`, fsync, rename, fsync the folder. Removes the `.tmp` when any step fails. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const temp = tempPathOf(path);
  pending.add(temp);
  try {
    const fd = openSync(temp, 'w');
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  } finally {
    pending.delete(temp);
  }
  syncFolder(dirname(path));
}

/** Removes the `.tmp` a crashed run (kill -9) may have left beside `path`; returns whether there was one. */
export function removeStaleTempFile(path: string): boolean {
  const temp = tempPathOf(path);
  try {
    rmSync(temp);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Removes the `.tmp` files of writes under way: for a SIGINT or SIGTERM handler that exits at once. */
export function removePendingTempFiles(): void {
  for (const temp of pending) rmSync(temp, { force: true });
  pending.clear();
}
