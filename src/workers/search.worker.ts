/** The search worker: only exposes the API of search-api.ts through comlink. */
import { expose } from 'comlink';
import type { SearchApi, SearchWorker, SearchWorkerOptions } from '../contracts/search-worker.ts';
import { useBundledWasmFiles } from '../tf/wasm-files.ts';
import { createSearchApi } from './search-api.ts';
import type { TrainerWorker } from './trainer-pool.ts';

useBundledWasmFiles();

let api: SearchApi | undefined;

/** `init` first (the page passes where the datasets are), then every function of SearchApi. */
const worker: SearchWorker = {
  init(options: SearchWorkerOptions): void {
    // Several trials at once train in nested dedicated workers, which Vite bundles from this URL.
    api ??= createSearchApi(options, () => new Worker(new URL('./trainer.worker.ts', import.meta.url), { type: 'module', name: 'trainer' }) as TrainerWorker);
  },
  api: new Proxy({} as SearchApi, {
    get(_target, key: string) {
      if (!api) throw new Error('the search worker was not initialised');
      return api[key as keyof SearchApi];
    },
  }),
};

expose(worker);
