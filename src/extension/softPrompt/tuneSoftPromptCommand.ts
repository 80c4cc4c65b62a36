// `promptsmith.tuneSoftPrompt`: tunes a soft prompt for a .prompt file in the engine process
// (`tuneSoft`) as a task session (progress, runs panel, status bar, pause/resume/cancel), and at
// the end says tuned vs hand-written accuracy. Resuming a stopped run goes through the same path.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { RunMeta } from '../../runs/runMeta';
import { promptTarget } from '../commands/promptDocument';
import type { PromptsmithContext } from '../context';
import { readSettings } from '../settings';
import { resumedRunTarget } from '../tasks/resumedRun';
import { runTaskSession } from '../tasks/taskSession';
import { resultMessage } from './tuneSoftEvents';

export interface TuneJob {
  promptFile: string;
  /** The file's `model:` (tuneSoft reads it from the file; shown in the panel and status bar). */
  model: string;
  workspaceDir: string | undefined;
  /** A stopped run's folder to continue (the engine reuses the settings it recorded). */
  resume?: string;
}

/** Called when a tuning run completes (the inline hints refresh). */
export type TuneListener = (promptFile: string) => void;

/** Runs (or resumes) one tuning job end to end; errors are shown, never thrown. */
export async function runTuneJob(ctx: PromptsmithContext, job: TuneJob, onCompleted: TuneListener): Promise<void> {
  const name = basename(job.promptFile);
  const settings = readSettings(vscode.Uri.file(job.promptFile));
  const outcome = await runTaskSession(ctx, {
    method: 'tuneSoft',
    params: { promptFile: job.promptFile, workspaceDir: job.workspaceDir, resume: job.resume, device: settings.device },
    kind: 'soft',
    label: `tune soft ${name}`,
    title: `${job.resume ? 'resuming' : 'tuning'} a soft prompt for ${name}`,
    model: job.model,
    device: settings.device,
    promptFile: job.promptFile,
    revealPanel: true,
  });
  if (!outcome.ok) return;
  const summary = outcome.result;
  ctx.output.info(`tune soft ${name}: adapter ${summary.out}${summary.run_dir ? ` (run ${summary.run_dir})` : ''}`);
  onCompleted(job.promptFile);
  const choice = await vscode.window.showInformationMessage(resultMessage(name, summary), 'Show Runs', 'Open Adapter Folder');
  if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.showRuns');
  if (choice === 'Open Adapter Folder') await revealFolder(summary.out);
}

async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(dir);
  // Inside the workspace the Explorer shows it (also in a browser-hosted VS Code); else the OS.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** The command: tune the soft prompt of the .prompt file `arg` (a URI) or the active editor's. */
export async function tuneSoftPromptCommand(ctx: PromptsmithContext, arg: unknown, onCompleted: TuneListener): Promise<void> {
  const target = await promptTarget(arg, { save: true });
  if (!target) return;
  const file = vscode.workspace.asRelativePath(target.document.uri);
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage(`Promptsmith: ${file} has no task. Add \`promptsmith.task\` (train/dev datasets and labels) to its front matter to tune a soft prompt.`);
    return;
  }
  if (!target.parsed.model) {
    void vscode.window.showErrorMessage(`Promptsmith: ${file} names no model. Soft prompts are tuned for one model: add 'model:' to its front matter.`);
    return;
  }
  await runTuneJob(ctx, { promptFile: target.document.uri.fsPath, model: target.parsed.model, workspaceDir: target.workspaceDir }, onCompleted);
}

/** "Resume" of a cancelled, failed or interrupted soft run: continue from its last checkpoint. */
export async function resumeSoftRun(ctx: PromptsmithContext, dir: string, meta: RunMeta, onCompleted: TuneListener): Promise<void> {
  const resumed = resumedRunTarget(dir, meta);
  if (resumed.problem !== undefined) {
    void vscode.window.showErrorMessage(`Promptsmith: cannot resume: ${resumed.problem}.`);
    return;
  }
  await runTuneJob(ctx, { ...resumed, model: meta.model, resume: dir }, onCompleted);
}
