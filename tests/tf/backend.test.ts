import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { detectCapabilities, selectBackend } from '../../src/tf/backend.ts';
import { noLeaks } from './leaks.ts';

describe('selectBackend in Node', () => {
  it('finds no WebGPU or WebGL, says why, and takes the CPU after a test convolution', () =>
    noLeaks(async () => {
      const choice = await selectBackend();
      expect(choice.backend).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      expect(choice.attempts.map((a) => [a.backend, a.ok])).toEqual([
        ['webgpu', false],
        ['webgl', false],
        ['cpu', true],
      ]);
      expect(choice.attempts[0]!.reason).toMatch(/navigator/);
      expect(choice.attempts[1]!.reason).toMatch(/not registered/);
      expect(choice.reason).toMatch(/test convolution and its filter gradient came back right/);
      expect(choice.attempts.every((a) => a.ms >= 0)).toBe(true);
    }));

  it('tries only the backends asked for, and says so when none works', () =>
    noLeaks(async () => {
      await expect(selectBackend(['webgl'])).rejects.toThrow(/No TensorFlow.js backend can train here \(webgl: not registered/);
      expect((await selectBackend(['cpu'])).attempts).toHaveLength(1);
    }));

  it('detects the runtime without starting anything', () => {
    expect(detectCapabilities()).toEqual({ webgpu: false, webgl: false, worker: false, node: true });
  });
});
