/**
 * What can go wrong with the study database, in words a user can act on; and the transaction runner
 * that makes every write all-or-nothing.
 */
import { StudyRecordError } from '../contracts/study-records.ts';

/**
 * quota: the site's storage is full. missing: the study or trial is not (or no longer) stored.
 * conflict: the write clashes with a stored record. invalid: the record would not export.
 * failed: anything else IndexedDB reported.
 */
export type StorageProblem = 'quota' | 'missing' | 'conflict' | 'invalid' | 'failed';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly problem: StorageProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A DOMException's name (QuotaExceededError, ConstraintError…); also for look-alikes from other realms. */
function errorName(error: unknown): string | undefined {
  const name: unknown = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : undefined;
}

function errorMessage(error: unknown): string {
  const message: unknown = typeof error === 'object' && error !== null ? (error as { message?: unknown }).message : undefined;
  return typeof message === 'string' ? message : String(error);
}

/** What a user can do when the storage is full: the end of every quota message. */
export const quotaAdvice = 'free space on this computer or delete old studies (export them first to keep them)';

export const isQuotaError = (error: unknown): boolean => errorName(error) === 'QuotaExceededError';

/**
 * The StorageError for `error`, which happened while trying to `action` (a verb phrase: `save trial 3
 * of study "x"`). StorageErrors pass through unchanged.
 */
export function storageErrorFrom(error: unknown, action: string): StorageError {
  if (error instanceof StorageError) return error;
  const name = errorName(error);
  const detail = errorMessage(error);
  if (isQuotaError(error)) {
    return new StorageError('quota', `the browser's storage for this page is full: could not ${action}; ${quotaAdvice}`, { cause: error });
  }
  if (error instanceof StudyRecordError) {
    return new StorageError('invalid', `could not ${action}: ${error.message}`, { cause: error });
  }
  if (name === 'ConstraintError') {
    return new StorageError('conflict', `could not ${action}: it clashes with a record already stored (${detail})`, { cause: error });
  }
  if (name === 'VersionError') {
    return new StorageError('failed', `could not ${action}: it was written by a newer version of the playground; reload the page to get that version`, {
      cause: error,
    });
  }
  const reported = name === undefined || name === 'Error' ? detail : `${name}: ${detail}`;
  return new StorageError('failed', `could not ${action}: the browser's database reported "${reported}"; reload the page and try again`, { cause: error });
}

/**
 * Runs `work` in `tx` and waits for the commit. On any failure (a request refused, an exception in
 * `work`, or an error that only arrives when the transaction commits, as QuotaExceededError often
 * does) the transaction is aborted and the abort awaited before the StorageError is thrown, so the
 * caller never sees part of the writes.
 */
export async function inTransaction<T>(tx: { readonly done: Promise<void> }, action: string, work: () => Promise<T>): Promise<T> {
  // Every idb transaction forwards abort() and error to its IDBTransaction; its type only shows them
  // where the DOM types are present, which the Node build (tests with fake-indexeddb) lacks.
  const raw = tx as unknown as { abort(): void; readonly error: unknown };
  try {
    const result = await work();
    await tx.done;
    return result;
  } catch (error) {
    try {
      raw.abort();
    } catch {
      // Already aborted by IndexedDB, or already finished: nothing left to undo.
    }
    await tx.done.catch(() => undefined);
    // A refused request aborts the transaction with the reason in tx.error; our own abort leaves it null.
    const reason: unknown = raw.error ?? error;
    throw storageErrorFrom(isQuotaError(error) ? error : reason, action);
  }
}

/**
 * Issues every write at once and waits for all of them. If one throws before the rest are issued,
 * the requests already made are still awaited (they fail with the aborted transaction), so none of
 * them becomes an unhandled rejection.
 */
export async function writeAll(writes: readonly (() => Promise<unknown>)[]): Promise<void> {
  const issued: Promise<unknown>[] = [];
  try {
    for (const write of writes) issued.push(write());
  } catch (error) {
    for (const request of issued) request.catch(() => undefined);
    throw error;
  }
  await Promise.all(issued);
}

/** Runs a read and turns whatever it throws into a StorageError. */
export async function reading<T>(action: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw storageErrorFrom(error, action);
  }
}
