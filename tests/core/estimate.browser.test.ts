/** src/core is plain ECMAScript: in Chromium it gives exactly the numbers it gives in Node. */
import { describe, expect, it } from 'vitest';
import exampleArchitecture from '../../examples/lenet-mnist.json';
import { parseArchitecture } from '../../src/core/architecture.ts';
import { estimate } from '../../src/core/resources.ts';
import { findPresetTarget } from '../../src/core/targets.ts';

describe('the resource model in Chromium', () => {
  it('estimates the example network as in Node', () => {
    const e = estimate(parseArchitecture(exampleArchitecture), [findPresetTarget('stm32f446re')!]);
    expect([e.params, e.macs, e.paper.modelSizeBytes, e.paper.workingMemoryBytes]).toEqual([19_758, 209_384, 19_758, 6760]);
    expect([e.targets[0]!.deploy.flashBytes, e.targets[0]!.deploy.sramBytes]).toEqual([61_860, 10_572]);
    expect([e.targets[0]!.deploy.flash.model, e.targets[0]!.deploy.sram.arena, e.targets[0]!.deploy.arenaUsedBytes]).toEqual([24_656, 6768, 8972]);
  });
});
