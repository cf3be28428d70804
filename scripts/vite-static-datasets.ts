/**
 * Vite plugin: the built-in datasets of static-datasets/ at `<base>datasets/` — served by the dev
 * server, `vite preview` and Vitest's browser mode, and copied into the build as `dist/datasets/`.
 * The app reads them with `fetchReader(`${import.meta.env.BASE_URL}datasets/`)` (src/data/builtin.ts).
 *
 * The .gz files are sent as plain bytes (application/octet-stream, no Content-Encoding), so fetch
 * hands over exactly the bytes whose SHA-256 the manifest records.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { Plugin } from 'vite';

/** The URL folder, under the app's base. */
export const DATASETS_URL_PATH = 'datasets/';

/** Names we serve: plain files of the folder, nothing hidden, no sub-folders (so no path tricks). */
const SERVABLE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const CONTENT_TYPES: Record<string, string> = { json: 'application/json', md: 'text/markdown; charset=utf-8' };
const contentType = (name: string): string => CONTENT_TYPES[name.split('.').pop() ?? ''] ?? 'application/octet-stream';

type Next = (error?: unknown) => void;

export function staticDatasets(options: { dir?: string } = {}): Plugin {
  let dir = resolve(options.dir ?? 'static-datasets');
  let prefixes = [`/${DATASETS_URL_PATH}`];

  const files = (): string[] => readdirSync(dir).filter((name) => SERVABLE.test(name) && statSync(join(dir, name)).isFile());

  function serve(req: IncomingMessage, res: ServerResponse, next: Next): void {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const prefix = prefixes.find((candidate) => pathname.startsWith(candidate));
    if (prefix === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    const name = decodeURIComponent(pathname.slice(prefix.length));
    const path = join(dir, name);
    let body: Buffer;
    try {
      if (!SERVABLE.test(name) || !statSync(path).isFile()) throw new Error('not a servable file');
      body = readFileSync(path);
    } catch {
      res.statusCode = 404;
      res.setHeader('Content-Type', 'text/plain; charset=utf-8');
      res.end(`No dataset file "${name}" in ${dir}; run npm run datasets to build the built-in datasets.\n`);
      return;
    }
    res.statusCode = 200;
    res.setHeader('Content-Type', contentType(name));
    res.setHeader('Content-Length', body.length);
    // Rebuilding the datasets must show up on the next load, not after a cache expires.
    res.setHeader('Cache-Control', 'no-cache');
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  return {
    name: 'static-datasets',
    configResolved(config) {
      dir = resolve(config.root, options.dir ?? 'static-datasets');
      // The app asks for `${BASE_URL}datasets/`; tests and tools may ask for /datasets/ directly.
      prefixes = [...new Set([`${config.base.endsWith('/') ? config.base : `${config.base}/`}${DATASETS_URL_PATH}`, `/${DATASETS_URL_PATH}`])];
    },
    configureServer(server) {
      server.middlewares.use(serve);
    },
    configurePreviewServer(server) {
      server.middlewares.use(serve);
    },
    generateBundle() {
      for (const name of files()) {
        this.emitFile({ type: 'asset', fileName: `${DATASETS_URL_PATH}${name}`, source: readFileSync(join(dir, name)) });
      }
    },
  };
}
