/** The search setup form in Chromium: defaults, start, dataset, custom targets, problems and the share link. */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page, userEvent } from 'vitest/browser';
import type { StudyConfig } from '../../src/contracts/study.ts';
import { SetupState } from '../../src/state/setup.svelte.ts';
import { settingsTable } from '../../src/state/setup-settings.ts';
import SetupForm from '../../src/ui/SetupForm.svelte';

let form: ReturnType<typeof mount> | undefined;
afterEach(async () => {
  if (form) unmount(form);
  form = undefined;
  document.body.innerHTML = '';
  await page.viewport(1280, 800);
});

function show(running = false): { setup: SetupState; started: StudyConfig[] } {
  const setup = new SetupState();
  const started: StudyConfig[] = [];
  const target = document.createElement('div');
  document.body.append(target);
  form = mount(SetupForm, { target, props: { setup, running, onStart: (config: StudyConfig) => started.push(config) } });
  flushSync();
  return { setup, started };
}

const shareLink = () => page.getByRole('textbox', { name: 'Share link', exact: true });
const hashOf = (link: string): string => link.slice(link.indexOf('#') + 1);

/** Unfolds the advanced settings (trials, epochs, seed, batch size, learning rate, backend). */
const openAdvanced = () => page.getByText('Advanced: trials, epochs and training').click();
/** Unfolds the pruning settings (methods and sparsity range). */
const openPruning = () => page.getByText('Pruning: methods and sparsity').click();

