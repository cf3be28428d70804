import * as tf from '@tensorflow/tfjs';
import { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRanking, detectCapabilities, selectBackend } from '../../src/tf/backend.ts';
import { probeArchitecture } from '../../src/tf/backend-speed.ts';
import { validateArchitecture } from '../../src/core/architecture.ts';
import { noLeaks } from './leaks.ts';

/**
 * A backend that computes exactly as tfjs-cpu does, but waits 1 ms in every kernel: a stand-in for
 * a backend that works here and is slow (as WebGPU on SwiftShader is), so that the probe's choice can
 * be tested in Node.
 */
function registerSlowBackend(name: string): void {
  if (tf.findBackendFactory(name) !== null) return;
  tf.registerBackend(name, () => new MathBackendCPU());
  for (const kernel of tf.getKernelsForBackend('cpu')) {
    tf.registerKernel({
      ...kernel,
      backendName: name,
      kernelFunc: (args) => {
        const until = performance.now() + 1;
        while (performance.now() < until) {
          // busy: the delay must count as compute, as a slow kernel's would
        }
        return kernel.kernelFunc(args);
      },
    });
  }
}

const speed = { architecture: probeArchitecture({ height: 8, width: 8, channels: 1 }, 10), batchSize: 16, budgetMs: 150 };

afterAll(() => tf.setBackend('cpu'));

describe('selectBackend in Node', () => {
  it('finds no WebGPU or WebGL, says why, and without a network to time takes WASM, the first that works', () =>
    noLeaks(async () => {
      const choice = await selectBackend();
      expect(choice.backend).toBe('wasm');
      expect(tf.getBackend()).toBe('wasm');
      expect(choice.attempts.map((a) => [a.backend, a.ok])).toEqual([
        ['webgpu', false],
        ['webgl', false],
        ['wasm', true],
      ]);
      expect(choice.attempts[0]!.reason).toMatch(/navigator/);
      expect(choice.attempts[1]!.reason).toMatch(/not registered/);
      expect(choice.reason).toBe('a test convolution and its filter gradient came back right (WASM, SIMD, 1 thread; tfjs has no WASM threads in Node)');
      expect(choice.attempts.every((a) => a.ms >= 0)).toBe(true);
    }));

  it('times every backend that works on a network and takes the fastest, not the first', () =>
    noLeaks(async () => {
      registerSlowBackend('slow-cpu');
      const choice = await selectBackend({ candidates: ['slow-cpu', 'cpu'], speed });
      expect(choice.backend).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      // cpu is timed first (a CPU-side backend sets the bar), the other after it.
      expect(choice.attempts.map((a) => a.backend)).toEqual(['cpu', 'slow-cpu']);
      const [cpu, slow] = choice.attempts;
      expect(slow!.ok && cpu!.ok).toBe(true);
      expect(cpu!.samplesPerSecond!).toBeGreaterThan(1.2 * slow!.samplesPerSecond!);
      expect(choice.reason).toMatch(/^fastest by training speed: cpu \(plain JavaScript on the CPU\) [\d,]+ samples\/s; slow-cpu \(slow-cpu\) [\d,]+ → cpu$/);
    }));

  it('times WASM and cpu, the two backends Node has, and ranks them', () =>
    noLeaks(async () => {
      const choice = await selectBackend({ candidates: ['cpu', 'wasm'], speed });
      // The CPU-side backends are probed in the order given; both are timed.
      expect(choice.attempts.map((a) => a.backend)).toEqual(['cpu', 'wasm']);
      expect(choice.attempts.every((a) => a.ok && a.samplesPerSecond! > 0)).toBe(true);
      const fastest = choice.attempts.reduce((a, b) => (b.samplesPerSecond! > a.samplesPerSecond! ? b : a));
      expect(choice.backend).toBe(fastest.backend);
      expect(tf.getBackend()).toBe(fastest.backend);
    }));

  it('probes a GPU emulation after the CPU-side backends, so that they set the bar', async () => {
    const choice = await selectBackend({ candidates: ['webgpu', 'webgl', 'cpu'], speed });
    expect(choice.attempts.map((a) => a.backend)).toEqual(['cpu', 'webgpu', 'webgl']);
    expect(choice.backend).toBe('cpu');
    expect(choice.reason).toMatch(/ → cpu \(not used: webgpu, webgl\)$/);
    expect(choice.attempts[1]!.reason).toBe('navigator is missing (not a browser)');
  });

  it('takes a forced backend alone, timed, and says it was the only one asked for', () =>
    noLeaks(async () => {
      const choice = await selectBackend({ candidates: ['wasm'], speed });
      expect(choice.backend).toBe('wasm');
      expect(choice.attempts).toHaveLength(1);
      expect(choice.reason).toMatch(/^trained [\d,]+ samples\/s \(WASM, SIMD, 1 thread; tfjs has no WASM threads in Node\); the only backend asked for$/);
    }));

  it('says so when none of the backends asked for works', () =>
    noLeaks(async () => {
      await expect(selectBackend({ candidates: ['webgl'] })).rejects.toThrow(/No TensorFlow.js backend can train here \(webgl: not registered/);
      expect((await selectBackend({ candidates: ['cpu'] })).attempts).toHaveLength(1);
    }));

  it('detects the runtime without starting anything', () => {
    expect(detectCapabilities()).toEqual({ webgpu: false, webgl: false, wasm: true, crossOriginIsolated: false, worker: false, node: true });
  });
});

describe('describeRanking', () => {
  it('lists the timed backends fastest first, then those not used', () => {
    const text = describeRanking(
      [
        { backend: 'webgpu', ok: true, reason: '', ms: 1, label: 'WebGPU on a software adapter emulated on the CPU (SwiftShader)', samplesPerSecond: 35 },
        { backend: 'webgl', ok: false, reason: 'no WebGL here', ms: 1 },
        { backend: 'wasm', ok: true, reason: '', ms: 1, label: 'WASM, SIMD, 2 threads', samplesPerSecond: 2400.4 },
        { backend: 'cpu', ok: true, reason: '', ms: 1, label: 'plain JavaScript on the CPU', samplesPerSecond: 220 },
      ],
      'wasm',
    );
    expect(text).toBe(
      'wasm (WASM, SIMD, 2 threads) 2,400 samples/s; cpu 220; webgpu (WebGPU on a software adapter emulated on the CPU (SwiftShader)) 35 → wasm (not used: webgl)',
    );
  });
});

describe('probeArchitecture', () => {
  it('is the reference CNN on 28×28 and stays valid down to a 1×1 input', () => {
    expect(probeArchitecture({ height: 28, width: 28, channels: 1 }, 10).layers.map((l) => l.type)).toEqual(['conv', 'maxPool', 'conv', 'maxPool', 'flatten', 'dense']);
    expect(probeArchitecture({ height: 3, width: 40, channels: 3 }, 2).layers.map((l) => l.type)).toEqual(['conv', 'maxPool', 'conv', 'flatten', 'dense']);
    for (const side of [1, 2, 3, 4, 5, 8, 32]) expect(validateArchitecture(probeArchitecture({ height: side, width: side, channels: 1 }, 3)).ok).toBe(true);
  });
});
