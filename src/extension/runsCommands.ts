// Commands around runs: show the panel, pause/resume/cancel a live task, resume a stopped run from
// its last checkpoint, and apply a found prompt to its .prompt file. Where a capability has not
// been provided by the code that runs the task, the user is told so plainly.
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import { isPromptTheRunRead } from '../runs/promptDigest';
import { readRunSummary } from '../runs/runReader';
import { promptFileInWorkspace, type RunMeta, recordedRange } from '../runs/runMeta';
import { isValidRunId, MAX_APPLY_TEXT } from '../protocol/panelMessages';
import type { TaskKind } from '../protocol/taskEvents';
import type { PromptsmithContext } from './context';
import { getRunsPanel, registerRunsPanel, type RunsPanelHost, workspaceDirs } from './panel/runsPanel';
import { listWorkspaceRuns } from './panel/runViews';
import { registerStatusBar } from './statusBar';

/** Continues a stopped run (folder `dir`) from `meta.lastCheckpoint`; registered per task kind. */
export type RunResumer = (dir: string, meta: RunMeta) => Promise<void>;

const resumers = new Map<TaskKind, RunResumer>();

/** The soft prompt and RL commands register how to resume their runs. */
export function registerRunResumer(kind: TaskKind, resumer: RunResumer): vscode.Disposable {
  resumers.set(kind, resumer);
  return new vscode.Disposable(() => resumers.delete(kind));
}

/** Puts a found prompt into its .prompt file the way its feature knows best (RL: at the slot it tracks). */
export type PromptApplier = (promptFile: vscode.Uri, text: string) => Promise<void>;

const appliers = new Map<TaskKind, PromptApplier>();

export function registerPromptApplier(kinds: readonly TaskKind[], applier: PromptApplier): vscode.Disposable {
  for (const kind of kinds) appliers.set(kind, applier);
  return new vscode.Disposable(() => {
    for (const kind of kinds) appliers.delete(kind);
  });
}

const KIND_NAMES: Record<TaskKind, string> = { eval: 'evaluation', soft: 'soft prompt', rl: 'RL prompt', random: 'random prompt search', finetune: 'fine tuning', compare: 'comparison', manual: 'manual' };

export function registerRunsFeature(ctx: PromptsmithContext): void {
  registerStatusBar(ctx);
  const panel = registerRunsPanel(ctx);
  const command = (id: string, run: (...args: unknown[]) => unknown) => ctx.own(vscode.commands.registerCommand(id, run));
  command('promptsmith.showRuns', () => panel.show());
  command('promptsmith.cancelTask', (runId?: unknown) => controlTask(panel, 'cancel', runId));
  command('promptsmith.pauseTask', (runId?: unknown) => controlTask(panel, 'pause', runId));
  command('promptsmith.resumeTask', (runId?: unknown) => controlTask(panel, 'resume', runId));
  command('promptsmith.resumeRun', (runId?: unknown) => resumeRun(panel, runId));
  command('promptsmith.applyPrompt', (args?: unknown) => applyPrompt(panel, args));
}

async function pickLiveRun(panel: RunsPanelHost, action: string): Promise<string | undefined> {
  const live = workspaceLiveRuns(panel);
  if (live.length === 0) {
    void vscode.window.showInformationMessage(`Promptsmith: no task is running to ${action}.`);
    return undefined;
  }
  if (live.length === 1) return live[0];
  return vscode.window.showQuickPick(live, { title: `Promptsmith: ${action} which task?` });
}

function workspaceLiveRuns(panel: RunsPanelHost): string[] {
  return panel.liveRunIds().filter((id) => panel.controlsFor(id) !== undefined);
}

async function controlTask(panel: RunsPanelHost, action: 'pause' | 'resume' | 'cancel', rawRunId: unknown): Promise<void> {
  const runId = typeof rawRunId === 'string' ? rawRunId : await pickLiveRun(panel, action);
  if (!runId) return;
  const controls = panel.controlsFor(runId);
  if (!controls) {
    void vscode.window.showInformationMessage(`Promptsmith: run ${runId} is not running in this window, so there is nothing to ${action}.`);
    return;
  }
  const fn = controls[action];
  if (!fn) {
    void vscode.window.showInformationMessage(`Promptsmith: this ${KIND_NAMES[panel.liveRun(runId)?.kind ?? 'manual']} task cannot ${action} yet (its engine side does not support it).`);
    return;
  }
  await fn.call(controls);
}

