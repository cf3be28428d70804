/**
 * Where the browser tests find Chromium. Playwright's own browser download does not work on our
 * machines (DESIGN.md §7), so we always point Playwright at a system Chromium or Chrome.
 */
import { existsSync } from 'node:fs';

/** Candidate executables, first match wins. `CHROMIUM_PATH` overrides them all. */
export const chromiumCandidates = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
  '/snap/bin/chromium',
];

/** The path of a usable Chromium, or undefined when none is installed. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const override = env.CHROMIUM_PATH;
  if (override) return existsSync(override) ? override : undefined;
  return chromiumCandidates.find((path) => existsSync(path));
}

/**
 * Flags for headless Chromium here: WebGPU runs on SwiftShader only with --enable-unsafe-webgpu;
 * root needs --no-sandbox; the closed network refuses Chromium's background connections.
 */
export const chromiumArgs = [
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];
