// `promptsmith demo` (= `npm run demo`): the main job on the embedded default model and task.
// The sentiment prompt (examples/sentiment) on the embedded stories260k model: evaluate the
// hand-written template (before), tune a soft prompt on the training set with progress, and
// print train/dev/test accuracy of both with the gap, the data warnings, and the tuned virtual
// tokens' nearest vocabulary tokens. Test (new names and events) is only reported.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import { deviceFromFlags, withEngine } from '../engineForCli';
import { formatPercent, splitTable } from '../../protocol/format';

/** The demo task beside the bundle (dist/cli.js → examples/sentiment/sentiment.prompt). */
export function demoPromptFile(): string {
  const file = resolve(__dirname, '..', 'examples', 'sentiment', 'sentiment.prompt');
  if (!existsSync(file)) throw new Error(`the demo task is missing: ${file}`);
  return file;
}

const pct = formatPercent;

export const demoCommand: CliCommand = {
  name: 'demo',
  usage: 'demo [--steps N] [--device D]',
  summary: 'Soft prompt tuning on the embedded model and task, with train/dev/test accuracy before and after',
  flags: {
    steps: { kind: 'number', description: 'training steps (default: the demo prompt’s setting)' },
    device: { kind: 'string', description: 'auto|cpu|cuda|dml|coreml|webgpu (default auto)' },
  },
  async run(args) {
    const promptFile = demoPromptFile();
    const device = deviceFromFlags(args.flags);
    const steps = args.flags['steps'] as number | undefined;
    const workspaceDir = process.cwd();
    const out = (s: string) => process.stdout.write(s);
    out(`Promptsmith demo: soft prompt tuning (Lester et al. 2021) on a local model\n`);
    out(`task    ${promptFile}\n\n`);
    await withEngine(async (client, signal) => {
      out('1. the hand-written prompt (before)\n');
      const before = await client.request('evaluate', { promptFile, device }, { signal });
      out(`   model  ${before.model}\n   device ${before.device}\n`);
      out(`   accuracy ${pct(before.accuracy)} on ${before.n} rows of dev (calibrated ${pct(before.calibrated.accuracy)})\n`);
      if (before.split_accuracy) for (const line of splitTable([{ name: 'hand-written prompt', accuracies: before.split_accuracy }], '   ')) out(`${line}\n`);
      out('\n');

      out('2. tuning a soft prompt on the training set (model frozen, gradients by our ONNX autodiff)\n');
      const started = Date.now();
      const result = await client.request('tuneSoft', { promptFile, device, workspaceDir, overrides: steps === undefined ? undefined : { steps } }, {
        signal,
        onEvent: (e) => {
          if (e.type === 'message') out(`   ${e.message}\n`);
          if (e.type !== 'progress') return;
          const line = `   step ${String(e.step).padStart(4)}/${e.totalSteps}  loss ${e.loss?.toFixed(4) ?? '—'}  ${(e.steps_per_s ?? 0).toFixed(1)} steps/s`;
          if (e.dev_acc !== undefined) out(`\r${line}  dev accuracy ${pct(e.dev_acc)}\n`);
          else if (process.stdout.isTTY) out(`\r${line}`);
        },
      });
      const seconds = (Date.now() - started) / 1000;
      out(`\n3. result (${result.steps_run} steps in ${seconds.toFixed(0)} s on ${result.device}, best on dev at step ${result.best_step})\n`);
      const rows = [
        { name: 'hand-written prompt', accuracies: { train: result.manual_train_acc, dev: result.manual_dev_acc, test: result.manual_test_acc } },
        { name: `${result.num_virtual_tokens}-token soft prompt`, accuracies: { train: result.train_acc, dev: result.dev_acc, test: result.test_acc } },
      ];
      for (const line of splitTable(rows, '   ')) out(`${line}\n`);
      out(
        result.test_acc === null
          ? '   (dev selected the soft prompt: without a test split nothing here is held out)\n'
          : '   (dev selected the soft prompt; test, new names and events, was used for nothing but this table)\n',
      );
      for (const warning of result.warnings) out(`   warning: ${warning}\n`);
      out(`   nearest vocabulary tokens of the first virtual tokens:\n`);
      for (const [i, tokens] of result.nearest_tokens.slice(0, 5).entries()) out(`     v${i}: ${tokens.join(' ')}\n`);
      out(`   adapter (PEFT format): ${result.out}\n`);
      if (result.run_dir) out(`   run record: ${join(result.run_dir, 'run.json')}\n`);
    });
    return 0;
  },
};
