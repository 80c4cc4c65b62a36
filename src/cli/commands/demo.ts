// `promptsmith demo` (= `npm run demo`): the main job on the embedded default model and task —
// every way of adapting the model (the hand-written prompt, soft prompts by gradient and by BBT,
// RL prompts and random search at RL's budget, LoRA, full fine tuning) run on the example
// sentiment task with one time budget, then one table judged on the held-out test split with
// intervals and paired tests. --model / --prompt point it at another model or task.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../promptFile/promptFile';
import { relocatedPromptSource } from '../../promptFile/relocatedPromptFile';
import { formatPercent } from '../../protocol/format';
import { baselineRow, type CompareResult, rowLabel, verdict } from '../../protocol/methods/compare';
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { deviceFromFlags, withEngine } from '../engineForCli';
import { compareProgressPrinter } from '../compareProgress';
import { compareTable, parseMethods } from './compare';

/** The demo task beside the bundle (dist/cli.js → examples/sentiment/sentiment.prompt). */
export function demoPromptFile(): string {
  const file = resolve(__dirname, '..', 'examples', 'sentiment', 'sentiment.prompt');
  if (!existsSync(file)) throw new Error(`the demo task is missing: ${file}`);
  return file;
}

/** Minutes of training shared by the methods that train: the whole demo stays well under 10 minutes on 2 cores. */
const DEFAULT_BUDGET_MINUTES = 3;

/** With --model, a copy of the task that names that model (paths made absolute), kept in the run area. */
function taskFile(promptFlag: unknown, modelFlag: unknown, workspaceDir: string): string {
  const file = typeof promptFlag === 'string' ? resolve(promptFlag) : demoPromptFile();
  if (!existsSync(file)) throw new UsageError(`--prompt: no such file ${file}`);
  if (typeof modelFlag !== 'string') return file;
  const model = /^(\.{1,2}[\\/]|[\\/]|~)/.test(modelFlag) || existsSync(modelFlag) ? resolve(modelFlag) : modelFlag;
  const dir = join(workspaceDir, '.promptsmith', 'demo');
  mkdirSync(dir, { recursive: true });
  const derived = join(dir, basename(file));
  writeFileSync(derived, relocatedPromptSource(readPromptFile(file).source, file, { model }));
  return derived;
}

/** What the table says, in words: the best method on test and whether the paired test separates it from the hand-written prompt. */
function conclusion(r: CompareResult): string {
  const manual = baselineRow(r.rows);
  const measured = r.rows.filter((row) => row.status === 'done' && row.test_acc !== null);
  const best = [...measured].sort((a, b) => b.test_acc! - a.test_acc!)[0];
  if (!best) return 'No method was measured on a test split.';
  if (best === manual) return `On held-out test rows, the hand-written prompt (${formatPercent(best.test_acc)}) beat every other row.`;
  const said = verdict(best, manual);
  return `Best on held-out test rows: ${rowLabel(best)} ${formatPercent(best.test_acc)} against the hand-written ${formatPercent(manual?.test_acc)}${said ? ` — ${said}` : ''}.`;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  usage: 'demo [--budget-minutes M] [--methods manual,soft,…] [--model M] [--prompt FILE] [--seed S] [--device D]',
  summary: 'Compare the ways to adapt a model (prompt, soft prompt, RL prompt, LoRA, fine tuning) on the embedded model and task, judged on held-out test rows',
  flags: {
    'budget-minutes': { kind: 'number', description: `minutes of training shared by the methods (default ${DEFAULT_BUDGET_MINUTES})` },
    methods: { kind: 'string', description: 'comma-separated subset (default: all that fit)' },
    model: { kind: 'string', description: 'another model (folder or hub id) for the same task' },
    prompt: { kind: 'string', description: 'another task: a .prompt file with train, dev and test splits' },
    seed: { kind: 'number', description: 'seed for every method (default 1)' },
    device: { kind: 'string', description: 'auto|cpu|cuda|dml|coreml|webgpu (default auto)' },
  },
  async run(args) {
    const f = args.flags;
    const workspaceDir = process.cwd();
    const budget = (f['budget-minutes'] as number | undefined) ?? DEFAULT_BUDGET_MINUTES;
    if (!(budget > 0)) throw new UsageError('--budget-minutes needs a number > 0');
    const seed = (f['seed'] as number | undefined) ?? 1;
    if (!Number.isInteger(seed) || seed < 0) throw new UsageError('--seed needs a whole number ≥ 0');
    const promptFile = taskFile(f['prompt'], f['model'], workspaceDir);
    const out = (s: string) => process.stdout.write(s);
    out('Promptsmith demo: which way of adapting the model wins on this task, judged on held-out rows\n');
    out(`task    ${promptFile}\nmodel   ${modelSpecOf(readPromptFile(promptFile), promptFile)}\nbudget  about ${budget} min of training, shared by the methods that train\n\n`);
    const started = Date.now();
    const result = await withEngine((client, signal) =>
      client.request(
        'compare',
        { promptFile, methods: parseMethods(f['methods']), budgetMinutes: budget, seed, workspaceDir, device: deviceFromFlags(f) },
        { signal, onEvent: compareProgressPrinter(out, process.stdout.isTTY === true) },
      ),
    );
    out(`${process.stdout.isTTY ? '\r\x1b[K' : ''}\ndone in ${((Date.now() - started) / 1000).toFixed(0)} s\n\n`);
    out(`${compareTable(result)}\n\n`);
    out(
      result.test_rows > 0
        ? `test: ${result.test_rows} held-out rows no method trained, selected or stopped on; each method selected on dev.\n`
        : 'this task has no test split: dev selected every method, so nothing above is held out.\n',
    );
    out(`${conclusion(result)}\n`);
    for (const warning of result.warnings) out(`warning: ${warning}\n`);
    if (result.run_dir) out(`report: ${join(result.run_dir, 'report.md')}\n`);
    return 0;
  },
};
