/** The first page in Chromium: the live estimate follows the editor, and bad input is an alert. */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import App from '../../src/App.svelte';

let app: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (app) unmount(app);
  app = undefined;
  document.body.innerHTML = '';
});

function start(): HTMLElement {
  const target = document.createElement('div');
  document.body.append(target);
  app = mount(App, { target });
  flushSync();
  return target;
}

describe('the estimator page', () => {
  it('shows the verdicts of the example network for the default targets', async () => {
    start();
    const verdicts = page.getByRole('list');
    await expect.element(verdicts).toHaveTextContent(
      'Arduino Uno (ATmega328P): model size 19,758 B of 32,768 B, working memory 6,760 B of 2,048 B',
    );
    await expect.element(verdicts).toHaveTextContent('does not fit: working memory 6,760 B exceeds the 2,048 B of SRAM on Arduino Uno by 4,712 B');
    await expect.element(page.getByRole('row', { name: /layers\[1\] \(maxPool\)/ })).toHaveTextContent('6,760 (peak)');
  });

  it('switches to deploy accounting and to other targets', async () => {
    start();
    await page.getByLabelText('Deploy (int8 on a TFLite-Micro-like runtime)').click();
    await expect.element(page.getByRole('list')).toHaveTextContent('STM32 Nucleo-F446RE (STM32F446RE): flash 59,536 B of 524,288 B, SRAM 10,248 B of 131,072 B');
    await page.getByRole('checkbox', { name: /Arduino Uno/ }).click();
    await page.getByRole('checkbox', { name: /STM32 Nucleo-F446RE/ }).click();
    await expect.element(page.getByRole('alert')).toHaveTextContent('Choose at least one target.');
  });

  it('re-estimates as the architecture is edited, and names the layer at fault as text', async () => {
    start();
    const editor = page.getByLabelText('Architecture JSON');
    const arch = {
      input: { height: 8, width: 8, channels: 1 },
      classes: 10,
      layers: [{ type: 'flatten' }, { type: 'dense', units: 32 }, { type: 'dense', units: 16 }],
    };
    await editor.fill(JSON.stringify(arch));
    await expect.element(page.getByRole('list')).toHaveTextContent('Arduino Uno (ATmega328P): model size 2,778 B of 32,768 B, working memory 96 B of 2,048 B');
    await editor.fill(JSON.stringify({ ...arch, layers: [{ type: 'flatten' }, { type: '<img src=x onerror=alert(1)>' }] }));
    const alert = page.getByRole('alert');
    await expect.element(alert).toHaveTextContent('layers[1]: unknown layer type "<img src=x onerror=alert(1)>"');
    expect(document.querySelector('img')).toBeNull(); // shown as text, never as HTML
    await editor.fill('{"input": ');
    await expect.element(alert).toHaveTextContent('The architecture is not valid JSON');
  });
});
