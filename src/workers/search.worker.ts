/** The search worker: only exposes the API of search-api.ts through comlink. */
import { expose } from 'comlink';
import { type SearchWorkerOptions, createSearchApi } from './search-api.ts';

let api: ReturnType<typeof createSearchApi> | undefined;

/** `init` first (the page passes where the datasets are), then every function of SearchApi. */
const worker = {
  init(options: SearchWorkerOptions): void {
    api ??= createSearchApi(options);
  },
  api: new Proxy({} as ReturnType<typeof createSearchApi>, {
    get(_target, key: string) {
      if (!api) throw new Error('the search worker was not initialised');
      return api[key as keyof typeof api];
    },
  }),
};

export type SearchWorker = typeof worker;
expose(worker);
