/**
 * The fault test of `npm run search` (issue 14): the real CLI, killed with SIGKILL at seeded-random
 * moments (no handler runs: whatever is on the disk is what the next run finds), each time run
 * again with --resume, then stopped with SIGTERM, then resumed to the end. The study that comes out
 * must be whole: every trial once, the budget met, no `.tmp` left, the front's weights readable.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStudyDocument } from '../../src/contracts/study-document.ts';
import type { StudyDocument } from '../../src/contracts/study.ts';
import { parseWeightsFile } from '../../src/contracts/weights-file.ts';
import { createRng } from '../../src/core/rng.ts';
import { type CliProcess, startCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'search-kill-'));
const out = join(dir, 's.json');
const budget = 14;
/** The same command every time, as a user would type it again; --resume is added to continue. */
const command = ['--dataset', 'digits', '--target', 'arduino-uno', '--strategy', 'random', '--trials', String(budget), '--epochs', '2', '--seed', '5', '--out', out];

type Run = CliProcess;

const start = (extra: readonly string[]): Run => startCli('src/cli/search.ts', [...command, ...extra]);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const readDoc = (): StudyDocument => parseStudyDocument(readFileSync(out, 'utf8'), 's.json');

/** Waits until this run has written a trial it is training (the file changed since `before` and has one running). */
async function trainingStarted(run: Run, before: string | undefined): Promise<void> {
  let exited = false;
  void run.ended.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error('the search ended before it was interrupted');
    const text = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
    if (text !== undefined && text !== before && text.includes('"status": "running"')) return;
    await sleep(20);
  }
}

/** Every file under `root`, relative to it. */
function allFiles(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? allFiles(root, join(prefix, e.name)) : [join(prefix, e.name)]));
}

describe('npm run search under faults', () => {
  it('survives SIGKILL at three random moments and a SIGTERM, resuming each time into one whole study', { timeout: 150_000 }, async () => {
    const rng = createRng('search-kill-test');
    const timings: string[] = [];
    const snapshots: StudyDocument[] = [];
    let before: string | undefined;
    for (let kill = 0; kill < 3; kill++) {
      const started = performance.now();
      const run = start(kill === 0 ? [] : ['--resume']);
      await trainingStarted(run, before);
      // Somewhere in the training of a trial, its evaluation, or the writes of its weights and the study.
      const delay = Math.floor(rng.next() * 900);
      await sleep(delay);
      run.child.kill('SIGKILL');
      const ended = await run.ended;
      expect(ended.signal).toBe('SIGKILL');
      timings.push(`kill ${kill + 1} after ${Math.round(performance.now() - started)} ms (${delay} ms into a trial)`);
      // Whatever the kill cut short, the study file reads.
      const doc = readDoc();
      snapshots.push(doc);
      before = readFileSync(out, 'utf8');
    }

    // SIGTERM: the study stops between batches, the running trial goes back to the queue, exit 143.
    const run = start(['--resume']);
    await trainingStarted(run, before);
    run.child.kill('SIGTERM');
    const stopped = await run.ended;
    expect(stopped.code).toBe(143);
    expect(stopped.stderr).toContain('search: SIGTERM: stopping after this batch and writing the study (again to quit at once)\n');
    expect(stopped.stdout).toMatch(/^stopped after \d+\.\d min \(stopped by you\): /);
    expect(stopped.stdout).toContain(`\nto continue it: npm run search -- --out ${out} --resume\n`);
    const afterStop = readDoc();
    expect(afterStop.trials.some((t) => t.status === 'running')).toBe(false);
    snapshots.push(afterStop);

    const last = await start(['--resume']).ended;
    expect(last.stderr.split('\n').filter((line) => line.startsWith('search:'))).toEqual([]);
    expect(last.code).toBe(0);
    expect(last.stdout).toMatch(new RegExp(`^completed after \\d+\\.\\d min \\(the budget of ${budget} trials is spent\\): `));

    const doc = readDoc();
    const ids = doc.trials.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.trials.map((t) => t.index)).toEqual(doc.trials.map((_, i) => i));
    expect(ids.every((id) => id.startsWith(`${doc.study.id}.`))).toBe(true);
    // Every trial ended, and the trained ones meet the budget exactly (no trial trained twice).
    expect(doc.trials.filter((t) => t.status === 'running' || t.status === 'queued')).toEqual([]);
    expect(doc.trials.filter((t) => t.status === 'completed' || t.status === 'stopped' || t.status === 'failed').length).toBe(budget);
    expect(doc.study.status).toBe('completed');
    // A trial that had ended before a kill is kept as it was: never trained again, never twice.
    for (const snapshot of snapshots) {
      for (const trial of snapshot.trials.filter((t) => t.status !== 'running' && t.status !== 'queued')) {
        expect(doc.trials.find((t) => t.id === trial.id)).toEqual(trial);
      }
    }
    // No temporary file anywhere, and the weights folder holds exactly the front's weights, each readable.
    expect(allFiles(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    const weightsDir = join(dir, 's.weights');
    expect(readdirSync(weightsDir).sort()).toEqual(doc.paretoFront.map((id) => `${id}.json`).sort());
    for (const id of doc.paretoFront) {
      const path = join(weightsDir, `${id}.json`);
      const weights = parseWeightsFile(readFileSync(path, 'utf8'), path);
      expect(weights).toMatchObject({ trialId: id, studyId: doc.study.id });
    }

    // The same command again, without --resume or --force: refused in one line, nothing touched.
    const bytes = readFileSync(out);
    const weightsBefore = readdirSync(weightsDir).map((name) => [name, readFileSync(join(weightsDir, name), 'utf8')]);
    const refused = await start([]).ended;
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      `search: "${out}" already holds the study "random search on digits for arduino-uno", ${budget} of ${budget} trials done, finished; ` +
        `add --resume to continue it, or --force to start a new study in its place (deleting ${weightsDir}/)\n`,
    );
    expect(readFileSync(out).equals(bytes)).toBe(true);
    expect(readdirSync(weightsDir).map((name) => [name, readFileSync(join(weightsDir, name), 'utf8')])).toEqual(weightsBefore);
    console.info(`search kill test: ${timings.join('; ')}`);
  });
});
