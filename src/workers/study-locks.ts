/**
 * One owner per study: a run holds its study's Web Lock (studyLockName) for as long as it runs, so
 * two tabs never run one study (every trial trained twice, records overwriting each other). The
 * browser gives a lock back when the run ends, and when its tab or worker goes away.
 */
import { runningElsewhereMessage, studyLockName } from '../contracts/search-worker.ts';

/** The part of the Web Locks API used here (navigator.locks in a browser and its workers). */
export interface LockManagerLike {
  request(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
  query(): Promise<{ held?: readonly { name?: string }[] }>;
}

export interface StudyLocks {
  /** Runs `work` holding the study's lock; refused in words (runningElsewhereMessage) when another holds it. */
  hold<T>(studyId: string, work: () => Promise<T>): Promise<T>;
  /** The study whose lock this side holds now, if any. */
  readonly owned: string | undefined;
  /** Ids of the studies whose lock another side (another tab's worker) holds. */
  elsewhere(): Promise<string[]>;
}

/** Study locks over `locks`; without Web Locks (Node before v22) nothing is locked and `hold` only runs `work`. */
export function createStudyLocks(locks: LockManagerLike | undefined = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks): StudyLocks {
  let owned: string | undefined;
  return {
    get owned() {
      return owned;
    },
    async hold<T>(studyId: string, work: () => Promise<T>): Promise<T> {
      if (!locks) return work();
      const refused = Symbol('refused');
      try {
        const result = await locks.request(studyLockName(studyId), { ifAvailable: true }, async (lock) => {
          if (!lock) return refused;
          owned = studyId;
          return work();
        });
        if (result === refused) throw new Error(runningElsewhereMessage);
        return result as T;
      } finally {
        // Only once the lock is given back: a query meanwhile still counts it as this side's.
        if (owned === studyId) owned = undefined;
      }
    },
    async elsewhere(): Promise<string[]> {
      if (!locks) return [];
      const prefix = studyLockName('');
      const { held = [] } = await locks.query();
      const ids = held.map((lock) => lock.name ?? '').filter((name) => name.startsWith(prefix)).map((name) => name.slice(prefix.length));
      return [...new Set(ids)].filter((id) => id !== owned);
    },
  };
}
