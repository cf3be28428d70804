/**
 * Faults at the worker boundary, in Chromium with the real worker and real IndexedDB: a worker that
 * fails (a real uncaught error in its global scope) rejects the pending call in words, the next call
 * starts a new worker and the study resumes with every trial once; and one owner per study through
 * Web Locks, two workers standing for two tabs.
 */
import { describe, expect, it } from 'vitest';
import { SearchClient } from '../../src/client/search-client.ts';
import { SearchWorkerStoppedError, runningElsewhereMessage } from '../../src/contracts/search-worker.ts';
import type { Study, StudyConfig, StudyTrial } from '../../src/contracts/study.ts';
import { PlaygroundState } from '../../src/state/playground.svelte.ts';
import { searchClients } from '../fixtures/search-clients.ts';
import { tinyStudyConfig } from '../fixtures/tiny-study.ts';

const databaseName = `faults-test-${Math.random().toString(36).slice(2)}`;
const client = searchClients('faults-test');

const config = (name: string, trials: number): StudyConfig => tinyStudyConfig({ name, budget: { trials }, epochs: 2 });

/** A client on its own database whose workers the test can reach, as the page cannot. */
function reachableClient(): { client: SearchClient; workers: Worker[] } {
  const workers: Worker[] = [];
  const reachable = new SearchClient({ databaseName, backends: ['cpu'], progressIntervalMs: 0 }, () => {
    const worker = new Worker(new URL('../../src/workers/search.worker.ts', import.meta.url), { type: 'module', name: 'search' });
    workers.push(worker);
    return worker;
  });
  return { client: reachable, workers };
}

/**
 * Makes the worker fail for real: comlink's message listener reads `argumentList` outside its
 * try, so a message whose `argumentList` is not a list throws in the worker's global scope, and the
 * page gets the worker's `error` event, as for any uncaught error there.
 */
const crash = (worker: Worker): void => worker.postMessage({ id: 'crash', type: 'APPLY', path: [], argumentList: 'not a list' });

/** Every completed trial once: unique ids, indices 0…n-1 in order, ids `<study>.<index>`. */
function expectEachTrialOnce(study: Study, trials: readonly StudyTrial[]): void {
  expect(trials.map((t) => t.index)).toEqual(trials.map((_, i) => i));
  expect(new Set(trials.map((t) => t.id)).size).toBe(trials.length);
  expect(trials.map((t) => t.id)).toEqual(trials.map((_, i) => `${study.id}.${i}`));
}

