/** The live study's components in Chromium: the sortable trial table, the study list with import errors, the run panel and "judge by". */
import { type Component, flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { Study, TargetSpec } from '../../src/contracts/study.ts';
import { StudyState, type SortKey } from '../../src/state/study.svelte.ts';
import JudgeBy from '../../src/ui/JudgeBy.svelte';
import RunPanel from '../../src/ui/RunPanel.svelte';
import StudyList from '../../src/ui/StudyList.svelte';
import TrialTable from '../../src/ui/TrialTable.svelte';
import { study as fixtureStudy, trials } from '../contracts/study-fixture.ts';

let mounted: ReturnType<typeof mount>[] = [];
afterEach(() => {
  for (const m of mounted) unmount(m);
  mounted = [];
  document.body.innerHTML = '';
});

function show<P extends Record<string, any>>(component: Component<P>, props: P): void {
  const target = document.createElement('div');
  document.body.append(target);
  mounted.push(mount(component, { target, props }));
  flushSync();
}

describe('TrialTable', () => {
  it('lists every trial with its status, sorts by a column, and selects a trial', async () => {
    const state = new StudyState(fixtureStudy, trials);
    const sorts: SortKey[] = [];
    const selected: string[] = [];
    show(TrialTable, { rows: state.rows, sort: state.sort, accounting: 'paper', onSort: (k: SortKey) => sorts.push(k), onSelect: (id: string) => selected.push(id) });
    const table = page.getByRole('table', { name: 'Trials' });
    await expect.element(table).toBeInTheDocument();
    const statuses = [...document.querySelectorAll('tbody .status')].map((e) => e.textContent);
    expect(statuses).toEqual(['completed', 'failed', 'skipped', 'completed', 'running', 'queued', 'stopped']);
    expect(document.querySelector('th[aria-sort="ascending"]')?.textContent).toContain('#');
    await page.getByRole('button', { name: 'Val. accuracy' }).click();
    expect(sorts).toEqual(['valAccuracy']);
    await page.getByRole('button', { name: 'Trial 4', exact: true }).click();
    expect(selected).toEqual([trials[3]!.id]);
  });

  it('keeps the trial, its accuracy and its fit on screen at 390 px, the other columns from wider (issue 13)', async () => {
    const state = new StudyState(fixtureStudy, trials);
    show(TrialTable, { rows: state.rows, sort: state.sort, accounting: 'paper', onSort: () => {}, onSelect: () => {} });
    const shown = (): string[] =>
      [...document.querySelectorAll<HTMLElement>('thead th')].filter((th) => th.offsetParent !== null).map((th) => th.textContent!.replace(/[▲▼]/, '').trim());
    await page.viewport(1280, 800);
    // The fit next to the accuracy: in view even where the wide table scrolls sideways.
    await expect.poll(shown).toEqual(['#', 'Status', 'Val. accuracy', 'Fit', 'Test accuracy', 'Int8 accuracy', 'Model size', 'Working memory', 'MACs', 'Latency', 'Time']);
    try {
      await page.viewport(390, 800);
      await expect.poll(shown).toEqual(['#', 'Status', 'Val. accuracy', 'Fit']);
      await expect.element(page.getByText('Some columns are hidden at this width: open a trial to see all its numbers.')).toBeVisible();
      // The Fit header and every Fit cell lie inside the viewport and inside the table's scroll box (not
      // clipped by it), with the page's own padding (1rem a side), and the page does not scroll sideways.
      document.body.style.padding = '0 1rem';
      const box = document.querySelector('.scroll')!.getBoundingClientRect();
      const fit = [...document.querySelectorAll('th.fit, td.fit')].map((e) => e.getBoundingClientRect());
      expect(fit).toHaveLength(1 + trials.length);
      for (const cell of fit) expect(cell.right).toBeLessThanOrEqual(Math.min(390, box.right));
      expect(document.querySelector('table')!.getBoundingClientRect().right).toBeLessThanOrEqual(box.right);
      expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(390);
    } finally {
      document.body.style.padding = '';
      await page.viewport(1280, 800);
    }
  });

  it('orders rows by the state\'s sort: best accuracy first, missing values last', () => {
    const state = new StudyState(fixtureStudy, trials);
    state.sortBy('valAccuracy');
    // The trial stopped early (6) has the validation accuracy it had when it was stopped.
    expect(state.rows.map((r) => r.trial.index)).toEqual([0, 3, 6, 1, 2, 4, 5]);
    state.sortBy('valAccuracy');
    expect(state.rows.map((r) => r.trial.index)).toEqual([6, 3, 0, 1, 2, 4, 5]);
  });
});

describe('StudyList', () => {
  const studies: Study[] = [fixtureStudy, { ...fixtureStudy, id: 'study-2', config: { ...fixtureStudy.config, name: '<b>bold</b> study' } }];

  it('lists the studies as text, opens one, and shows an import error in an alert', async () => {
    const opened: string[] = [];
    show(StudyList, {
      studies,
      currentId: fixtureStudy.id,
      runningId: fixtureStudy.id,
      importError: 'broken.json: schemaVersion: must be 1, got "<i>1</i>"',
      onOpen: (id: string) => opened.push(id),
      onDelete: () => {},
      onExport: () => {},
      onImport: () => {},
    });
    await expect.element(page.getByRole('alert')).toHaveTextContent('broken.json: schemaVersion: must be 1, got "<i>1</i>"');
    expect(document.querySelector('b, i')).toBeNull();
    await page.getByRole('button', { name: '<b>bold</b> study', exact: true }).click();
    expect(opened).toEqual(['study-2']);
    await expect.element(page.getByRole('button', { name: 'Export JSON' })).toBeEnabled();
    // The study a search runs on cannot be deleted; the others can.
    await expect.element(page.getByRole('button', { name: 'Delete Digits on an Uno' })).toBeDisabled();
    await expect.element(page.getByRole('button', { name: 'Delete <b>bold</b> study' })).toBeEnabled();
    await expect.element(page.getByLabelText('Import JSON')).toBeInTheDocument();
  });

  it('offers Undo after a delete, in a status region, keyboard-first, and lists the deleted studies to bring back (issue 13)', async () => {
    const undone: string[] = [];
    const entry = { studyId: 'study-2', name: '<b>bold</b> study' };
    const list = (undoOffer: typeof entry | undefined): void =>
      show(StudyList, {
        studies: [studies[0]!], currentId: undefined, runningId: undefined, importError: undefined,
        onOpen: () => {}, onDelete: () => {}, onExport: () => {}, onImport: () => {},
        undoOffer, recentlyDeleted: [entry], onUndo: (id: string) => undone.push(id),
      });
    // The row and its Delete button went, so nothing has the focus: the Undo that appears takes it.
    (document.activeElement as HTMLElement | null)?.blur();
    list(entry);
    await expect.element(page.getByRole('status')).toHaveTextContent('Deleted "<b>bold</b> study". Undo');
    expect(document.querySelector('b')).toBeNull();
    const undo = page.getByRole('button', { name: 'Undo', exact: true });
    await expect.element(undo).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(undone).toEqual(['study-2']);
    for (const m of mounted) unmount(m);
    mounted = [];
    document.body.innerHTML = '';
    // After the offer the status region is empty, and the study can still be brought back until the page closes.
    list(undefined);
    await expect.element(page.getByRole('status')).toHaveTextContent('');
    await expect.element(undo).not.toBeInTheDocument();
    await page.getByText('Deleted since this page opened (1)').click();
    await page.getByRole('button', { name: 'Bring back <b>bold</b> study' }).click();
    expect(undone).toEqual(['study-2', 'study-2']);
  });

  it('hands an imported file over', async () => {
    const files: string[] = [];
    show(StudyList, { studies: [], currentId: undefined, runningId: undefined, importError: undefined, onOpen: () => {}, onDelete: () => {}, onExport: () => {}, onImport: (f: File) => files.push(f.name) });
    await expect.element(page.getByRole('button', { name: 'Export JSON' })).toBeDisabled();
    await page.getByLabelText('Import JSON').upload(new File(['{}'], 'study.json', { type: 'application/json' }));
    expect(files).toEqual(['study.json']);
  });
});

describe('RunPanel', () => {
  it('shows progress, the ETA, the backends timed with the chosen one, and stops', async () => {
    let stops = 0;
    show(RunPanel, {
      running: true,
      paused: false,
      status: 'running',
      progress: { studyId: 's', trialIndex: 3, trialsDone: 3, trialsBudget: 12, elapsedSeconds: 95, etaSeconds: 290, trial: { phase: 'training', epoch: 2, epochs: 4, batch: 10, batches: 40, samplesSeen: 1500, loss: 0.4321 } },
      curve: [{ epoch: 1, loss: 0.6, valAccuracy: 0.8 }],
      epochs: 4,
      backend: {
        backend: 'wasm',
        reason: 'fastest by training speed',
        attempts: [
          { backend: 'wasm', ok: true, reason: 'trained', ms: 200, label: 'WASM, SIMD, 1 thread', note: 'tfjs uses half of the 2 logical cores', samplesPerSecond: 2400.4 },
          { backend: 'cpu', ok: true, reason: 'trained', ms: 200, label: 'plain JavaScript on the CPU', samplesPerSecond: 220 },
          { backend: 'webgpu', ok: true, reason: 'trained', ms: 4000, label: 'WebGPU emulated on the CPU (SwiftShader)', samplesPerSecond: 35 },
          { backend: 'webgl', ok: false, reason: 'no WebGL here', ms: 3 },
        ],
      },
      onStop: () => stops++,
      onPause: () => {},
      onContinue: () => {},
      onResume: () => {},
    });
    await expect.element(page.getByText('Trial 4, 3 of 12 trained · 1 min 35 s elapsed · about 4 min 50 s left')).toBeInTheDocument();
    await expect.element(page.getByText(/training: epoch 2 of 4, batch 10 of 40 \(31\s%\) · loss 0.432/)).toBeInTheDocument();
    await expect.element(page.getByText(/^Training on wasm/)).toHaveTextContent('Training on wasm (WASM, SIMD, 1 thread), the fastest of the 3 backends timed here.');
    const ranking = page.getByRole('table', { name: 'Training speed of each backend on a few steps of a small CNN' });
    expect(Array.from(ranking.element().querySelectorAll('tbody tr'), (row) => row.textContent)).toEqual([
      'wasm ✓WASM, SIMD, 1 thread (tfjs uses half of the 2 logical cores)2,400',
      'cpuplain JavaScript on the CPU220',
      'webgpuWebGPU emulated on the CPU (SwiftShader)35',
    ]);
    await page.getByText('Not used here: webgl').click();
    await expect.element(page.getByText('webgl: no WebGL here')).toBeVisible();
    await page.getByRole('button', { name: 'Stop search' }).click();
    expect(stops).toBe(1);
  });
});

describe('RunPanel with several trials at once', () => {
  it('shows every running trial with a line and a bar, the study bar counting their share, and whose curve it is', async () => {
    let pauses = 0;
    show(RunPanel, {
      running: true,
      paused: false,
      status: 'running',
      progress: {
        studyId: 's',
        trialIndex: 6,
        trialsDone: 4,
        trialsBudget: 10,
        elapsedSeconds: 30,
        etaSeconds: 50,
        trial: { phase: 'training', epoch: 2, epochs: 5, batch: 17, batches: 34, samplesSeen: 1600, loss: 0.5 },
        running: [
          { trialIndex: 6, trial: { phase: 'training', epoch: 2, epochs: 5, batch: 17, batches: 34, samplesSeen: 1600, loss: 0.5 } },
          { trialIndex: 7 },
          { trialIndex: 8, trial: { phase: 'fine-tuning', epoch: 1, epochs: 2, batch: 34, batches: 34, samplesSeen: 1077, valAccuracy: 0.912 } },
        ],
      },
      curve: [], epochs: 5, backend: undefined,
      onStop: () => {}, onPause: () => pauses++, onContinue: () => {}, onResume: () => {},
    });
    await expect.element(page.getByText('Trials 7, 8 and 9, 4 of 10 trained · 30 s elapsed · about 50 s left')).toBeInTheDocument();
    const lines = page.getByRole('list', { name: 'Running trials' }).getByRole('listitem');
    expect(lines.elements().map((li) => li.textContent!.replace(/[ \n\t]+/g, ' ').trim())).toEqual([
      'Trial 7 · training: epoch 2 of 5, batch 17 of 34 (30\u00a0%) · loss 0.500',
      'Trial 8 · starting: waiting for its first batch',
      'Trial 9 · fine-tuning: epoch 1 of 2, batch 34 of 34 (50\u00a0%) · val. accuracy 91.2 %',
    ]);
    const bars = [...document.querySelectorAll<HTMLProgressElement>('ul progress')];
    expect(bars.map((bar) => (bar.hasAttribute('value') ? bar.value : 'indeterminate'))).toEqual([0.3, 'indeterminate', 0.5]);
    // The study: 4 trials done and 0.3 + 0 + 0.5 of the running ones, of 10.
    expect((document.getElementById('study-progress') as HTMLProgressElement).value).toBeCloseTo(0.48, 6);
    await expect.element(page.getByText('Training curve of Trial 7')).toBeInTheDocument();
    // Each bar is labelled by its line.
    expect(bars.map((bar) => bar.labels[0]?.textContent?.trim().slice(0, 7))).toEqual(['Trial 7', 'Trial 8', 'Trial 9']);
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(pauses).toBe(1);
  });
});

describe('RunPanel of a finished study', () => {
  const finishedPanel = (extendBy: 'minutes' | 'trials', extended: number[]) =>
    show(RunPanel, {
      running: false, paused: false, status: 'completed', progress: undefined, curve: [], epochs: 1, backend: undefined,
      onStop: () => {}, onPause: () => {}, onContinue: () => {}, onResume: () => {},
      extendBy, onExtend: (amount: number) => extended.push(amount),
    });

  it('offers "Extend by N minutes" instead of Resume, 1 at first (issue 13)', async () => {
    const extended: number[] = [];
    finishedPanel('minutes', extended);
    await expect.element(page.getByRole('button', { name: 'Resume search' })).not.toBeInTheDocument();
    const field = page.getByRole('spinbutton', { name: 'Extend by (minutes)' });
    await expect.element(field).toHaveValue(1);
    await page.getByRole('button', { name: 'Extend by 1 minute', exact: true }).click();
    await field.fill('2.5');
    await page.getByRole('button', { name: 'Extend by 2.5 minutes', exact: true }).click();
    await field.fill('0');
    await expect.element(page.getByRole('button', { name: 'Extend by minutes', exact: true })).toBeDisabled();
    expect(extended).toEqual([1, 2.5]);
  });

  it('extends by trials when the study has a trial budget, in whole trials', async () => {
    const extended: number[] = [];
    finishedPanel('trials', extended);
    const field = page.getByRole('spinbutton', { name: 'Extend by (trials)' });
    await field.fill('3');
    await userEvent.keyboard('{Enter}');
    await field.fill('1.5');
    await expect.element(page.getByRole('button', { name: 'Extend by trials', exact: true })).toBeDisabled();
    expect(extended).toEqual([3]);
  });

  it('counts the time left down as the page\'s clock gives it', async () => {
    show(RunPanel, {
      running: true, paused: false, status: 'running', curve: [], epochs: 1, backend: undefined,
      progress: { studyId: 's', trialIndex: 0, trialsDone: 0, elapsedSeconds: 10, etaSeconds: 40 },
      eta: { kind: 'left', seconds: 37 }, elapsedSeconds: 13,
      onStop: () => {}, onPause: () => {}, onContinue: () => {}, onResume: () => {},
    });
    await expect.element(page.getByText(/13 s elapsed · about 37 s left/)).toBeInTheDocument();
  });
});

describe('JudgeBy', () => {
  /** "Judge by" on the Uno, wired to a live study as the page wires it. */
  const showJudgeBy = (state: StudyState): void =>
    show(JudgeBy, {
      targets: ['arduino-uno'],
      ownTargets: fixtureStudy.config.targets,
      accounting: 'paper',
      reevaluated: false,
      error: undefined,
      onChange: (targets: readonly TargetSpec[], accounting: 'paper' | 'deploy') => state.judgeBy(targets, accounting),
      onReset: () => state.judgeAsSearched(),
    });

  it('judges by another target, offering the study\'s custom ones too', async () => {
    const state = new StudyState(fixtureStudy, trials);
    showJudgeBy(state);
    await page.getByText('Judge by other targets').click();
    await page.getByRole('checkbox', { name: /ESP32/ }).click();
    expect(state.targets).toEqual(['arduino-uno', 'esp32']);
    expect(state.reevaluated).toBe(true);
    await expect.element(page.getByRole('checkbox', { name: 'My board (custom)' })).toBeInTheDocument();
  });

  it('judges by a memory budget of the user\'s own, at once', async () => {
    const state = new StudyState(fixtureStudy, trials);
    showJudgeBy(state);
    await page.getByText('Judge by other targets').click();
    await page.getByRole('spinbutton', { name: 'SRAM budget (bytes)' }).fill('256');
    await page.getByRole('spinbutton', { name: 'Flash budget (bytes)' }).fill('65536');
    await page.getByRole('button', { name: 'Judge by this budget' }).click();
    expect(state.targets).toEqual(['arduino-uno', { id: 'memory-budget', name: 'Memory budget', core: 'cortex-m4f', clockMhz: 64, sramBytes: 256, flashBytes: 65536 }]);
    expect(state.settingsError).toBeUndefined();
    // The fixture's measured trials need 320 B of working memory: none fits 256 B, so the front is empty.
    expect([...state.evaluation.feasible.values()]).toEqual([false, false, false]);
    expect(state.evaluation.paretoFront.size).toBe(0);
  });
});
