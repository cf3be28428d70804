/**
 * The glossary (issue 13): every term a `<Term id="…">` of the page names has an entry, entries are
 * unique and short enough for a tooltip, and the words module names every id the data keeps.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pruningMethods } from '../../src/core/pruning.ts';
import { strategyNames } from '../../src/core/search/strategy.ts';
import { pruningWords, strategyWords, trialName, trialNumber } from '../../src/core/words.ts';
import { accountingTerm, glossary, glossaryAnchor, glossaryEntry, strategyTerm } from '../../src/ui/glossary.ts';

const svelteFiles = readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.svelte'))
  .map((name) => join('src', name));

/** Ids written as `<Term id="x">`, and string literals inside `<Term id={…}>`. */
function termIds(): { at: string; id: string }[] {
  return svelteFiles.flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const literal = [...text.matchAll(/<Term\s+id="([^"]+)"/g)].map((m) => ({ at: file, id: m[1]! }));
    const expressions = [...text.matchAll(/<Term\s+id=\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/'([^']+)'/g)].map((q) => ({ at: file, id: q[1]! })));
    return [...literal, ...expressions];
  });
}

describe('the glossary', () => {
  it('has an entry for every term the page links', () => {
    const used = termIds();
    expect(used.length).toBeGreaterThan(10);
    const ids = new Set(glossary.map((e) => e.id));
    expect(used.filter(({ id }) => !ids.has(id)).map(({ at, id }) => `${at}: ${id}`)).toEqual([]);
    for (const id of [...Object.values(strategyTerm), ...Object.values(accountingTerm)]) expect(ids).toContain(id);
  });

  it('has unique ids that make valid anchors, and short definitions', () => {
    const ids = glossary.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const entry of glossary) {
      expect(entry.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(glossaryAnchor(entry.id)).toBe(`glossary-${entry.id}`);
      expect(entry.definition.length).toBeLessThan(240);
      expect(entry.definition).toMatch(/[.!]$/);
    }
  });

  it('explains every term the issue names', () => {
    for (const id of ['pareto-front', 'hypervolume', 'paper-accounting', 'deploy-accounting', 'arena', 'working-memory', 'model-size', 'int8', 'pruning', 'sparsity', 'spvd', 'bayesian-compression', 'magnitude-pruning', 'channel-pruning', 'bayesian-optimisation', 'aging-evolution', 'early-stopping', 'epoch', 'trial', 'backend', 'tflite-micro', 'bare-c', 'reserve']) {
      expect(glossaryEntry(id).definition.length).toBeGreaterThan(20);
    }
    expect(() => glossaryEntry('nope')).toThrow('no entry "nope"');
  });
});

describe('the words of the page', () => {
  it('names every strategy and pruning method in words, never by its id', () => {
    // The ids that read as jargon (`svd` reads as singular value decomposition) appear in no word.
    const words = [...strategyNames.map((n) => strategyWords[n]), ...pruningMethods.map((m) => pruningWords[m])];
    for (const id of ['mobo', 'svd', 'bc']) expect(words.filter((w) => new RegExp(`\\b${id}\\b`, 'i').test(w))).toEqual([]);
    expect(strategyWords.mobo).toBe('Bayesian optimisation (SpArSe)');
    expect(pruningWords.svd).toBe('Sparse variational dropout (SpVD)');
  });

  it('numbers trials from 1 for people, from the stored index from 0', () => {
    expect(trialNumber(0)).toBe(1);
    expect(trialName(6)).toBe('Trial 7');
  });
});