describe('the setup form', () => {
  it('has a field for every setting of the settings table, named by the label its problems use', async () => {
    show();
    await openAdvanced();
    await openPruning();
    await page.getByText('Search space', { exact: true }).click();
    const missing: string[] = [];
    for (const row of settingsTable) {
      if (row.key === 'custom') continue; // entered through "Add custom target", listed as targets
      if (row.key === 'reserve') continue; // entered per selected preset: two fields each, checked below
      const value: unknown = row.get(new SetupState().settings);
      const role =
        'input' in row ? 'spinbutton'
        : 'choices' in row || row.key === 'dataset' ? 'combobox'
        : typeof value === 'boolean' ? 'checkbox'
        : Array.isArray(value) && ('items' in row || row.key === 'targets') ? 'group'
        : 'textbox';
      const field = page.getByRole(role, { name: row.label, exact: true });
      if (field.elements().length !== 1) missing.push(`${row.key} (${role} "${row.label}")`);
    }
    expect(missing).toEqual([]);
  });

  it("shows and edits each selected preset's reserve for your code, which the config carries", async () => {
    const { setup } = show();
    await expect.element(page.getByText('Kept for your code: Arduino Uno 256 B SRAM, 2 KB flash')).toBeInTheDocument();
    await page.getByText('Kept for your code: Arduino Uno').click();
    const sram = page.getByRole('spinbutton', { name: "Your code's SRAM (bytes) on Arduino Uno" });
    await expect.element(sram).toHaveValue(256);
    await sram.fill('512');
    await sram.element().dispatchEvent(new Event('change', { bubbles: true }));
    await expect.poll(() => setup.config?.targets).toEqual([{ id: 'arduino-uno', reserve: { sramBytes: 512, flashBytes: 2048 } }]);
    await sram.fill('2048');
    await sram.element().dispatchEvent(new Event('change', { bubbles: true }));
    await expect.element(page.getByRole('alert')).toHaveTextContent('Kept for your code: Arduino Uno: the SRAM kept for your code must be a whole number of bytes from 0 to 2,047');
  });

  it('shows the defaults: two minutes of SpArSe on MNIST for the Arduino Uno, hopeless trials stopped early', async () => {
    show();
    await expect.element(page.getByRole('combobox', { name: 'Dataset', exact: true })).toHaveValue('mnist');
    await expect.element(page.getByText('Input 28×28×1, 10 classes')).toBeVisible();
    await expect.element(page.getByRole('checkbox', { name: 'Arduino Uno (2 KB SRAM, 32 KB flash)' })).toBeChecked();
    await expect.element(page.getByRole('checkbox', { name: 'Raspberry Pi Pico (264 KB SRAM, 2048 KB flash)' })).not.toBeChecked();
    // What the chip needs judges by default (issue 13); SpArSe's metrics stay one choice away.
    await expect.element(page.getByRole('combobox', { name: 'Accounting', exact: true })).toHaveValue('deploy');
    await expect.element(page.getByRole('option', { name: "SpArSe's metrics (paper)" })).toBeInTheDocument();
    await expect.element(page.getByRole('combobox', { name: 'Strategy', exact: true })).toHaveValue('mobo');
    await expect.element(page.getByText("Strategy: SpArSe's multi-objective Bayesian optimisation")).toBeVisible();
    // Time is the budget on top; trials, epochs and training are advanced settings, folded away.
    await expect.element(page.getByRole('spinbutton', { name: 'Search for (minutes)', exact: true })).toHaveValue(2);
    await expect.element(page.getByRole('checkbox', { name: 'Stop hopeless trials early' })).toBeChecked();
    // The main knob comes right after the dataset, above the long list of targets.
    const minutes = page.getByRole('spinbutton', { name: 'Search for (minutes)', exact: true }).element();
    const targets = page.getByRole('group', { name: 'Target', exact: true }).element();
    expect(minutes.compareDocumentPosition(targets) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(document.querySelector('details.advanced')?.hasAttribute('open')).toBe(false);
    await openAdvanced();
    await expect.element(page.getByRole('spinbutton', { name: 'Trials', exact: true })).toHaveValue(null);
    await expect.element(page.getByRole('spinbutton', { name: 'Epochs', exact: true })).toHaveValue(2);
    await expect.element(page.getByRole('spinbutton', { name: 'Seed', exact: true })).toHaveValue(1);
    await expect.element(page.getByRole('spinbutton', { name: 'Learning rate', exact: true })).toHaveValue(0.01);
    await openPruning();
    for (const method of ['None (dense)', 'Magnitude', 'Channels', 'Sparse variational dropout (SpVD)', 'Bayesian compression']) {
      await expect.element(page.getByRole('group', { name: 'Pruning methods' }).getByRole('checkbox', { name: method })).toBeChecked();
    }
    expect(document.querySelector('[role="alert"]')).toBeNull();
    await expect.element(page.getByRole('button', { name: 'Start search' })).toBeEnabled();
  });

  it('starts the search with the default config', async () => {
    const { started } = show();
    await page.getByRole('button', { name: 'Start search' }).click();
    expect(started).toEqual([new SetupState().config]);
    expect(started[0]).toMatchObject({ dataset: 'mnist', targets: ['arduino-uno'], strategy: 'mobo', budget: { minutes: 2 }, epochs: 2, seed: 1, earlyStopping: true });
  });

  it('changes the input shape with the dataset', async () => {
    const { setup } = show();
    await page.getByRole('combobox', { name: 'Dataset', exact: true }).selectOptions('digits');
    await expect.element(page.getByText('Input 8×8×1, 10 classes')).toBeVisible();
    expect(setup.config?.searchSpace.input).toEqual({ height: 8, width: 8, channels: 1 });
    await expect.element(shareLink()).toHaveValue(expect.stringContaining('dataset=digits') as unknown as string);
  });

  it('names the field of an invalid custom target in an alert, and adds a valid one', async () => {
    const { setup, started } = show();
    await page.getByText('Add a custom target (your own board)').click();
    const custom = page.getByRole('group', { name: 'Add custom target' });
    await custom.getByLabelText('Name', { exact: true }).fill('Tiny <img src=x onerror=alert(1)>');
    await custom.getByLabelText('SRAM (bytes)', { exact: true }).fill('0');
    await custom.getByRole('button', { name: 'Add target' }).click();
    const alert = custom.getByRole('alert');
    await expect.element(alert).toHaveTextContent('Flash (bytes): is empty or not a number');
    await custom.getByLabelText('Flash (bytes)', { exact: true }).fill('65536');
    await custom.getByRole('button', { name: 'Add target' }).click();
    await expect.element(alert).toHaveTextContent('SRAM (bytes): must be a whole number of bytes from 1 to 1073741824, got 0');
    expect(setup.customTargets).toEqual([]);

    await custom.getByLabelText('SRAM (bytes)', { exact: true }).fill('4096');
    await custom.getByLabelText('Reserved SRAM (bytes)', { exact: true }).fill('5000');
    await userEvent.keyboard('{Enter}'); // Enter in the sub-form adds the target; it does not start the search
    await expect.element(alert).toHaveTextContent('Reserved SRAM (bytes): (5000) leaves no SRAM of the 4096 bytes for the model');
    expect(started).toEqual([]);

    await custom.getByLabelText('Reserved SRAM (bytes)', { exact: true }).fill('1024');
    await custom.getByRole('button', { name: 'Add target' }).click();
    const added = page.getByRole('checkbox', { name: 'Tiny <img src=x onerror=alert(1)> (custom: 4096 B SRAM, 65536 B flash)' });
    await expect.element(added).toBeChecked();
    expect(document.querySelector('img')).toBeNull(); // markup in a name is shown as text
    expect(setup.config?.targets).toEqual(['arduino-uno', expect.objectContaining({ id: 'tiny-img-src-x-onerror-alert-1', reserve: { sramBytes: 1024, flashBytes: 0 } })]);
    await page.getByRole('button', { name: 'Remove Tiny <img src=x onerror=alert(1)>' }).click();
    await expect.element(added).not.toBeInTheDocument();
    expect(setup.settings.targets).toEqual(['arduino-uno']);
  });

  it('lists the problems by field and disables Start search until they are fixed', async () => {
    show();
    const start = page.getByRole('button', { name: 'Start search' });
    await openAdvanced();
    await page.getByRole('spinbutton', { name: 'Epochs', exact: true }).fill('');
    await page.getByRole('checkbox', { name: 'Arduino Uno (2 KB SRAM, 32 KB flash)' }).click();
    const alert = page.getByRole('alert');
    await expect.element(alert).toHaveTextContent('Target: choose at least one target');
    await expect.element(alert).toHaveTextContent('Epochs: is empty or not a number; it must be a whole number from 1 to 10000');
    await expect.element(start).toBeDisabled();
    await page.getByRole('spinbutton', { name: 'Epochs', exact: true }).fill('3');
    await page.getByRole('checkbox', { name: 'STM32 Nucleo-F446RE (128 KB SRAM, 512 KB flash)' }).click();
    await expect.element(alert).not.toBeInTheDocument();
    await expect.element(start).toBeEnabled();

    await page.getByText('Search space').click();
    await page.getByRole('textbox', { name: 'Filters', exact: true }).fill('4, x');
    await expect.element(alert).toHaveTextContent('Filters: "x" is not one of the whole numbers from 1 to 4096');
    await expect.element(page.getByRole('textbox', { name: 'Filters', exact: true })).toHaveValue('4, x');
    await page.getByRole('spinbutton', { name: 'Conv layers (min)', exact: true }).fill('5');
    await page.getByRole('textbox', { name: 'Filters', exact: true }).fill('4, 8');
    await expect.element(alert).toHaveTextContent('Conv layers: min (5) must not be greater than max (4)');
  });

  it('takes numbers and lists typed key by key without rewriting them half-typed', async () => {
    const { setup } = show();
    await openAdvanced();
    const rate = page.getByRole('spinbutton', { name: 'Learning rate', exact: true });
    await rate.clear();
    await userEvent.type(rate, '0.0005');
    await expect.element(rate).toHaveValue(0.0005);
    expect(setup.settings.learningRate).toBe(0.0005);
    await page.getByText('Search space').click();
    const units = page.getByRole('textbox', { name: 'Dense units', exact: true });
    await units.clear();
    await userEvent.type(units, '8, 24,');
    await expect.element(units).toHaveValue('8, 24,');
    expect(setup.settings.space.denseUnits).toEqual([8, 24]);
  });

  it('disables Start search while a search runs', async () => {
    show(true);
    await expect.element(page.getByRole('button', { name: 'Start search' })).toBeDisabled();
  });

  it('keeps the share link up to date, and the link reproduces the settings', async () => {
    const { setup } = show();
    await page.getByRole('spinbutton', { name: 'Search for (minutes)', exact: true }).fill('15');
    await page.getByRole('checkbox', { name: 'Stop hopeless trials early' }).click();
    await expect.element(page.getByText(/Every trial trains for all its epochs\./)).toBeVisible();
    await openAdvanced();
    await page.getByRole('spinbutton', { name: 'Trials', exact: true }).fill('30');
    await page.getByRole('combobox', { name: 'Strategy', exact: true }).selectOptions('evolution');
    await expect.element(page.getByText('Mutates the best recent networks')).toBeVisible();
    await page.getByRole('combobox', { name: 'Training backend', exact: true }).selectOptions('WebAssembly (WASM)');
    await expect.element(page.getByText(/^Backend: The CPU through WebAssembly with SIMD/)).toBeVisible();
    expect(setup.settings.backend).toBe('wasm');
    const link = shareLink();
    await expect.element(link).toHaveValue(expect.stringMatching(/^http:\/\/[^#]+#name=&dataset=mnist&.*strategy=evolution&backend=wasm&trials=30&minutes=15&epochs=2&stop=off&/) as unknown as string);
    const value = (link.element() as HTMLInputElement).value;
    const copy = new SetupState();
    expect(copy.applyHash(hashOf(value))).toEqual([]);
    expect(copy.config).toEqual(setup.config);
    expect(copy.settings.backend).toBe('wasm');
    await page.getByRole('button', { name: 'Copy share link' }).click();
    // Headless Chromium may refuse the clipboard; either way the user is told what happened.
    await expect.element(page.getByText(/Copied to the clipboard\.|select the share link below and copy it/)).toBeVisible();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    await page.viewport(375, 700);
    show();
    await page.getByText('Search space').click();
    await expect.element(page.getByRole('textbox', { name: 'Filters', exact: true })).toBeVisible();
    expect(document.documentElement.scrollWidth).toBeLessThanOrEqual(375);
  });
});
