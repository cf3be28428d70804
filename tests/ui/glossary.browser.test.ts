/** The glossary in Chromium (issue 13): every Term on a page links to an entry that is there, with its definition as its description. */
import { flushSync, mount, unmount } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { page } from 'vitest/browser';
import Glossary from '../../src/ui/Glossary.svelte';
import HypervolumeChart from '../../src/ui/HypervolumeChart.svelte';
import { glossary, glossaryEntry } from '../../src/ui/glossary.ts';

let mounted: ReturnType<typeof mount>[] = [];
afterEach(() => {
  for (const m of mounted) unmount(m);
  mounted = [];
  document.body.innerHTML = '';
});

function show(component: typeof Glossary | typeof HypervolumeChart, props: Record<string, unknown> = {}): void {
  const target = document.createElement('div');
  document.body.append(target);
  mounted.push(mount(component as typeof Glossary, { target, props }));
  flushSync();
}

describe('Glossary and Term', () => {
  it('lists every entry under its own anchor, and the terms of a chart link to them', async () => {
    show(HypervolumeChart, { series: [{ trial: 0, hypervolume: 0.3 }] });
    show(Glossary);
    await expect.element(page.getByRole('heading', { name: 'Glossary' })).toBeVisible();
    expect(document.querySelectorAll('#glossary dt')).toHaveLength(glossary.length);
    const terms = [...document.querySelectorAll<HTMLAnchorElement>('a.term')];
    expect(terms.length).toBeGreaterThanOrEqual(2);
    for (const term of terms) {
      const anchor = term.getAttribute('href')!.slice(1);
      expect(document.getElementById(anchor), anchor).not.toBeNull();
    }
    const link = page.getByRole('link', { name: 'hypervolume' });
    await expect.element(link).toHaveAccessibleDescription(glossaryEntry('hypervolume').definition);
    await link.click();
    await expect.poll(() => location.hash).toBe('#glossary-hypervolume');
    await expect.element(page.getByText('Formula:', { exact: false })).toBeVisible();
  });
});