async function resumeRun(panel: RunsPanelHost, rawRunId: unknown): Promise<void> {
  let runId = typeof rawRunId === 'string' && isValidRunId(rawRunId) ? rawRunId : undefined;
  if (!runId) {
    const resumable = listWorkspaceRuns(workspaceDirs()).items.filter((r) => r.resumable);
    if (resumable.length === 0) {
      void vscode.window.showInformationMessage('Promptsmith: no cancelled, failed or interrupted run to resume in this workspace.');
      return;
    }
    const picked = await vscode.window.showQuickPick(
      resumable.map((r) => ({ label: r.name ?? r.id, description: `${r.kind} · ${r.interrupted ? 'interrupted' : r.status}`, detail: r.id, id: r.id })),
      { title: 'Promptsmith: resume which run?' },
    );
    runId = picked?.id;
  }
  if (!runId) return;
  const dir = panel.runDir(runId);
  if (!dir) {
    void vscode.window.showErrorMessage(`Promptsmith: run ${runId} is not in .promptsmith/runs of this workspace.`);
    return;
  }
  const summary = readRunSummary(dir);
  if (!summary.meta) {
    void vscode.window.showErrorMessage(`Promptsmith: cannot resume: ${summary.problem}`);
    return;
  }
  if (!summary.resumable) {
    void vscode.window.showInformationMessage(`Promptsmith: run ${runId} is ${summary.meta.status}; only cancelled, failed or interrupted runs can be resumed.`);
    return;
  }
  const resumer = resumers.get(summary.meta.kind);
  if (!resumer) {
    void vscode.window.showInformationMessage(`Promptsmith: resuming ${KIND_NAMES[summary.meta.kind]} runs is not available yet in this version.`);
    return;
  }
  await resumer(dir, summary.meta);
}

interface ApplyArgs {
  runId?: string;
  text: string;
  /** Absolute, or relative to the run's workspace folder. */
  promptFile?: string;
}

function parseApplyArgs(args: unknown): ApplyArgs | string {
  if (typeof args !== 'object' || args === null) return 'expected { text, runId?, promptFile? }';
  const a = args as Record<string, unknown>;
  if (typeof a.text !== 'string' || a.text.length === 0 || a.text.length > MAX_APPLY_TEXT) return 'text: expected a non-empty string';
  if (a.runId !== undefined && (typeof a.runId !== 'string' || !isValidRunId(a.runId))) return 'runId: not a run id';
  if (a.promptFile !== undefined && typeof a.promptFile !== 'string') return 'promptFile: expected a string';
  return a as unknown as ApplyArgs;
}

/**
 * Puts a prompt into its .prompt file: the feature that found it applies it when it registered
 * how (RL and random search: at the slot they follow); else over the span the run tuned
 * (run.json settings.span {start, end} character offsets, if the file is unchanged since the
 * run), else over the selection in an open editor of that file; otherwise it is copied and the
 * user told where.
 */
async function applyPrompt(panel: RunsPanelHost, rawArgs: unknown): Promise<void> {
  const args = parseApplyArgs(rawArgs);
  if (typeof args === 'string') {
    void vscode.window.showErrorMessage(`Promptsmith: Apply prompt: ${args}`);
    return;
  }
  let meta: RunMeta | undefined;
  let workspaceDir = workspaceDirs()[0];
  const dir = args.runId ? panel.runDir(args.runId) : undefined;
  if (dir) {
    meta = readRunSummary(dir).meta;
    workspaceDir = resolve(dir, '..', '..', '..');
  }
  const promptFile = args.promptFile ?? meta?.promptFile ?? (args.runId ? getRunsPanel()?.liveRun(args.runId)?.promptFile : undefined);
  if (!promptFile || !workspaceDir) {
    await vscode.env.clipboard.writeText(args.text);
    void vscode.window.showInformationMessage('Promptsmith: this run has no .prompt file recorded; the prompt was copied to the clipboard.');
    return;
  }
  const confined = promptFileInWorkspace(workspaceDir, promptFile);
  if (!confined) {
    await vscode.env.clipboard.writeText(args.text);
    void vscode.window.showWarningMessage(`Promptsmith: the run names a prompt file outside the workspace (${promptFile}); Promptsmith edits files only inside it. The prompt was copied to the clipboard.`);
    return;
  }
  const uri = vscode.Uri.file(confined);
  const kind = meta?.kind ?? (args.runId ? getRunsPanel()?.liveRun(args.runId)?.kind : undefined);
  const applier = kind ? appliers.get(kind) : undefined;
  if (applier) {
    await applier(uri, args.text);
    return;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(document, { preview: false });
  const span = recordedRange(meta, 'span');
  const unchanged = isPromptTheRunRead(meta?.promptSha256, document.getText());
  let range: vscode.Range | undefined;
  if (span && unchanged && span.end <= document.getText().length) range = new vscode.Range(document.positionAt(span.start), document.positionAt(span.end));
  else if (!editor.selection.isEmpty) range = editor.selection;
  if (!range) {
    await vscode.env.clipboard.writeText(args.text);
    void vscode.window.showInformationMessage(
      `Promptsmith: ${vscode.workspace.asRelativePath(uri)} changed since the run (or the run recorded no span): select where the prompt goes and Apply again. It is also on the clipboard.`,
    );
    return;
  }
  const applied = await editor.edit((edit) => edit.replace(range, args.text));
  if (!applied) void vscode.window.showErrorMessage(`Promptsmith: could not edit ${vscode.workspace.asRelativePath(uri)}.`);
  else editor.selection = new vscode.Selection(range.start, document.positionAt(document.offsetAt(range.start) + args.text.length));
}

