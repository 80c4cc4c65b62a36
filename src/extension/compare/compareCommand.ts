// "Compare adaptation methods": on a .prompt file's task, the engine's `compare` runs the chosen
// methods (prompt engineering, soft prompts, BBT, random search, RL prompts, LoRA, fine tuning)
// with the same splits as a task session, then the run opens in the panel and a notification
// names the best method on test and whether it beats the hand-written prompt beyond noise.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { COMPARE_METHODS, type CompareMethod } from '../../protocol/methods/compare';
import { promptTarget } from '../commands/promptDocument';
import type { PromptsmithContext } from '../context';
import { getRunsPanel } from '../panel/runsPanel';
import { readSettings } from '../settings';
import { runTaskSession } from '../tasks/taskSession';
import { budgetProblem, compareMessage, METHOD_TITLES } from './compareText';

export interface CompareChoice {
  /** Undefined: every method that fits the model. */
  methods?: CompareMethod[];
  budgetMinutes?: number;
}

async function askMethodsAndBudget(file: string): Promise<CompareChoice | undefined> {
  const picked = await vscode.window.showQuickPick(
    COMPARE_METHODS.map((method) => ({ label: method, description: METHOD_TITLES[method], picked: true, method })),
    { title: `Promptsmith: compare which methods on ${file}?`, placeHolder: 'All are ticked; methods that do not fit the model are skipped', canPickMany: true },
  );
  if (!picked || picked.length === 0) return undefined;
  const budget = await vscode.window.showInputBox({
    title: 'Promptsmith: time budget for the whole comparison',
    prompt: 'Minutes, shared by the methods that train (each stops cleanly with its best so far); empty for no limit',
    value: '10',
    validateInput: budgetProblem,
  });
  if (budget === undefined) return undefined;
  return { methods: picked.length === COMPARE_METHODS.length ? undefined : picked.map((p) => p.method), budgetMinutes: budget.trim() === '' ? undefined : Number(budget) };
}

/** `options` (from a caller, not a person; checked where the command is registered) skip the questions. */
export async function compareCommand(ctx: PromptsmithContext, arg: unknown, options?: CompareChoice): Promise<void> {
  const target = await promptTarget(arg, { save: true });
  if (!target) return;
  const file = vscode.workspace.asRelativePath(target.document.uri);
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage(`Promptsmith: ${file} has no task. Add \`promptsmith.task\` (train/dev/test datasets and labels) to compare adaptation methods on it.`);
    return;
  }
  const asked = options ?? (await askMethodsAndBudget(file));
  if (!asked) return;
  const { methods, budgetMinutes } = asked;
  const settings = readSettings(target.document.uri);
  const name = basename(target.document.uri.fsPath);
  const outcome = await runTaskSession(ctx, {
    method: 'compare',
    // Without a model in the file, the default model (promptsmith.model) is the task model; a remote
    // one scores the methods that need no weights, and the others are listed as skipped.
    params: { promptFile: target.document.uri.fsPath, methods, budgetMinutes, workspaceDir: target.workspaceDir, device: settings.device, model: target.modelOverride, remote: settings.remote },
    kind: 'compare',
    label: `compare ${name}`,
    title: `comparing adaptation methods on ${name}`,
    model: target.parsed.model ?? target.modelOverride ?? '',
    device: settings.device,
    promptFile: target.document.uri.fsPath,
    revealPanel: true,
  });
  if (!outcome.ok) return;
  if (outcome.runId) getRunsPanel()?.openRun(outcome.runId);
  ctx.output.info(outcome.result.report);
  const choice = await vscode.window.showInformationMessage(compareMessage(name, outcome.result), 'Show Report');
  if (choice === 'Show Report') {
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: outcome.result.report });
    await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  }
}
