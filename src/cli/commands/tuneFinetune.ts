// `promptsmith tune finetune <file.prompt>`: full or LoRA fine tuning of the file's model on its
// task in the engine process, saved as a Hugging Face model folder (full) or a PEFT LoRA adapter
// (--lora R), recorded as a run in ./.promptsmith/runs. --json: one JSON object per line, the
// last one the result. Ctrl-C stops after the current step; --resume continues from the checkpoint.
import { resolve } from 'node:path';
import { FINETUNE_SETTINGS } from '../../promptFile/promptsmithSettings';
import { formatPercent } from '../../protocol/format';
import type { FineTuneResult } from '../../protocol/methods/fineTune';
import { promptFileArgument, pathFlag } from '../args';
import type { CliCommand } from '../command';
import { deviceFromFlags, withEngine } from '../engineForCli';
import { checkedSettings, settingFlags, settingsFromFlags } from '../settingsFlags';
import { taskEventPrinter } from '../taskOutput';

const FLAG_SETTINGS = ['steps', 'lr', 'batchSize', 'warmup', 'schedule', 'weightDecay', 'maxGradNorm', 'evalEvery', 'patience', 'seed', 'alpha'] as const;

function summary(r: FineTuneResult): string {
  const row = (name: string, s: { train_acc: number | null; dev_acc: number | null; test_acc: number | null }) =>
    `${name.padEnd(14)}${formatPercent(s.train_acc).padEnd(9)}${formatPercent(s.dev_acc).padEnd(9)}${formatPercent(s.test_acc)}`;
  return [
    `saved ${r.artifact ?? '(nothing: the run was cancelled)'}`,
    `              train    dev      test`,
    row(r.method === 'lora' ? 'LoRA' : 'fine-tuned', r),
    row('base model', r.manual),
    `${r.trainable_params} trainable parameters, best step ${r.best_step} of ${r.steps_run}, ${r.device}, memory estimate ${r.memory_estimate_mib} MiB${r.run_dir ? `; run ${r.run_dir}` : ''}`,
  ].join('\n');
}

export const tuneFinetuneCommand: CliCommand = {
  name: 'tune finetune',
  usage: 'tune finetune <file.prompt> [--lora R] [--steps N] [--lr X] [--out DIR] [--resume DIR] [--device D] [--json]',
  summary: 'Fine tuning (full, or LoRA adapters with --lora R); saves a Hugging Face model folder or a PEFT LoRA adapter',
  flags: {
    lora: { kind: 'number', description: 'train LoRA adapters of this rank instead of every weight' },
    ...settingFlags(FINETUNE_SETTINGS, FLAG_SETTINGS),
    device: { kind: 'string', description: 'auto, cpu, cuda, dml, coreml, webgpu' },
    out: { kind: 'string', description: 'output folder (default: model/ in the run folder under .promptsmith/runs)' },
    resume: { kind: 'string', description: 'continue the run saved in this folder (a run folder or an --out folder)' },
    json: { kind: 'boolean', description: 'one JSON object per line; the last is the result' },
  },
  async run(args) {
    const file = promptFileArgument(args);
    const json = args.flags['json'] === true;
    const lora = args.flags['lora'];
    const overrides = settingsFromFlags(args, FINETUNE_SETTINGS, FLAG_SETTINGS);
    if (lora !== undefined) Object.assign(overrides, checkedSettings(FINETUNE_SETTINGS, { method: 'lora', rank: lora }, () => '--lora'));
    const onEvent = taskEventPrinter({ json, resumeCommand: (runDir) => `promptsmith tune finetune ${file} --resume ${runDir}` });
    const result = await withEngine((client, signal) =>
      client.request(
        'fineTune',
        { promptFile: resolve(file), overrides, out: pathFlag(args, 'out'), resume: pathFlag(args, 'resume'), workspaceDir: process.cwd(), device: deviceFromFlags(args.flags) },
        { signal, onEvent },
      ),
    );
    process.stdout.write(json ? `${JSON.stringify({ type: 'result', ...result })}\n` : `${summary(result)}\n`);
    return 0;
  },
};
