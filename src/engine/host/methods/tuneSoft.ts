// `tuneSoft`: soft prompt tuning as a queued task recorded in a run folder. The adapter goes to
// `out` when given (a link back to the run is left there), else to `adapter/` in the run folder.
// `resume` takes either folder and continues the same run record from its last checkpoint.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import { SOFT_PROMPT_SETTINGS } from '../../../promptFile/promptsmithSettings';
import type { Json } from '../../../protocol/guards';
import type { SoftPromptOverrides, TuneSoftParams, TuneSoftResult } from '../../../protocol/methods/tuneSoft';
import type { TaskResult } from '../../../protocol/taskEvents';
import { writeJsonAtomic } from '../../../runs/atomicFile';
import { createRun, openRun, type RunHandle } from '../../../runs/runWriter';
import { tuneSoftPrompt } from '../../tuning/softprompt/tuneSoftPrompt';
import { pathInRun, runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';
import { accuracyGap, devTitle, formatPercent, formatPoints } from '../../../protocol/format';

/** Left in an `out` folder so `resume` of that folder finds the run it belongs to. */
const RUN_LINK_FILE = '.promptsmith-run.json';

/** The tuning settings a run recorded (run.json `settings` also holds `out`). */
function recordedOverrides(settings: { [key: string]: Json }): SoftPromptOverrides {
  const entries = Object.entries(settings).filter(([key, value]) => key !== 'adapter' && Object.hasOwn(SOFT_PROMPT_SETTINGS, key) && value !== null);
  return Object.fromEntries(entries) as SoftPromptOverrides;
}

function linkedRun(out: string): RunHandle | undefined {
  try {
    const { runDir } = JSON.parse(readFileSync(join(out, RUN_LINK_FILE), 'utf8')) as { runDir?: unknown };
    return typeof runDir === 'string' && existsSync(join(runDir, 'run.json')) ? openRun(runDir) : undefined;
  } catch {
    return undefined;
  }
}

interface SoftRun {
  run: RunHandle;
  out: string;
  overrides: SoftPromptOverrides;
  resume: boolean;
}

/** The run this request records into and where its adapter goes (new, or continued). */
function softRun(params: TuneSoftParams, model: string): SoftRun {
  const { resume } = params;
  if (resume && existsSync(join(resume, 'run.json'))) {
    const run = openRun(resume);
    const settings = run.meta().settings;
    const out = typeof settings.out === 'string' ? settings.out : join(run.dir, 'adapter');
    return { run, out, overrides: { ...recordedOverrides(settings), ...params.overrides }, resume: true };
  }
  const existing = resume ? linkedRun(resume) : undefined;
  if (existing) return { run: existing, out: resume!, overrides: { ...recordedOverrides(existing.meta().settings), ...params.overrides }, resume: true };
  const out = resume ?? params.out;
  const overrides = params.overrides ?? {};
  const run = createRun(params.workspaceDir ?? dirname(params.promptFile), {
    kind: 'soft',
    name: basename(params.promptFile, '.prompt'),
    promptFile: params.promptFile,
    model,
    device: params.device ?? 'auto',
    settings: { ...(overrides as { [key: string]: Json }), ...(out ? { out } : {}) },
    seed: overrides.seed,
  });
  if (out) {
    mkdirSync(out, { recursive: true });
    writeJsonAtomic(join(out, RUN_LINK_FILE), { runDir: run.dir });
  }
  return { run, out: out ?? join(run.dir, 'adapter'), overrides, resume: resume !== undefined };
}

/** What the runs panel shows: accuracies by split, the soft prompt as its nearest tokens. */
/** One line for people: held-out first; dev named as the selecting split without test; generation by log-likelihood. */
function softSummary(r: Omit<TuneSoftResult, 'run_dir'>): string {
  const head = `soft prompt (${r.num_virtual_tokens} tokens, ${r.method} on ${r.device})`;
  const g = r.generation;
  if (g) {
    const split = g.tuned.test ? 'test' : 'dev';
    const loglik = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(3));
    return `${head}: ${split === 'dev' ? devTitle(false) : split} log-likelihood per reference token ${loglik(g.tuned[split]?.loglik_per_token)} (hand-written ${loglik(g.manual[split]?.loglik_per_token)})`;
  }
  if (r.test_acc === null) return `${head}: train ${formatPercent(r.train_acc)}, ${devTitle(false)} ${formatPercent(r.dev_acc)} (hand-written ${formatPercent(r.manual_dev_acc)}); no test split`;
  const gap = accuracyGap({ train: r.train_acc, dev: r.dev_acc, test: r.test_acc });
  return `${head}: test ${formatPercent(r.test_acc)} (hand-written ${formatPercent(r.manual_test_acc)}), train ${formatPercent(r.train_acc)}, dev ${formatPercent(r.dev_acc)}, ${gap.title} ${formatPoints(gap.value)}`;
}

export function softTaskResult(r: Omit<TuneSoftResult, 'run_dir'>, adapterPath: string): TaskResult {
  const metrics: Record<string, number> = { best_step: r.best_step, steps_run: r.steps_run };
  for (const key of ['train_acc', 'dev_acc', 'test_acc', 'manual_train_acc', 'manual_dev_acc', 'manual_test_acc'] as const) {
    const value = r[key];
    if (value !== null) metrics[key] = value;
  }
  // Generation tasks: the reference's log-likelihood per token and the task's metric, by split.
  for (const [who, scores] of Object.entries(r.generation ? { '': r.generation.tuned, manual_: r.generation.manual } : {})) {
    for (const [split, s] of Object.entries(scores)) {
      metrics[`${who}${split}_loglik`] = s.loglik_per_token;
      if (s.score !== null) metrics[`${who}${split}_${r.generation!.metric}`] = s.score;
    }
  }
  const accuracies = { ...(r.train_acc === null ? {} : { train_acc: r.train_acc }), ...(r.dev_acc === null ? {} : { dev_acc: r.dev_acc }), ...(r.test_acc === null ? {} : { test_acc: r.test_acc }) };
  return {
    metrics,
    bestPrompts: [{ text: r.nearest.map((row) => row[0]?.token ?? '?').join(' '), tokens: r.nearest.map((row) => row[0]?.token ?? '?'), ids: r.nearest.map((row) => row[0]?.id ?? -1), ...accuracies }],
    artifacts: { adapter: adapterPath },
    summary: softSummary(r),
    ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
  };
}

export const tuneSoft: MethodHandler<'tuneSoft'> = async (params, ctx) => {
  const model = modelSpecOf(readPromptFile(params.promptFile), params.promptFile);
  const { run, out, overrides, resume } = softRun(params, model);
  return runTask(ctx, {
    model,
    label: `tune soft ${basename(params.promptFile)}`,
    run,
    async execute(task) {
      const summary = await tuneSoftPrompt({
        promptFile: params.promptFile,
        overrides,
        out,
        resume,
        device: params.device,
        checkpointEvery: params.checkpointEvery,
        ...task,
        onCheckpoint: (step, file) => task.emit({ type: 'checkpoint', step, path: pathInRun(run, dirname(file)) }),
      });
      return { value: { ...summary, run_dir: run.dir }, record: softTaskResult(summary, pathInRun(run, join(out, 'adapter_config.json'))) };
    },
  });
};
