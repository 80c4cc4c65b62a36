// `promptsmith.fineTune`: fine-tunes the model of a .prompt file on its task (full, or LoRA
// adapters) in the engine as a task session, then offers "Use this model": the file's `model:`
// then points at the result (one undo step), relative to the file when it is inside the workspace.
import { basename, dirname, relative } from 'node:path';
import * as vscode from 'vscode';
import { formatPercent } from '../../protocol/format';
import type { FineTuneResult } from '../../protocol/methods/fineTune';
import type { RunMeta } from '../../runs/runMeta';
import { promptTarget } from '../commands/promptDocument';
import type { PromptsmithContext } from '../context';
import { readSettings } from '../settings';
import { resumedRunTarget } from '../tasks/resumedRun';
import { runTaskSession } from '../tasks/taskSession';
import { modelEdit } from './modelEdit';

export function fineTuneMessage(name: string, r: FineTuneResult): string {
  const kind = r.method === 'lora' ? 'LoRA adapters' : 'fine-tuned model';
  const split = r.test_acc !== null ? 'test' : 'dev';
  return `Promptsmith: ${kind} for ${name} — ${split} ${formatPercent(r[`${split}_acc`])} (base model ${formatPercent(r.manual[`${split}_acc`])}), ${r.trainable_params.toLocaleString('en-US')} trained parameters.`;
}

/** Relative to the .prompt file inside the workspace (the repository stays portable), else absolute. */
function modelPathFor(document: vscode.TextDocument, folder: string): string {
  if (!vscode.workspace.getWorkspaceFolder(vscode.Uri.file(folder))) return folder;
  const rel = relative(dirname(document.uri.fsPath), folder).split('\\').join('/');
  return rel.startsWith('.') ? rel : `./${rel}`;
}

async function useModel(document: vscode.TextDocument, folder: string): Promise<void> {
  const edit = modelEdit(document.getText(), modelPathFor(document, folder));
  const workspaceEdit = new vscode.WorkspaceEdit();
  workspaceEdit.replace(document.uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.text);
  if (!(await vscode.workspace.applyEdit(workspaceEdit))) void vscode.window.showErrorMessage(`Promptsmith: could not edit ${vscode.workspace.asRelativePath(document.uri)}.`);
}

interface FineTuneJob {
  promptFile: string;
  model: string;
  workspaceDir: string | undefined;
  lora?: boolean;
  /** A stopped run's folder to continue (the engine reuses the settings it recorded). */
  resume?: string;
}

async function runFineTuneJob(ctx: PromptsmithContext, job: FineTuneJob): Promise<void> {
  const settings = readSettings(vscode.Uri.file(job.promptFile));
  const name = basename(job.promptFile);
  const outcome = await runTaskSession(ctx, {
    method: 'fineTune',
    params: { promptFile: job.promptFile, workspaceDir: job.workspaceDir, device: settings.device, resume: job.resume, ...(job.lora ? { overrides: { method: 'lora' } } : {}) },
    kind: 'finetune',
    label: `fine tune ${name}`,
    title: `${job.resume ? 'resuming fine tuning of' : 'fine-tuning'} the model of ${name}`,
    model: job.model,
    device: settings.device,
    promptFile: job.promptFile,
    revealPanel: true,
  });
  if (!outcome.ok || !outcome.result.artifact) return;
  const artifact = outcome.result.artifact;
  const choice = await vscode.window.showInformationMessage(fineTuneMessage(name, outcome.result), 'Use this model', 'Show Runs');
  if (choice === 'Use this model') await useModel(await vscode.workspace.openTextDocument(vscode.Uri.file(job.promptFile)), artifact);
  if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.showRuns');
}

export async function fineTuneCommand(ctx: PromptsmithContext, arg: unknown, options: { lora?: boolean } = {}): Promise<void> {
  const target = await promptTarget(arg, { save: true });
  if (!target) return;
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage(`Promptsmith: ${vscode.workspace.asRelativePath(target.document.uri)} has no task. Add \`promptsmith.task\` (train/dev datasets and labels) to fine-tune on it.`);
    return;
  }
  await runFineTuneJob(ctx, { promptFile: target.document.uri.fsPath, model: target.parsed.model ?? target.modelOverride ?? '', workspaceDir: target.workspaceDir, lora: options.lora });
}

/** "Resume" of a cancelled, failed or interrupted fine-tuning run: continue from its checkpoint. */
export async function resumeFineTuneRun(ctx: PromptsmithContext, dir: string, meta: RunMeta): Promise<void> {
  const resumed = resumedRunTarget(dir, meta);
  if (resumed.problem !== undefined) {
    void vscode.window.showErrorMessage(`Promptsmith: cannot resume: ${resumed.problem}.`);
    return;
  }
  await runFineTuneJob(ctx, { ...resumed, model: meta.model, resume: dir });
}
