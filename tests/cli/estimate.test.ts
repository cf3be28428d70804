import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/common.ts';
import { runEstimate } from '../../src/cli/estimate-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'estimate-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const lenet = 'examples/lenet-mnist.json';

/** The CliError that running the command with `argv` throws. */
function failure(argv: string[]): CliError {
  try {
    runEstimate(argv);
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('expected the command to fail');
}

describe('npm run estimate', () => {
  it('reads architecture and target files that start with a byte-order mark, as the study import does', () => {
    const bom = (name: string, path: string): string => file(name, `\uFEFF${readFileSync(path, 'utf8')}`);
    const target = file('board.json', JSON.stringify({ id: 'my-board', name: 'My board', core: 'cortex-m4f', clockMhz: 80, sramBytes: 65536, flashBytes: 262144 }));
    const plain = runEstimate(['--arch', lenet, '--target', target, '--json']);
    expect(runEstimate(['--arch', bom('bom-arch.json', lenet), '--target', bom('bom-board.json', target), '--json'])).toBe(plain);
  });

  it('prints one JSON object with the paper and deploy totals, the ops and a verdict per target', () => {
    const report = JSON.parse(runEstimate(['--arch', lenet, '--target', 'arduino-uno', '--target', 'stm32f446re', '--accounting', 'paper', '--json']));
    expect(report).toMatchObject({
      accounting: 'paper',
      params: 19_758,
      macs: 209_384,
      modelSizeBytes: 19_758,
      workingMemoryBytes: 6760,
      workingMemoryPeakOp: 'layers[1] (maxPool)',
      flashBytes: 23_478, // first target: the Uno's generated C, an estimate only
      sramBytes: 6824,
      modelBytes: 20_504,
      arenaUsedBytes: 0,
      marginBytes: 0,
      exportable: false,
      fits: false,
    });
    expect(report.latencyMs).toBeCloseTo(157.038, 9);
    expect(report.ops).toHaveLength(9);
    expect(report.ops[1]).toMatchObject({ name: 'layers[1] (maxPool)', inputShape: [26, 26, 8], outputShape: [13, 13, 8], paper: { workingMemoryBytes: 6760 } });
    expect(report.verdicts).toEqual([
      {
        target: 'arduino-uno',
        accounting: 'paper',
        fits: false,
        // After the presets' reserves for the user's own code (targets.ts).
        flash: { usedBytes: 19_758, availableBytes: 30_720, overByBytes: 0 },
        sram: { usedBytes: 6760, availableBytes: 1792, overByBytes: 4968 },
        reasons: ['working memory 6,760 B exceeds the 1,792 B of SRAM on Arduino Uno after the 256 B reserve by 4,968 B'],
      },
      {
        target: 'stm32f446re',
        accounting: 'paper',
        fits: true,
        flash: { usedBytes: 19_758, availableBytes: 491_520, overByBytes: 0 },
        sram: { usedBytes: 6760, availableBytes: 126_976, overByBytes: 0 },
        reasons: [],
      },
    ]);
    expect(report.targets[1]).toMatchObject({
      id: 'stm32f446re',
      runtime: 'tflm-cmsis-nn',
      exportable: true,
      flashBytes: 24_656 + 37_204,
      sramBytes: 8972 + 576 + 1024,
      modelBytes: 24_656,
      arenaUsedBytes: 6768 + 2204,
      marginBytes: 576,
      flashBreakdown: { model: 24_656, weights: 19_664, biases: 376, quantization: 1440, graph: 3176, runtimeCode: 37_204 },
      sramBreakdown: { arena: 6768, persistent: 2204, margin: 576, runtime: 1024 },
      sramPeakOp: 'layers[1] (maxPool)',
    });
    // The TFLM target carries its arena plan; the Uno's generated C has none.
    const plan = report.targets[1].arenaPlan;
    expect(plan.operators).toHaveLength(11);
    expect(plan.highWaterBytes).toBe(6768);
    expect(plan.buffers[plan.topBuffer]).toEqual({ name: 'output of MAX_POOL_2D · layers[1] (maxPool)', tensor: 4, sizeBytes: 1360, firstOperator: 1, lastOperator: 2, offsetBytes: 5408 });
    expect(plan.top).toBe('the output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B');
    expect(report.targets[0].arenaPlan).toBeUndefined();
    expect(report.targets[1].verdicts.deploy.fits).toBe(true);
  });

  it('uses the chosen accounting for the verdicts', () => {
    const report = JSON.parse(runEstimate(['--arch', lenet, '--target', 'arduino-uno', '--accounting', 'deploy', '--json']));
    expect(report.verdicts[0]).toMatchObject({ accounting: 'deploy', sram: { usedBytes: 6824, overByBytes: 5032 } });
  });

  it('judges by what the chip needs (deploy) unless told otherwise, after the preset\'s reserve', () => {
    const report = JSON.parse(runEstimate(['--arch', lenet, '--target', 'arduino-uno', '--json']));
    expect(report.verdicts[0]).toMatchObject({ accounting: 'deploy', fits: false, sram: { usedBytes: 6824, availableBytes: 1792, overByBytes: 5032 } });
  });

  it('reads a preset with a reserve of your own from a target file', () => {
    const target = file('uno-bare.json', JSON.stringify({ id: 'arduino-uno', reserve: { sramBytes: 0 } }));
    const report = JSON.parse(runEstimate(['--arch', lenet, '--target', target, '--json']));
    expect(report.verdicts[0]).toMatchObject({ target: 'arduino-uno', sram: { availableBytes: 2048 }, flash: { availableBytes: 30_720 } });
  });

  it('prints a per-layer table with totals and verdicts', () => {
    const paper = runEstimate(['--arch', lenet, '--target', 'arduino-uno', '--accounting', 'paper']);
    expect(paper).toContain('input 28×28×1, 10 classes, 7 layers → 9 ops');
    expect(paper).toMatch(/1 +layers\[1\] \(maxPool\) +13×13×8 +0 +0 +0 +0 +6,760 +◀ peak/);
    expect(paper).toMatch(/total +19,758 +19,758 +209,384 +19,758 +6,760/);
    expect(paper).toContain('arduino-uno: model size 19,758 / 30,720 B, working memory 6,760 / 1,792 B: DOES NOT FIT: working memory 6,760 B exceeds the 1,792 B of SRAM on Arduino Uno after the 256 B reserve');
    const deploy = runEstimate(['--arch', lenet, '--target', 'stm32f446re', '--target', 'arduino-uno', '--accounting', 'deploy']);
    expect(deploy).toMatch(/1 +layers\[1\] \(maxPool\) +13×13×8 +0 +0 +12 +0 +6,768 +130 +◀ peak/);
    expect(deploy).toContain(
      'flash 61,860 B of 491,520 B = model.tflite 24,656 (weights 19,664 + biases 376 + quantization 1,440 + graph 3,176) + runtime code 37,204',
    );
    expect(deploy).toContain('SRAM 10,572 B of 126,976 B = arena 6,768 (greedy plan) + persistent 2,204 + margin 576 + runtime 1,024');
    expect(deploy).toContain('arena_used_bytes() 8,972 B (arena + persistent); give tensor_arena 9,548 B (+ margin)');
    expect(deploy).toContain('arduino-uno (Generated C (no interpreter), an estimate only: no export for 8-bit AVR yet): DOES NOT FIT');
    expect(deploy).toContain('flash 23,478 B of 30,720 B = model 20,504 (weights 19,664 + biases 376 + quantization 320 + op structs 144) + runtime code 2,974');
    expect(deploy).toContain('SRAM 6,824 B of 1,792 B = activations 6,760 + runtime 64');
    // The arena plan of the TFLM target: per operator what is alive, then each buffer and its offset.
    expect(deploy).toContain('High-water mark 6,768 B, set by the output of MAX_POOL_2D · layers[1] (maxPool) (13×13×8 = 1,352 → 1,360 B) at offset 5,408 B.');
    expect(deploy).toMatch(/7 +RESHAPE · flatten +1,152 +3,280/);
    expect(deploy).toMatch(/2 +output of MAX_POOL_2D · layers\[1\] \(maxPool\) +13×13×8 +1,360 +operators 1–2 +5,408 +◀ top: 6,768/);
  });

  it('reads a custom target file', () => {
    const target = file('board.json', JSON.stringify({ id: 'board', name: 'Board', core: 'cortex-m0plus', clockMhz: 48, sramBytes: 8192, flashBytes: 65_536, reserve: { sramBytes: 4096 } }));
    const report = JSON.parse(runEstimate(['--arch', lenet, '--target', target, '--accounting', 'paper', '--json']));
    expect(report.verdicts[0]).toMatchObject({ target: 'board', fits: false, sram: { usedBytes: 6760, availableBytes: 4096, overByBytes: 2664 } });
  });

  it.each([
    [['--arch', join(dir, 'missing.json'), '--target', 'esp32'], 1, `cannot read architecture file "${join(dir, 'missing.json')}": no such file`],
    [['--arch', dir, '--target', 'esp32'], 1, 'it is a folder'],
    [['--arch', file('broken.json', '{"input": '), '--target', 'esp32'], 1, 'broken.json" is not valid JSON'],
    [
      ['--arch', file('bad-layer.json', JSON.stringify({ input: { height: 8, width: 8, channels: 1 }, classes: 2, layers: [{ type: 'flatten' }, { type: 'conv', filters: 2, kernel: 3, stride: 1, padding: 'same' }] })), '--target', 'esp32'],
      1,
      'bad-layer.json": layers[1] (conv): comes after layers[0] (flatten)',
    ],
    [['--arch', lenet, '--target', 'pdp-11'], 1, 'unknown target "pdp-11": not a preset (arduino-uno, microbit-v1'],
    [['--arch', lenet, '--target', file('bad-target.json', '{"id": "x"}')], 1, 'bad-target.json": "name" must be a name of 1 to 80 characters, got nothing'],
    [['--arch', lenet, '--target', 'esp32', '--accounting', 'exact'], 2, '--accounting must be "paper" or "deploy", got "exact"'],
    [['--target', 'esp32'], 2, 'missing --arch FILE'],
    [['--arch', lenet], 2, 'missing --target ID'],
    [['--arch', lenet, '--target', 'esp32', '--verbose'], 2, "Unknown option '--verbose'"],
  ])('rejects %j with exit code %i and a message naming the problem', (argv, code, message) => {
    const error = failure(argv);
    expect(error.exitCode).toBe(code);
    expect(error.message).toContain(message);
    expect(error.message).not.toContain('\n');
  });
});

describe('npm run estimate as a process', () => {
  const run = promisify(execFile);
  const tsx = join('node_modules', '.bin', 'tsx');

  it('exits non-zero with one line on stderr and no stack trace', async () => {
    const bad = file('bad-kernel.json', JSON.stringify({ input: { height: 4, width: 4, channels: 1 }, classes: 2, layers: [{ type: 'conv', filters: 2, kernel: 5, stride: 1, padding: 'valid' }, { type: 'flatten' }] }));
    const result = await run(tsx, ['src/cli/estimate.ts', '--arch', bad, '--target', 'arduino-uno']).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`estimate: architecture file "${bad}": layers[0] (conv): kernel 5 with padding "valid" does not fit its 4×4 input (the output would be 0×0)\n`);
  });

  it('prints the JSON on stdout and exits 0', async () => {
    const { stdout } = await run(tsx, ['src/cli/estimate.ts', '--arch', lenet, '--target', 'microbit-v1', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({ modelSizeBytes: 19_758, workingMemoryBytes: 6760, fits: true });
  });
});
