// `promptsmith tune soft <file.prompt>`: soft prompt tuning (Lester et al. 2021) of the file's
// model on its task in the engine process, saved as a PEFT adapter and recorded as a run in
// ./.promptsmith/runs. --json: one JSON object per line on stdout, the last one the result.
// Ctrl-C stops after the current step and writes a checkpoint that --resume continues.
import { resolve } from 'node:path';
import { SOFT_PROMPT_SETTINGS } from '../../promptFile/promptsmithSettings';
import type { GenerationResult, GenerationSplitScores, SoftPromptOverrides, TuneSoftResult } from '../../protocol/methods/tuneSoft';
import { promptFileArgument, pathFlag } from '../args';
import type { CliCommand } from '../command';
import { deviceFromFlags, withEngine } from '../engineForCli';
import { taskEventPrinter } from '../taskOutput';
import { settingFlags, settingsFromFlags } from '../settingsFlags';
import { devTitle, formatPercent, type SplitAccuracies, splitTable } from '../../protocol/format';

const TUNING_SETTINGS = ['tokens', 'init', 'initText', 'steps', 'lr', 'optimizer', 'weightDecay', 'decayToward', 'selectBy', 'method', 'seed', 'batchSize', 'evalEvery', 'patience', 'bbtDim', 'bbtPopulation', 'bbtSigma'] as const;

/** Accuracies of the tuned and the hand-written prompt by split, as the result carries them. */
export function resultAccuracies(r: TuneSoftResult): { name: string; accuracies: SplitAccuracies }[] {
  return [
    { name: 'soft prompt', accuracies: { train: r.train_acc, dev: r.dev_acc, test: r.test_acc } },
    { name: 'hand-written', accuracies: { train: r.manual_train_acc, dev: r.manual_dev_acc, test: r.manual_test_acc } },
  ];
}

/** Generation tasks: the reference's mean log-likelihood per token and the task's metric, by split. */
function generationLines(g: GenerationResult): string[] {
  const splits = (['train', 'dev', 'test'] as const).filter((s) => g.tuned[s] !== undefined);
  const cell = (x: GenerationSplitScores | undefined) => `${x ? x.loglik_per_token.toFixed(3) : '—'}${g.metric === 'loglik' ? '' : ` / ${formatPercent(x?.score)}`}`.padEnd(26);
  return [
    `generation task (reference field '${g.reference}'): mean log-likelihood per reference token${g.metric === 'loglik' ? '' : ` / ${g.metric} on the greedy output`}`,
    `${''.padEnd(14)}${splits.map((s) => (s === 'dev' ? devTitle(g.tuned.test !== undefined) : s).padEnd(26)).join('')}`.trimEnd(),
    `${'soft prompt'.padEnd(14)}${splits.map((s) => cell(g.tuned[s])).join('')}`.trimEnd(),
    `${'hand-written'.padEnd(14)}${splits.map((s) => cell(g.manual[s])).join('')}`.trimEnd(),
  ];
}

function summary(r: TuneSoftResult): string {
  const lines = r.nearest_tokens.map((row, i) => `  [${i}] ${row.join(' ')}`);
  return [
    `saved ${r.out}`,
    ...(r.generation ? generationLines(r.generation) : splitTable(resultAccuracies(r))),
    `best step ${r.best_step} of ${r.steps_run}, ${r.method} on ${r.device}${r.run_dir ? `; run ${r.run_dir}` : ''}`,
    ...r.warnings.map((w) => `warning: ${w}`),
    'nearest tokens:',
    ...lines,
  ].join('\n');
}

export const tuneSoftCommand: CliCommand = {
  name: 'tune soft',
  usage:
    'tune soft <file.prompt> [--tokens n] [--init CLASS_LABELS|SAMPLE_VOCAB|RANDOM|TEXT] [--init-text T] [--steps N] [--lr X] [--optimizer adam|adafactor] [--weight-decay X] [--decay-toward zero|init] [--select-by devAccuracy|devLoss] [--method gradient|bbt] [--bbt-dim D] [--bbt-population N] [--bbt-sigma S] [--seed S] [--out DIR] [--resume DIR] [--json]',
  summary: 'Soft prompt tuning (Lester et al. 2021); saves a PEFT adapter',
  flags: {
    ...settingFlags(SOFT_PROMPT_SETTINGS, TUNING_SETTINGS),
    device: { kind: 'string', description: 'auto, cpu, cuda, dml, coreml, webgpu' },
    out: { kind: 'string', description: 'adapter folder (default: adapter/ in the run folder under .promptsmith/runs)' },
    resume: { kind: 'string', description: 'continue the run saved in this folder (a run folder or an --out folder)' },
    json: { kind: 'boolean', description: 'one JSON object per line; the last is the result' },
  },
  async run(args) {
    const file = promptFileArgument(args);
    const json = args.flags['json'] === true;
    const overrides = settingsFromFlags(args, SOFT_PROMPT_SETTINGS, TUNING_SETTINGS) as SoftPromptOverrides;
    const onEvent = taskEventPrinter({ json, resumeCommand: (runDir) => `promptsmith tune soft ${file} --resume ${runDir}` });
    const result = await withEngine((client, signal) =>
      client.request(
        'tuneSoft',
        { promptFile: resolve(file), overrides, out: pathFlag(args, 'out'), resume: pathFlag(args, 'resume'), workspaceDir: process.cwd(), device: deviceFromFlags(args.flags) },
        { signal, onEvent },
      ),
    );
    if (json) {
      const { nearest: _detail, ...flat } = result;
      process.stdout.write(`${JSON.stringify({ type: 'result', ...flat })}\n`);
    } else process.stdout.write(`${summary(result)}\n`);
    return 0;
  },
};
