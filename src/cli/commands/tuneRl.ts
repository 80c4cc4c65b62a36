// `promptsmith tune rl <file.prompt>` (RLPrompt) and `promptsmith tune random <file.prompt>` (its
// baseline at the same budget): a discrete prompt for a slot of the template, found in the engine
// process and recorded as a run in ./.promptsmith/runs. --json prints the public JSON lines: flat
// progress objects, and last the result with every prompt measured on the file with it applied.
// Ctrl-C stops after the current step and keeps the last checkpoint for --resume.
import { resolve } from 'node:path';
import { RL_SETTINGS } from '../../promptFile/promptsmithSettings';
import { devTitle, formatPercent, splitTable } from '../../protocol/format';
import type { RlSearchMethod, TuneRlResult } from '../../protocol/methods/tuneRl';
import type { BestPromptRow } from '../../protocol/taskEvents';
import { type FlagSpec, type ParsedArgs, promptFileArgument, pathFlag } from '../args';
import type { CliCommand } from '../command';
import { deviceFromFlags, modelFlags, withEngine } from '../engineForCli';
import { remoteAccessFromFlags, remoteFlags } from '../remoteFlags';
import { checkedSettings, settingFlags, settingsFromFlags } from '../settingsFlags';
import { taskEventPrinter } from '../taskOutput';

const SEARCH_SETTINGS = ['preset', 'steps', 'samplesPerStep', 'examplesPerStep', 'vocabulary', 'maxEvaluations', 'seed'] as const;

const flags: Record<string, FlagSpec> = {
  slot: { kind: 'string', description: 'the span the prompt replaces, LINE:COL-LINE:COL (1-based, end column exclusive); default: {{rlprompt}}, else the end of the template' },
  length: { kind: 'number', description: 'prompt tokens T (promptsmith.rl.promptLength)' },
  'policy-model': { kind: 'string', description: 'the frozen policy LM (folder or hub id); default: the task model' },
  ...settingFlags(RL_SETTINGS, SEARCH_SETTINGS),
  model: { kind: 'string', description: "override the file's task model (folder, hub id, or openai-compatible/<name> with --endpoint)" },
  ...remoteFlags,
  ...modelFlags,
  out: { kind: 'string', description: 'folder for the found prompts and checkpoints (default: prompts/ in the run folder)' },
  resume: { kind: 'string', description: 'continue the run saved in this folder (a run folder or an --out folder)' },
  json: { kind: 'boolean', description: 'one JSON object per line; the last is the result' },
};

/** The public form of a found prompt (the CLI's JSON lines are their own format). */
function publicPrompt(p: TuneRlResult['prompts'][number]) {
  return { text: p.text, ids: p.ids, train_acc: p.train_acc, dev_acc: p.dev_acc, test_acc: p.test_acc, reward: p.reward };
}

function summary(r: TuneRlResult): string {
  const best = r.prompts[0];
  const hasTest = r.written.test_acc !== null;
  const rows = [
    ...(best ? [{ name: `${r.method === 'rl' ? 'RL' : 'random'} best`, accuracies: { train: best.train_acc, dev: best.dev_acc, test: best.test_acc } }] : []),
    { name: 'hand-written', accuracies: { train: r.written.train_acc, dev: r.written.dev_acc, test: r.written.test_acc } },
  ];
  const listed = r.prompts.map((p, i) => `  [${i}] ${JSON.stringify(p.text)}  ${devTitle(hasTest)} ${formatPercent(p.dev_acc)}  test ${formatPercent(p.test_acc)}  reward ${p.reward.toFixed(2)}`);
  return [
    `slot (${r.slot.kind}) written as ${JSON.stringify(r.written.text)}`,
    ...splitTable(rows),
    `${r.steps_run} steps, ${r.evaluations} reward evaluations on ${r.device}${r.cancelled ? ' (stopped: accuracies are the search’s own)' : ''}; saved ${r.out}`,
    ...r.warnings.map((w) => `warning: ${w}`),
    'prompts (selected on dev; test only reported):',
    ...listed,
  ].join('\n');
}

function overridesFrom(args: ParsedArgs): Record<string, unknown> {
  const values = settingsFromFlags(args, RL_SETTINGS, SEARCH_SETTINGS);
  const f = args.flags;
  if (f['length'] !== undefined) values.promptLength = f['length'];
  if (typeof f['policy-model'] === 'string') values.policyModel = f['policy-model'];
  return checkedSettings(RL_SETTINGS, values, (name) => (name === 'promptLength' ? '--length' : name === 'policyModel' ? '--policy-model' : `--${name}`));
}

function searchCommand(method: RlSearchMethod): CliCommand {
  const name = method === 'rl' ? 'tune rl' : 'tune random';
  return {
    name,
    usage: `${name} <file.prompt> [--slot LINE:COL-LINE:COL] [--length T] [--steps N] [--policy-model M] [--seed S] [--preset default|paper] [--vocabulary words|all] [--max-evaluations N] [--model M [--endpoint URL]] [--out DIR] [--resume DIR] [--json]`,
    summary: method === 'rl' ? 'RL prompt tuning (RLPrompt): a discrete prompt for a slot of the template' : 'Random search for a discrete prompt (the baseline RL must beat)',
    flags,
    async run(args) {
      const file = promptFileArgument(args);
      const f = args.flags;
      const json = f['json'] === true;
      let best: BestPromptRow | undefined;
      const print = taskEventPrinter({
        json,
        resumeCommand: (runDir) => `promptsmith ${name} ${file} --resume ${runDir}`,
        progressJson: (e) => ({ type: 'progress', step: e.step, reward_mean: e.reward ?? null, best_prompt: best?.text ?? null, dev_acc: e.dev_acc ?? null }),
      });
      const result = await withEngine((client, signal) =>
        client.request(
          'tuneRl',
          {
            promptFile: resolve(file),
            method,
            slotPosition: typeof f['slot'] === 'string' ? f['slot'] : undefined,
            overrides: overridesFrom(args),
            model: f['model'] as string | undefined,
            ...remoteAccessFromFlags(f),
            device: deviceFromFlags(f),
            cacheDir: f['cache-dir'] as string | undefined,
            offline: f['offline'] === true || undefined,
            out: pathFlag(args, 'out'),
            resume: pathFlag(args, 'resume'),
            workspaceDir: process.cwd(),
          },
          {
            signal,
            onEvent: (e) => {
              if (e.type === 'bestPrompts') best = e.rows[0];
              print(e);
            },
          },
        ),
      );
      if (json) {
        const { prompts, run_dir, written, method: m, steps_run, evaluations, cancelled, device, warnings, out } = result;
        process.stdout.write(`${JSON.stringify({ type: 'result', method: m, prompts: prompts.map(publicPrompt), written, steps_run, evaluations, cancelled, device, warnings, out, run_dir })}\n`);
      } else process.stdout.write(`${summary(result)}\n`);
      return 0;
    },
  };
}

export const tuneRlCommand = searchCommand('rl');
export const tuneRandomCommand = searchCommand('random');
