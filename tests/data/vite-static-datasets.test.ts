/**
 * The Vite plugin of scripts/vite-static-datasets.ts: the dev server and `vite preview` serve
 * static-datasets/ at <base>datasets/ as plain bytes, and a build copies it into dist/datasets/.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, createServer, preview } from 'vite';
import { afterAll, describe, expect, it } from 'vitest';
import { staticDatasets } from '../../scripts/vite-static-datasets.ts';

const dir = resolve('static-datasets');
const digits = readFileSync(join(dir, 'digits.spds.gz'));

const origin = (address: AddressInfo | string | null | undefined) => `http://127.0.0.1:${(address as AddressInfo).port}`;

describe('the dev server', () => {
  it('serves the files as plain bytes under the base path and /datasets/, and nothing else', async () => {
    const server = await createServer({ configFile: false, root: process.cwd(), base: '/app/', logLevel: 'silent', plugins: [staticDatasets()], server: { host: '127.0.0.1', port: 0 } });
    await server.listen();
    try {
      const at = origin(server.httpServer?.address());
      const gz = await fetch(`${at}/app/datasets/digits.spds.gz`);
      expect([gz.status, gz.headers.get('content-type'), gz.headers.get('content-encoding')]).toEqual([200, 'application/octet-stream', null]);
      expect(new Uint8Array(await gz.arrayBuffer())).toEqual(new Uint8Array(digits));
      const manifest = await fetch(`${at}/datasets/manifest.json`);
      expect([manifest.status, manifest.headers.get('content-type')]).toEqual([200, 'application/json']);
      const missing = await fetch(`${at}/datasets/nothing.bin`);
      expect([missing.status, await missing.text()]).toEqual([404, `No dataset file "nothing.bin" in ${dir}; run npm run datasets to build the built-in datasets.\n`]);
      expect((await fetch(`${at}/datasets/..%2Fpackage.json`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('a build and vite preview', () => {
  const root = mkdtempSync(join(tmpdir(), 'vite-static-datasets-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('copies every file into dist/datasets/ and preview serves them', async () => {
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
    const outDir = join(root, 'dist');
    const config = { configFile: false as const, root, logLevel: 'silent' as const, plugins: [staticDatasets({ dir })], build: { outDir, emptyOutDir: true } };
    await build(config);
    expect(readdirSync(join(outDir, 'datasets')).sort()).toEqual(readdirSync(dir).sort());
    expect(readFileSync(join(outDir, 'datasets', 'digits.spds.gz'))).toEqual(digits);

    const server = await preview({ ...config, preview: { host: '127.0.0.1', port: 0 } });
    try {
      const response = await fetch(`${origin(server.httpServer.address())}/datasets/digits.spds.gz`);
      expect([response.status, response.headers.get('content-encoding')]).toEqual([200, null]);
      expect(new Uint8Array(await response.arrayBuffer())).toEqual(new Uint8Array(digits));
    } finally {
      await server.close();
    }
  });
});
