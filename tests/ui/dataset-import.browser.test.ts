/** The "Import dataset" form in Chromium: the request it hands over, progress while importing, and problems as text. */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import type { DatasetImportRequest } from '../../src/contracts/datasets.ts';
import { deviceImportBudget } from '../../src/data/budget.ts';
import DatasetImport from '../../src/ui/DatasetImport.svelte';

let component: ReturnType<typeof mount> | undefined;
afterEach(() => {
  if (component) unmount(component);
  component = undefined;
  document.body.innerHTML = '';
});

function show(props: { onImport: (request: DatasetImportRequest) => Promise<void>; busy?: boolean; budget?: number }): void {
  const target = document.createElement('div');
  document.body.append(target);
  component = mount(DatasetImport, { target, props });
  flushSync();
}

const decode = (buffer: ArrayBuffer): string => new TextDecoder().decode(buffer);

describe('the dataset import form', () => {
  it('hands over a CSV import: the file\'s bytes, the name, the CSV options and the splits', async () => {
    const requests: DatasetImportRequest[] = [];
    show({ onImport: async (request) => void requests.push(request) });
    await expect.element(page.getByRole('heading', { name: 'Import dataset' })).toBeVisible();
    await page.getByLabelText('Format').selectOptions('CSV');
    await expect.element(page.getByText('One image per row')).toBeVisible();
    await page.getByLabelText('Files').upload(new File(['0,1,2,3,4\n1,5,6,7,8\n'], 'tiny.csv', { type: 'text/csv' }));
    await page.getByLabelText('Name').fill('  Tiny digits ');
    await page.getByLabelText('Label column').selectOptions('Last');
    await page.getByLabelText('Maximum pixel value').fill('16');
    await page.getByLabelText('Validation share').fill('0.25');
    await page.getByLabelText('Seed').fill('9');
    await page.getByRole('button', { name: 'Import dataset' }).click();

    await expect.element(page.getByRole('status')).toHaveTextContent('Imported: the dataset is in the list.');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect({ ...request, files: [] }).toEqual({
      format: 'csv',
      name: 'Tiny digits',
      files: [],
      // The budget is the device's default: min(navigator.deviceMemory / 4, 1 GiB).
      options: { validation: 0.25, test: 0.2, seed: 9, budget: deviceImportBudget(), csv: { labelColumn: 'last', maxValue: 16, header: false } },
    });
    expect(deviceImportBudget()).toBeGreaterThanOrEqual(2 ** 20);
    expect(request!.files.map((f) => [f.name, decode(f.bytes)])).toEqual([['tiny.csv', '0,1,2,3,4\n1,5,6,7,8\n']]);
    expect(page.getByLabelText('Image size').query()).toBeNull();
  });

  it('asks for an image size for images (28×28×1 by default) and offers a folder', async () => {
    const requests: DatasetImportRequest[] = [];
    show({ onImport: async (request) => void requests.push(request) });
    await page.getByLabelText('Format').selectOptions('Images (folder or zip)');
    await expect.element(page.getByLabelText('Height')).toHaveValue(28);
    await expect.element(page.getByLabelText('Width')).toHaveValue(28);
    await expect.element(page.getByLabelText('Channels')).toHaveValue(1);
    expect((page.getByLabelText('Or a folder').element() as HTMLInputElement).webkitdirectory).toBe(true);
    await page.getByLabelText('Height').fill('16');
    await page.getByLabelText('Files').upload(new File([new Uint8Array([0x50, 0x4b, 5, 6])], 'pets.zip'));
    await page.getByRole('button', { name: 'Import dataset' }).click();
    await expect.element(page.getByRole('status')).toHaveTextContent('Imported');
    expect(requests[0]).toMatchObject({ format: 'images', name: '', options: { image: { height: 16, width: 28, channels: 1 }, validation: 0.1, test: 0.2, seed: 1 } });
    expect(requests[0]!.files.map((f) => [f.name, f.bytes.byteLength])).toEqual([['pets.zip', 4]]);
    expect(requests[0]!.options.csv).toBeUndefined();
  });

  it('shows progress while the worker imports, with the button disabled', async () => {
    let finish: () => void = () => {};
    show({ onImport: () => new Promise<void>((resolve) => (finish = resolve)) });
    await page.getByLabelText('Files').upload(new File([new Uint8Array(2048)], 'train-images-idx3-ubyte'));
    await page.getByRole('button', { name: 'Import dataset' }).click();
    await expect.element(page.getByRole('status')).toHaveTextContent('Importing 0.0 MB: decoding, checking and splitting in the background…');
    await expect.element(page.getByRole('button', { name: 'Import dataset' })).toBeDisabled();
    finish();
    await expect.element(page.getByRole('status')).toHaveTextContent('Imported: the dataset is in the list.');
    await expect.element(page.getByRole('button', { name: 'Import dataset' })).toBeEnabled();
  });

  it('names what is missing or wrong, and shows the worker\'s error as text', async () => {
    let calls = 0;
    show({
      onImport: async () => {
        calls++;
        throw new Error('train.csv, row 3, column 2: the pixel value "<b>x</b>" is not a number from 0 to 255');
      },
    });
    const button = page.getByRole('button', { name: 'Import dataset' });
    await button.click();
    await expect.element(page.getByRole('alert')).toHaveTextContent('Choose at least one file.');
    await page.getByLabelText('Files').upload(new File(['x'], 'train.csv'));
    await page.getByLabelText('Validation share').fill('1');
    await button.click();
    await expect.element(page.getByRole('alert')).toHaveTextContent('The validation share must be a number from 0 to less than 1 (e.g. 0.1 for 10 %).');
    expect(calls).toBe(0);
    await page.getByLabelText('Validation share').fill('0.1');
    await button.click();
    await expect.element(page.getByRole('alert')).toHaveTextContent('train.csv, row 3, column 2: the pixel value "<b>x</b>" is not a number from 0 to 255');
    expect(document.querySelector('b')).toBeNull(); // text, never HTML
    expect(calls).toBe(1);
    await expect.element(page.getByRole('status')).toHaveTextContent('');
  });

  // Issue 14: a typo in a CSV's first row made it a header, silently; a header is now confirmed by the user.
  it('sends "first row is a header" only when it is ticked', async () => {
    const requests: DatasetImportRequest[] = [];
    show({ onImport: async (request) => void requests.push(request) });
    await page.getByLabelText('Format').selectOptions('CSV');
    await page.getByLabelText('Files').upload(new File(['label,a,b,c,d\n0,1,2,3,4\n'], 'head.csv', { type: 'text/csv' }));
    await expect.element(page.getByLabelText('First row is a header')).not.toBeChecked();
    await page.getByLabelText('First row is a header').click();
    await page.getByRole('button', { name: 'Import dataset' }).click();
    await expect.element(page.getByRole('status')).toHaveTextContent('Imported: the dataset is in the list.');
    expect(requests[0]!.options.csv).toEqual({ labelColumn: 'first', maxValue: 255, header: true });
  });

  // Issue 14: files were read whole before anything checked their size.
  it('refuses files larger than the import budget before reading them', async () => {
    let calls = 0;
    show({ onImport: async () => void calls++, budget: 2 ** 20 });
    await page.getByLabelText('Files').upload(new File([new Uint8Array(2 * 2 ** 20)], 'train-images-idx3-ubyte'));
    await page.getByRole('button', { name: 'Import dataset' }).click();
    await expect.element(page.getByRole('alert')).toHaveTextContent(
      'train-images-idx3-ubyte is 2 MB (2,097,152 bytes), more than the 1 MB (1,048,576 bytes) an import may hold on this device; choose fewer or smaller files.',
    );
    await page.getByLabelText('Files').upload([new File([new Uint8Array(600_000)], 'a-images'), new File([new Uint8Array(500_000)], 'a-labels')]);
    await page.getByRole('button', { name: 'Import dataset' }).click();
    await expect.element(page.getByRole('alert')).toHaveTextContent(
      'The 2 files are (the largest, a-images, 586 KB (600,000 bytes)) 1.05 MB (1,100,000 bytes) together, more than the 1 MB (1,048,576 bytes) an import may hold on this device; choose fewer or smaller files.',
    );
    expect(calls).toBe(0);
  });

  it('keeps the button disabled while the caller is busy', async () => {
    show({ onImport: async () => {}, busy: true });
    await expect.element(page.getByRole('button', { name: 'Import dataset' })).toBeDisabled();
  });
});
