// `compare`: the adaptation methods side by side, as one queued task recorded in a run folder
// (report.md, rows.json and each method's own folder inside it).
import { basename, dirname } from 'node:path';
import { modelSpecOf, readPromptFile } from '../../../promptFile/promptFile';
import { formatPercent } from '../../../protocol/format';
import { type CompareResult, rowLabel } from '../../../protocol/methods/compare';
import type { TaskResult } from '../../../protocol/taskEvents';
import { createRun } from '../../../runs/runWriter';
import { COMPARE_REPORT_FILE, compareMethods } from '../../tasks/compare/compare';
import { openEngineProcess } from '../methodProcess';
import { runTask } from '../taskRuns';
import type { MethodHandler } from './requestContext';

export function compareTaskResult(r: Omit<CompareResult, 'run_dir'>): TaskResult {
  const metrics: Record<string, number> = { test_rows: r.test_rows };
  for (const row of r.rows) if (row.test_acc !== null) metrics[`${rowLabel(row)}_test_acc`] = row.test_acc;
  const best = r.rows.filter((row) => row.test_acc !== null).sort((a, b) => b.test_acc! - a.test_acc!)[0];
  return {
    metrics,
    comparison: r.rows,
    artifacts: { report: COMPARE_REPORT_FILE },
    ...(r.warnings.length > 0 ? { warnings: r.warnings } : {}),
    summary: best ? `best on test: ${rowLabel(best)} ${formatPercent(best.test_acc)} of ${r.rows.length} methods` : `${r.rows.length} methods, none measured on a test split`,
  };
}

export const compare: MethodHandler<'compare'> = async (params, ctx) => {
  const model = modelSpecOf(readPromptFile(params.promptFile), params.promptFile, params.model);
  const run = createRun(params.workspaceDir ?? dirname(params.promptFile), {
    kind: 'compare',
    name: basename(params.promptFile, '.prompt'),
    promptFile: params.promptFile,
    model,
    device: params.device ?? 'auto',
    settings: {
      ...(params.methods ? { methods: params.methods } : {}),
      ...(params.budgetMinutes ? { budgetMinutes: params.budgetMinutes } : {}),
      ...(params.policyModel ? { policyModel: params.policyModel } : {}),
    },
    seed: params.seed,
  });
  return runTask(ctx, {
    model,
    label: `compare ${basename(params.promptFile)}`,
    run,
    async execute(task) {
      const result = await compareMethods({ ...task, params, outDir: run.dir, open: openEngineProcess });
      return { value: { ...result, run_dir: run.dir }, record: compareTaskResult(result) };
    },
  });
};
