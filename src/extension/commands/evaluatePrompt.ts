// `promptsmith.evaluate`: classify every row of the prompt's dev set in the engine as a task
// session (live in the runs panel, recorded as an 'eval' run), then report accuracy (raw and
// calibrated), per-label metrics and the worst rows.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { formatEvaluation } from '../../engine/tasks/formatEvaluation';
import type { PromptsmithContext } from '../context';
import { readSettings } from '../settings';
import { getStatusBar } from '../statusBar';
import { runTaskSession } from '../tasks/taskSession';
import { formatPercent } from '../../protocol/format';
import { promptTarget } from './promptDocument';

export async function evaluatePromptCommand(ctx: PromptsmithContext, arg: unknown): Promise<void> {
  const target = await promptTarget(arg, { save: true });
  if (!target) return;
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage('Promptsmith: this prompt has no task. Add `promptsmith.task` (train/dev datasets and labels) to its front matter.');
    return;
  }
  const settings = readSettings(target.document.uri);
  const name = basename(target.document.uri.fsPath);
  const outcome = await runTaskSession(ctx, {
    method: 'evaluate',
    params: {
      promptFile: target.document.uri.fsPath,
      model: target.modelOverride,
      device: settings.device,
      offline: settings.offline || undefined,
      cacheDir: settings.cacheDir,
      remote: settings.remote,
      workspaceDir: target.workspaceDir,
    },
    kind: 'eval',
    label: `evaluate ${name}`,
    title: `evaluating ${name}`,
    model: target.modelOverride ?? target.parsed.model ?? '',
    device: settings.device,
    promptFile: target.document.uri.fsPath,
  });
  if (!outcome.ok) return;
  const result = outcome.result;
  getStatusBar()?.setModel(result.model, result.device);
  ctx.output.info(`Evaluation of ${target.document.uri.fsPath}\n${formatEvaluation(result)}`);
  const choice = await vscode.window.showInformationMessage(
    `Promptsmith: ${name} — accuracy ${formatPercent(result.accuracy)} (calibrated ${formatPercent(result.calibrated.accuracy)}) on ${result.n} rows of ${basename(result.data)}, ${result.device}.`,
    'Show Details',
    'Show Runs',
  );
  if (choice === 'Show Details') ctx.output.show(true);
  if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.showRuns');
}
