/** A trainer worker (parallel trials, issue 15): only exposes the API of trainer-api.ts through comlink. */
import { expose } from 'comlink';
import { useBundledWasmFiles } from '../tf/wasm-files.ts';
import { createTrainerApi } from './trainer-api.ts';

useBundledWasmFiles();

expose(createTrainerApi());
