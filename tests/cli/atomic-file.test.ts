/**
 * The atomic writes of the command-line tools: write, fsync, rename, and never a `.tmp` left behind,
 * neither after a write that failed nor in a bundle written by `npm run export`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removePendingTempFiles, removeStaleTempFile, tempPathOf, writeFileAtomic } from '../../src/cli/atomic-file.ts';
import { CliError } from '../../src/cli/common.ts';
import { writeBundle } from '../../src/cli/export-files.ts';
import type { ExportResult } from '../../src/deploy/export.ts';

const dir = mkdtempSync(join(tmpdir(), 'atomic-'));

describe('atomic files', () => {
  it('replaces a file whole and leaves no .tmp', () => {
    const path = join(dir, 'study.json');
    writeFileSync(path, 'old');
    writeFileAtomic(path, 'new');
    writeFileAtomic(join(dir, 'bytes.bin'), Uint8Array.of(1, 2, 3));
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect([...readFileSync(join(dir, 'bytes.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(dir).sort()).toEqual(['bytes.bin', 'study.json']);
  });

  it('removes its .tmp when the rename fails, and keeps what was there', () => {
    // A folder where the file should go: the data is written to the .tmp, the rename refuses.
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'inside'), 'kept');
    expect(() => writeFileAtomic(path, 'data')).toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(existsSync(tempPathOf(path))).toBe(false);
    expect(readFileSync(join(path, 'inside'), 'utf8')).toBe('kept');
    removePendingTempFiles();
  });

  it('removes the .tmp a killed run left, and says whether there was one', () => {
    const path = join(dir, 'killed.json');
    writeFileSync(tempPathOf(path), '{"half');
    expect(removeStaleTempFile(path)).toBe(true);
    expect(existsSync(tempPathOf(path))).toBe(false);
    expect(removeStaleTempFile(path)).toBe(false);
  });

  it('writes an export bundle without .tmp files, and cleans up when a file cannot be written', () => {
    const files = [
      { name: 'README.txt', data: new TextEncoder().encode('read me') },
      { name: 'arduino/sparse_model/model_data.h', data: new TextEncoder().encode('// model') },
    ];
    const result = { files } as unknown as ExportResult;
    const out = join(dir, 'bundle');
    writeBundle(result, out);
    const listed = (root: string): string[] => readdirSync(root, { recursive: true, encoding: 'utf8' }).sort();
    expect(listed(out)).toEqual(['README.txt', 'arduino', 'arduino/sparse_model', 'arduino/sparse_model/model_data.h']);
    expect(readdirSync(dir).filter((name) => name.startsWith('bundle'))).toEqual(['bundle']);

    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'README.txt'), { recursive: true });
    let message = '';
    try {
      writeBundle(result, blocked);
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      message = error.message;
    }
    expect(message).toMatch(/^--export .*blocked: cannot write the bundle \(.*\)$/);
    expect(listed(blocked).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
