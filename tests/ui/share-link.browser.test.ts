/** A share link pasted into the open tab: only the hash changes, and the form follows it (issue 13). */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import { SetupState } from '../../src/state/setup.svelte.ts';
import SetupForm from '../../src/ui/SetupForm.svelte';
import { followShareLinks } from '../../src/ui/share-link.ts';

let form: ReturnType<typeof mount> | undefined;
let unfollow: (() => void) | undefined;
afterEach(() => {
  unfollow?.();
  if (form) unmount(form);
  form = undefined;
  document.body.innerHTML = '';
  history.replaceState(null, '', location.pathname + location.search);
});

/** Resolves at the next hashchange event. */
const hashChanged = (): Promise<void> => new Promise((resolve) => window.addEventListener('hashchange', () => resolve(), { once: true }));

describe('followShareLinks', () => {
  it('applies a new hash to the setup and reports its problems, as the first load does; stops when asked', async () => {
    const setup = new SetupState();
    const target = document.createElement('div');
    document.body.append(target);
    form = mount(SetupForm, { target, props: { setup, running: false, onStart: () => {} } });
    flushSync();
    const reports: string[][] = [];
    unfollow = followShareLinks((hash) => reports.push(setup.applyHash(hash).map((p) => p.field)));
    let changed = hashChanged();
    location.hash = 'dataset=digits&seed=4242';
    await changed;
    flushSync();
    await expect.element(page.getByRole('combobox', { name: 'Dataset', exact: true })).toHaveValue('digits');
    expect(setup.toHash()).toMatch(/(^|&)seed=4242(&|$)/);
    expect(reports).toEqual([[]]);

    changed = hashChanged();
    location.hash = 'dataset=nonsense';
    await changed;
    expect(reports).toEqual([[], ['Dataset']]);

    // An empty hash changes nothing; after unfollow, a new hash is not applied.
    changed = hashChanged();
    location.hash = '';
    await changed;
    expect(reports).toHaveLength(2);
    unfollow();
    unfollow = undefined;
    changed = hashChanged();
    location.hash = 'dataset=mnist';
    await changed;
    expect(reports).toHaveLength(2);
    await expect.element(page.getByRole('combobox', { name: 'Dataset', exact: true })).toHaveValue('digits');
  });
});
