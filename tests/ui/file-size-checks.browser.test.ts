/**
 * Issue 14: the page checks a chosen file's size before it reads it, for the study import (Import
 * JSON) and Try it's picture; the dataset import form's own check is in dataset-import.browser.test.ts.
 */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { page } from 'vitest/browser';
import { framingOf } from '../../src/core/model-input.ts';
import StudyList from '../../src/ui/StudyList.svelte';
import TryIt from '../../src/ui/TryIt.svelte';

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = '';
});

function show<P extends Record<string, unknown>>(view: Parameters<typeof mount<P, Record<string, never>>>[0], props: P): void {
  const target = document.createElement('div');
  document.body.append(target);
  component = mount(view, { target, props });
  flushSync();
}

/** A File that says it has `size` bytes without holding them (File.size is all the check reads). */
function fileOfSize(name: string, size: number, type: string): File {
  const file = new File(['x'], name, { type });
  Object.defineProperty(file, 'size', { value: size });
  return file;
}

/** Sets a file input's selection to `file` and fires its change event, as choosing a file does. */
function choose(input: HTMLInputElement, file: File): void {
  const transfer = new DataTransfer();
  transfer.items.add(file);
  // DataTransfer copies the File; the size is set again on the copy the input holds.
  input.files = transfer.files;
  Object.defineProperty(input.files[0]!, 'size', { value: file.size });
  input.dispatchEvent(new Event('change', { bubbles: true }));
}

describe('file sizes are checked before reading', () => {
  it('refuses a study file over 50 MB without handing it over', async () => {
    const imported: string[] = [];
    show(StudyList, { studies: [], currentId: undefined, runningId: undefined, importError: undefined, onOpen: () => {}, onDelete: () => {}, onExport: () => {}, onImport: (f: File) => imported.push(f.name) });
    choose(page.getByLabelText('Import JSON').element() as HTMLInputElement, fileOfSize('huge.json', 60_000_000, 'application/json'));
    await expect.element(page.getByRole('alert')).toHaveTextContent(
      'huge.json: is 60,000,000 bytes; a study document may be at most 50 MB (52,428,800 bytes); choose a study file exported from this page.',
    );
    expect(imported).toEqual([]);
  });

  it('refuses a picture over 32 MB for Try it without decoding it', async () => {
    const onPredict = vi.fn();
    const input = { height: 8, width: 8, channels: 1 };
    show(TryIt, { input, framing: framingOf('digits', input), drawLabel: 'Draw a digit', onPredict, onTestImage: vi.fn(), onClear: vi.fn() });
    choose(page.getByLabelText('Or choose a picture').element() as HTMLInputElement, fileOfSize('photo.png', 40 * 2 ** 20, 'image/png'));
    await expect.element(page.getByRole('status', { name: 'Prediction' })).toHaveTextContent(
      'photo.png is 40 MB (41,943,040 bytes), more than the 32 MB (33,554,432 bytes) a picture to try may be; choose a smaller file.',
    );
    expect(onPredict).not.toHaveBeenCalled();
  });
});
