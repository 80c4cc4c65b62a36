// `promptsmith.evaluate`: classify every row of the prompt's dev set in the engine, report
// accuracy (raw and calibrated), per-label metrics and the worst rows; recorded as a run.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { PromptEvaluation } from '../../engine/tasks/evaluatePromptFile';
import { formatEvaluation } from '../../engine/tasks/formatEvaluation';
import { type Json, toJson } from '../../protocol/guards';
import type { PromptsmithContext } from '../context';
import { engineService } from '../engineService';
import { readSettings } from '../settings';
import { getStatusBar } from '../statusBar';
import { promptTarget, showCommandError } from './promptDocument';

export async function evaluatePromptCommand(ctx: PromptsmithContext, arg: unknown): Promise<void> {
  const target = await promptTarget(arg, { save: true });
  if (!target) return;
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage('Promptsmith: this prompt has no task. Add `promptsmith.task` (train/dev datasets and labels) to its front matter.');
    return;
  }
  const settings = readSettings(target.document.uri);
  const name = basename(target.document.uri.fsPath);
  const status = getStatusBar();
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Promptsmith: evaluating ${name}`, cancellable: true },
      (progress, token) => {
        let last = 0;
        return engineService().request<PromptEvaluation>(
          'evaluate',
          toJson({
            promptFile: target.document.uri.fsPath,
            model: target.modelOverride,
            device: settings.device,
            offline: settings.offline || undefined,
            cacheDir: settings.cacheDir,
            workspaceDir: target.workspaceDir,
          }),
          {
            token,
            onEvent: (event: Json) => {
              const e = event as { type?: string; step?: number; totalSteps?: number };
              if (e.type !== 'progress' || !e.totalSteps || e.step === undefined) return;
              progress.report({ increment: ((e.step - last) / e.totalSteps) * 100, message: `${e.step}/${e.totalSteps} rows` });
              last = e.step;
              status?.setTask(`evaluate ${name}`, e.step / e.totalSteps);
            },
          },
        );
      },
    );
    status?.setModel(result.model, result.device);
    ctx.output.info(`Evaluation of ${target.document.uri.fsPath}\n${formatEvaluation(result)}`);
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const choice = await vscode.window.showInformationMessage(
      `Promptsmith: ${name} — accuracy ${pct(result.accuracy)} (calibrated ${pct(result.calibrated.accuracy)}) on ${result.n} rows, ${result.device}.`,
      'Show Details',
      'Show Runs',
    );
    if (choice === 'Show Details') ctx.output.show(true);
    if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.showRuns');
  } catch (err) {
    showCommandError(`evaluating ${name}`, err, ctx.output);
  } finally {
    status?.clearTask();
  }
}