describe('faults at the worker boundary', { timeout: 180_000 }, () => {
  it('rejects the pending call in words when the worker fails, starts a new worker, and the study resumes with every trial once', async () => {
    const { client: search, workers } = reachableClient();
    let studyId: string | undefined;
    let crashed = false;
    const started = search.startStudy(config('crash', 2), {
      onStudy: (study) => (studyId = study.id),
      onProgress: (p) => {
        if (!crashed && p.trial && p.trial.samplesSeen > 0) {
          crashed = true;
          crash(workers[0]!);
        }
      },
    });
    const error = await started.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SearchWorkerStoppedError);
    expect((error as Error).message).toMatch(/^the search worker stopped unexpectedly: TypeError: .*is not a function$/);
    // The next call starts a new worker on the same database: the trial left running is still there.
    const before = await search.getStudy(studyId!);
    expect(workers).toHaveLength(2);
    expect(before?.study.status).toBe('running');
    expect(before?.trials.map((t) => [t.index, t.status])).toEqual([[0, 'running']]);
    const resumed = await search.resumeStudy(studyId!);
    expect(resumed.status).toBe('completed');
    const view = await search.getStudy(studyId!);
    expect(view?.trials.map((t) => [t.index, t.status])).toEqual([[0, 'completed'], [1, 'completed']]);
    // The interrupted trial was trained again, as itself: same id and architecture.
    expect(view?.trials[0]?.id).toBe(before?.trials[0]?.id);
    expect(view?.trials[0]?.architecture).toEqual(before?.trials[0]?.sampledArchitecture ?? before?.trials[0]?.architecture);
    expectEachTrialOnce(view!.study, view!.trials);
    search.terminate();
  });

  it('tells the playground, which stops running, says so in words and resumes the study', async () => {
    const { client: search, workers } = reachableClient();
    const playground = new PlaygroundState(search);
    await playground.load();
    const run = playground.startStudy(config('crash in the playground', 2));
    // Crashed once the first trial trains (the state's own callbacks record the progress).
    await expect.poll(() => playground.current?.progress?.trial?.samplesSeen ?? 0, { timeout: 60_000, interval: 20 }).toBeGreaterThan(0);
    crash(workers.at(-1)!);
    await run;
    expect(playground.running).toBe(false);
    expect(playground.alert).toMatch(
      /^The search stopped: the search worker stopped unexpectedly: TypeError: .*is not a function\. The trials it finished are stored; press "Resume search" to go on \(the trial it was training is trained again\)\.$/,
    );
    const studyId = playground.current!.id;
    expect(playground.current!.study.status).toBe('running');
    await playground.resumeStudy(studyId);
    expect(playground.alert).toBeUndefined();
    expect(playground.notice).toBe('Search finished.');
    const view = await search.getStudy(studyId);
    expect(view?.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    expectEachTrialOnce(view!.study, view!.trials);
    search.terminate();
  });

  it('lets one worker run a study at a time: another is refused in words, and takes over once the first is gone', async () => {
    const tabA = client();
    const tabB = client();
    let studyId: string | undefined;
    let refusals: unknown[] = [];
    let seenElsewhere: { a: string[]; b: string[] } | undefined;
    // Tab B's worker is started (tfjs loaded) before tab A's study: under load in CI a worker started
    // only when A was mid-trial took longer to answer than A's two trials lasted, and saw no lock.
    expect(await tabB.studiesRunningElsewhere()).toEqual([]);
    const running = tabA.startStudy(config('two tabs', 2), {
      onStudy: (study) => (studyId = study.id),
      onProgress: (p) => {
        if (seenElsewhere || !p.trial || p.trial.samplesSeen === 0) return;
        seenElsewhere = { a: [], b: [] };
        const seen = seenElsewhere;
        const id = p.studyId;
        void (async () => {
          seen.a = await tabA.studiesRunningElsewhere();
          // Tab B asks until it sees the lock, as the page asks every 2 s.
          for (let ask = 0; ask < 20 && !seen.b.includes(id); ask++) {
            if (ask > 0) await new Promise((resolve) => setTimeout(resolve, 100));
            seen.b = await tabB.studiesRunningElsewhere();
          }
          refusals = await Promise.all([
            tabB.resumeStudy(id).then(() => 'resumed', (e: unknown) => (e as Error).message),
            tabB.takeStudy(id).then(() => 'deleted', (e: unknown) => (e as Error).message),
            tabB.deleteStudy(id).then(() => 'deleted', (e: unknown) => (e as Error).message),
          ]);
          // Tab A goes away mid-trial, as a closed tab does: its lock is given back.
          tabA.terminate();
        })();
      },
    });
    void running.catch(() => {});
    await expect.poll(() => refusals.length, { timeout: 60_000, interval: 50 }).toBe(3);
    expect(seenElsewhere).toEqual({ a: [], b: [studyId] });
    expect(refusals).toEqual([
      runningElsewhereMessage,
      'this study is running in another tab; stop it there before you delete it',
      'this study is running in another tab; stop it there before you delete it',
    ]);
    await expect.poll(() => tabB.studiesRunningElsewhere(), { timeout: 10_000 }).toEqual([]);
    const resumed = await tabB.resumeStudy(studyId!);
    expect(resumed.status).toBe('completed');
    const view = await tabB.getStudy(studyId!);
    expect(view?.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    expectEachTrialOnce(view!.study, view!.trials);
  });
});
