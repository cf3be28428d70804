/**
 * Vite plugin: keeps tfjs's multi-threaded WASM backend working in a minified build.
 *
 * tfjs-backend-wasm starts its pthread workers from a Blob holding
 * `"var WasmBackendModuleThreadedSimd = " + factory.toString()`, so the factory function must make
 * sense on its own. Emscripten wraps it in a closure that declares `_scriptDir`, and the function
 * reads it behind `typeof _scriptDir !== "undefined"`. A minifier sees the closure's declaration,
 * renames it (`e`) and drops the now "useless" typeof guard; the text of the function then reads an
 * undeclared `e` in every pthread worker, which throws "e is not defined" and no thread starts.
 *
 * Here the closure's declaration is removed before minification: inside the function `_scriptDir`
 * is then an undeclared global, which no minifier renames, and the typeof guard stays. Nothing is
 * lost: `_scriptDir` only gave a default folder for the .wasm files, and src/tf/wasm-files.ts names
 * them itself. A tfjs that changes the file makes the build fail here, in words, rather than ship
 * a backend that silently runs on one thread.
 */
import type { Plugin } from 'vite';

const file = /tfjs-backend-wasm[\\/]wasm-out[\\/]tfjs-backend-wasm-threaded-simd\.js$/;
const declaration =
  /var _scriptDir = typeof document !== 'undefined' && document\.currentScript \? document\.currentScript\.src : undefined;\s*if \(typeof __filename !== 'undefined'\) _scriptDir = _scriptDir \|\| __filename;/;

export function tfjsWasmThreads(): Plugin {
  return {
    name: 'tfjs-wasm-threads',
    apply: 'build',
    transform(code, id) {
      if (!file.test(id)) return null;
      if (!declaration.test(code)) {
        this.error(`${id}: the _scriptDir declaration that scripts/vite-tfjs-wasm-threads.ts removes is not there; check this tfjs version's threaded WASM factory`);
      }
      return { code: code.replace(declaration, '/* _scriptDir: see scripts/vite-tfjs-wasm-threads.ts */'), map: null };
    },
  };
}
