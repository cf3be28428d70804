import { describe, expect, it } from 'vitest';
import { PauseGate } from '../../src/engine/pause-gate.ts';

describe('PauseGate', () => {
  it('tells its watchers each change once, and no more after they stop watching', async () => {
    const gate = new PauseGate();
    const seen: boolean[] = [];
    const unwatch = gate.watch((paused) => seen.push(paused));
    gate.pause();
    gate.pause();
    const held = gate.wait();
    gate.resume();
    gate.resume();
    await held;
    unwatch();
    gate.pause();
    expect(seen).toEqual([true, false]);
    expect(gate.paused).toBe(true);
  });
});
