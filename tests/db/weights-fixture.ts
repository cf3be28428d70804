import type { StoredOpWeights } from '../../src/contracts/weights.ts';

/** Weights of conv(4, 3×3) → dense(64 → 16) → dense(16 → 10), with a magnitude mask on the first op. */
export function opWeights(): StoredOpWeights[] {
  const values = (n: number, scale: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1) * scale);
  return [
    { name: 'conv_0', kind: 'conv', kernelShape: [3, 3, 1, 4], kernel: values(36, 0.5), bias: values(4, 0.1), mask: Float32Array.from({ length: 36 }, (_, i) => i % 2), logSigma2: null },
    { name: 'dense_3', kind: 'dense', kernelShape: [64, 16], kernel: values(1024, 0.2), bias: values(16, 0.1), mask: null, logSigma2: null },
    { name: 'classifier', kind: 'dense', kernelShape: [16, 10], kernel: values(160, 0.3), bias: values(10, 0.1), mask: null, logSigma2: values(160, -4) },
  ];
}
