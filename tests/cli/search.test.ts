import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/common.ts';
import { runSearch } from '../../src/cli/search-command.ts';
import { parseStudyDocument } from '../../src/contracts/study-document.ts';

const dir = mkdtempSync(join(tmpdir(), 'search-'));
const quiet = new Writable({ write: (_chunk, _encoding, done) => done() }) as unknown as NodeJS.WriteStream;

async function failure(argv: string[]): Promise<CliError> {
  try {
    await runSearch(argv, { progress: quiet });
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected the command to fail');
}

describe('npm run search', { timeout: 300_000 }, () => {
  it('writes a valid study document, and the same seed gives the same first candidates', async () => {
    const docs = [];
    for (const name of ['a.json', 'b.json']) {
      const out = join(dir, name);
      const summary = await runSearch(['--dataset', 'digits', '--target', 'stm32f446re', '--strategy', 'evolution', '--trials', '2', '--epochs', '1', '--seed', '7', '--out', out], { progress: quiet });
      expect(summary).toMatch(/^completed after \d+\.\d min: 2 completed, 0 stopped early, 0 failed, 0 skipped; study written to /);
      // The trial a user would take: the front member with the best validation accuracy.
      expect(summary).toMatch(/\nmost accurate feasible trial \(by validation accuracy\): study-[0-9a-f]+\.\d+: test accuracy \d+\.\d %/);
      docs.push(parseStudyDocument(readFileSync(out, 'utf8'), name));
    }
    const [a, b] = docs;
    expect(a!.study.config).toMatchObject({ dataset: 'digits', targets: ['stm32f446re'], strategy: 'evolution', accounting: 'deploy', budget: { trials: 2 }, epochs: 1, seed: 7, earlyStopping: true });
    expect(a!.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(a!.paretoFront.length).toBeGreaterThan(0);
    // Node trains on WASM unless told otherwise.
    expect(a!.environment.backend).toBe('wasm');
    const candidates = (doc: typeof a) => doc!.trials.map((t) => [t.sampledArchitecture ?? t.architecture, t.hyperparameters.pruning]);
    expect(candidates(b)).toEqual(candidates(a));
    expect(b!.study.id).not.toBe(a!.study.id);
  });

  it('searches for a number of minutes alone, with the recipe epochs for the dataset, and early stopping can be turned off', async () => {
    const out = join(dir, 'minutes.json');
    let progress = '';
    const capture = new Writable({ write: (chunk, _encoding, done) => ((progress += String(chunk)), done()) }) as unknown as NodeJS.WriteStream;
    const summary = await runSearch(['--dataset', 'digits', '--target', 'arduino-uno', '--minutes', '0.05', '--no-early-stop', '--out', out], { progress: capture });
    // With only a time budget the bar counts the budget's seconds.
    expect(progress).toMatch(/^search \[[#.]{24}\] \d+\/3 s/m);
    expect(summary).toMatch(/^completed after \d+\.\d min: \d+ completed, 0 stopped early, 0 failed, 0 skipped/);
    const doc = parseStudyDocument(readFileSync(out, 'utf8'), 'minutes.json');
    // No trial count: the time is the budget. 1,077 digits in batches of 32: 15 epochs make about 500 steps.
    expect(doc.study.config).toMatchObject({ budget: { minutes: 0.05 }, epochs: 15, batchSize: 32, learningRate: 0.01, earlyStopping: false });
    expect(doc.trials.filter((t) => t.status === 'completed').length).toBeGreaterThanOrEqual(1);
    expect(doc.trials.every((t) => t.status !== 'stopped')).toBe(true);
  });

  it.each([
    [['--target', 'esp32', '--out', 'x.json'], 2, 'missing --dataset ID'],
    [['--dataset', 'digits', '--out', 'x.json'], 2, 'missing --target ID'],
    [['--dataset', 'digits', '--target', 'esp32'], 2, 'missing --out FILE'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', 'x.json', '--strategy', 'grid'], 2, '--strategy must be random, mobo or evolution, got "grid"'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', 'x.json', '--trials', '0'], 2, '--trials must be a whole number of at least 1, got "0"'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', 'x.json', '--accounting', 'exact'], 2, '--accounting must be "paper" or "deploy", got "exact"'],
    [['--dataset', 'digits', '--target', 'pdp-11', '--out', 'x.json'], 1, 'unknown target "pdp-11"'],
    [['--dataset', 'digits', '--target', 'esp32', '--out', join(dir, 'no', 'such', 'x.json'), '--trials', '1'], 1, 'no such folder'],
  ])('rejects %j with exit code %i', async (argv, code, message) => {
    const error = await failure(argv);
    expect(error.exitCode).toBe(code);
    expect(error.message).toContain(message);
  });
});
