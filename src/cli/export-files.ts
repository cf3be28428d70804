/**
 * Writes a microcontroller bundle into a folder, for `npm run train -- --export DIR` and
 * `npm run export`, and says in one paragraph what was written and what was predicted.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { formatBytes } from '../core/units.ts';
import type { ExportResult } from '../deploy/export.ts';
import { writeFileAtomic } from './atomic-file.ts';
import { CliError } from './common.ts';

/**
 * Writes every file of the bundle under `dir` (created when missing), each one atomically (no half
 * file, no `.tmp` left when it fails); returns the paths written.
 */
export function writeBundle(result: ExportResult, dir: string, option = '--export'): string[] {
  const root = resolve(dir);
  const written: string[] = [];
  try {
    mkdirSync(root, { recursive: true });
    for (const file of result.files) {
      const path = join(root, ...file.name.split('/'));
      mkdirSync(dirname(path), { recursive: true });
      writeFileAtomic(path, file.data);
      written.push(path);
    }
  } catch (error) {
    throw new CliError(`${option} ${dir}: cannot write the bundle (${(error as Error).message})`);
  }
  return written;
}

const percent = (x: number): string => `${(100 * x).toFixed(1)} %`;

/** What an export wrote and predicted, in a few lines. */
export function exportSummary(result: ExportResult, dir: string, note?: string): string {
  const { manifest: m } = result;
  const p = m.predicted;
  return [
    `exported to ${dir}: model.tflite ${formatBytes(m.tfliteBytes)} (${m.ops.length} ops: ${m.resolverOps.join(', ')}), ${m.testSamples.count} test samples`,
    `int8 test accuracy ${percent(m.int8TestAccuracy)} (${percent(m.testSamples.int8Accuracy)} on the exported samples)`,
    `predicted for ${m.target.name} (${m.target.runtime}): model flash ${formatBytes(p.modelFlashBytes)} + code ${formatBytes(p.codeBytes)}; ` +
      `arena_used_bytes ${formatBytes(p.arenaBytes)} (activations ${formatBytes(p.nonPersistentBytes)} + persistent ${formatBytes(p.persistentBytes)}); configure ${formatBytes(p.arenaSizeToConfigure)}`,
    ...(note ? [`note: ${note}`] : []),
  ].join('\n');
}
