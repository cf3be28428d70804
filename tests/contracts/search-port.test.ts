/**
 * The worker API is written once (SearchApi in src/contracts/search-worker.ts). These type tests
 * pin what the other sides derive from it, so drift does not compile: `npm run check` type-checks
 * this file (tsconfig.node.json), and vitest runs the runtime half.
 */
import type { ProxyMethods, Remote, RemoteObject } from 'comlink';
import { describe, expectTypeOf, it } from 'vitest';
import type { SearchApi, SearchCallbacks, SearchPort, SearchWorker } from '../../src/contracts/search-worker.ts';
import type { Study, StudyConfig } from '../../src/contracts/study.ts';
import type { TrialWeights } from '../../src/contracts/weights.ts';

/** Each method's arguments, and what it answers once awaited (only a promise has a `then`). */
type ArgumentsOf<T> = { readonly [K in keyof T]: T[K] extends (...args: infer A) => unknown ? A : never };
type AnswersOf<T> = { readonly [K in keyof T]: T[K] extends (...args: never[]) => infer R ? ([R] extends [PromiseLike<unknown>] ? ['promise', Awaited<R>] : ['not a promise', R]) : never };

describe('SearchPort', () => {
  it('is comlink’s Remote<SearchApi>, method for method, so the cast in SearchClient.api is sound', () => {
    // Remote<T> is RemoteObject<T> plus comlink's own proxy methods (releaseProxy and the like), and
    // each remote method is itself such a proxy: compared here by its call signature alone.
    expectTypeOf<Remote<SearchApi>>().toEqualTypeOf<RemoteObject<SearchApi> & ProxyMethods>();
    expectTypeOf<ArgumentsOf<RemoteObject<SearchApi>>>().toEqualTypeOf<ArgumentsOf<SearchPort>>();
    // comlink spreads a union over promises (Promise<A> | Promise<undefined>); awaited, they agree.
    expectTypeOf<AnswersOf<RemoteObject<SearchApi>>>().toEqualTypeOf<AnswersOf<SearchPort>>();
    expectTypeOf<Remote<SearchApi>>().toExtend<SearchPort>();
    expectTypeOf<keyof SearchPort>().toEqualTypeOf<keyof SearchApi>();
  });

  it('answers every call with a promise of what the worker returns', () => {
    expectTypeOf<SearchPort['unpause']>().toEqualTypeOf<() => Promise<void>>();
    expectTypeOf<SearchPort['getWeights']>().returns.toEqualTypeOf<Promise<TrialWeights | undefined>>();
    expectTypeOf<SearchPort['startStudy']>().parameters.toEqualTypeOf<Parameters<SearchApi['startStudy']>>();
    expectTypeOf<SearchPort['startStudy']>().returns.toEqualTypeOf<Promise<Study>>();
    expectTypeOf<Parameters<SearchPort['resumeStudy']>[1]>().toEqualTypeOf<SearchCallbacks | undefined>();
    expectTypeOf<Parameters<SearchPort['startStudy']>[0]>().toEqualTypeOf<StudyConfig>();
  });

  it('is what the page reaches through the worker entry’s `api`', () => {
    // comlink types a nested plain object as a promise of it (it only proxies functions and
    // ProxyMarked values); calls through `remote.api` still go to the worker, hence the cast.
    expectTypeOf<SearchWorker['api']>().toEqualTypeOf<SearchApi>();
    expectTypeOf<Remote<SearchWorker>['init']>().returns.toEqualTypeOf<Promise<void>>();
  });
});
