/** Fresh databases, snapshots of everything stored, and fake storage failures for the db tests. */
import { type IDBPDatabase, openDB } from 'idb';
import { openStudyDatabase, type StudyDatabase } from '../../src/db/schema.ts';

let opened = 0;

/** A new, empty database with a name no other test uses. */
export function freshDatabase(): Promise<StudyDatabase> {
  opened++;
  return openStudyDatabase(`test-studies-${Date.now()}-${opened}-${Math.random().toString(36).slice(2)}`);
}

/** Every record of every store, to compare before and after a failed write. */
export async function snapshot(db: StudyDatabase): Promise<{ studies: unknown[]; trials: unknown[]; weights: unknown[] }> {
  return { studies: await db.getAll('studies'), trials: await db.getAll('trials'), weights: await db.getAll('weights') };
}

/** The slice of an IDBRequest, IDBObjectStore and IDBTransaction the fakes use (the DOM types are not in the Node build). */
interface RequestLike {
  addEventListener(type: 'success', listener: () => void): void;
}
interface StoreLike {
  readonly name: string;
  readonly transaction: { abort(): void };
}
type Write = (this: StoreLike, value: unknown, key?: unknown) => RequestLike;
interface StorePrototype {
  put: Write;
  add: Write;
}

const storePrototype = (): StorePrototype => (globalThis as unknown as { IDBObjectStore: { prototype: StorePrototype } }).IDBObjectStore.prototype;

/** A DOMException as the browser makes it (the Node build has no DOM types; the runtime has the class). */
export function domException(message: string, name: string): Error {
  const DOMExceptionClass = (globalThis as unknown as { DOMException: new (message: string, name: string) => Error }).DOMException;
  return new DOMExceptionClass(message, name);
}

/**
 * Replaces `put` or `add` of the store `storeName` (only the `nth` call, from 1, or every call)
 * until the returned function is called.
 */
export function replaceWrite(method: 'put' | 'add', storeName: string, replacement: (original: Write, store: StoreLike, value: unknown) => RequestLike, nth?: number): () => void {
  const prototype = storePrototype();
  const original = prototype[method];
  let calls = 0;
  prototype[method] = function (this: StoreLike, value: unknown, key?: unknown): RequestLike {
    if (this.name !== storeName) return original.call(this, value, key);
    calls++;
    if (nth !== undefined && calls !== nth) return original.call(this, value, key);
    return replacement(original, this, value);
  };
  return () => {
    prototype[method] = original;
  };
}

/** The write throws QuotaExceededError at once, as a browser may when it knows the store is full. */
export const quotaAtOnce = (): RequestLike => {
  throw domException('The quota has been exceeded.', 'QuotaExceededError');
};

/** Replaces `getAll` of the store `storeName` until the returned function is called (a read that fails). */
export function replaceRead(storeName: string, replacement: () => RequestLike): () => void {
  const prototype = (globalThis as unknown as { IDBObjectStore: { prototype: { getAll: (this: StoreLike, ...args: unknown[]) => RequestLike } } }).IDBObjectStore.prototype;
  const original = prototype.getAll;
  prototype.getAll = function (this: StoreLike, ...args: unknown[]): RequestLike {
    return this.name === storeName ? replacement() : original.apply(this, args);
  };
  return () => {
    prototype.getAll = original;
  };
}

/**
 * Opens `name` at an older `version`, with the stores that version of the playground created (see
 * the history in src/db/schema.ts), so that a test can store what it held and then upgrade it.
 */
export function openOldDatabase(name: string, version: 1 | 2 | 3): Promise<IDBPDatabase> {
  return openDB(name, version, {
    upgrade(database) {
      database.createObjectStore('studies', { keyPath: 'id' });
      const trialStore = database.createObjectStore('trials', { keyPath: 'id' });
      trialStore.createIndex('byStudy', 'studyId');
      if (version >= 2) {
        trialStore.createIndex('byStudyIndex', ['studyId', 'index'], { unique: true });
        database.createObjectStore('weights', { keyPath: 'trialId' }).createIndex('byStudy', 'studyId');
      }
      if (version >= 3) {
        database.createObjectStore('datasets', { keyPath: 'id' });
        database.createObjectStore('datasetBytes', { keyPath: 'id' });
      }
    },
  });
}
