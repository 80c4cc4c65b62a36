// "Optimize this prompt with RL" and "Random search for a prompt": the selection in a .prompt
// template is the slot the search fills (nothing selected: the template's `{{rlprompt}}`, or one
// inserted at the cursor). The search runs in the engine (`tuneRl`) as a task session —
// cancellable notification, live runs panel — and its prompts show at the slot while it runs.
// Resuming a stopped run goes through the same path.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { RlSearchMethod, SourceRange } from '../../protocol/methods/tuneRl';
import { isPromptTheRunRead } from '../../runs/promptDigest';
import { type RunMeta, recordedRange } from '../../runs/runMeta';
import { promptTarget } from '../commands/promptDocument';
import type { PromptsmithContext } from '../context';
import { UntrustedWorkspaceError } from '../engineService';
import { readSettings } from '../settings';
import { resumedRunTarget } from '../tasks/resumedRun';
import { runTaskSession } from '../tasks/taskSession';
import type { RlPromptHints } from './rlPromptLens';
import { chooseSlot, RL_SLOT_MARKER, type SlotChoice } from './rlSlot';
import { resultMessage } from './rlPromptText';

interface RlJob {
  promptFile: string;
  method: RlSearchMethod;
  /** The file's `model:`, else the promptsmith.model setting (shown in the panel and status bar). */
  model: string;
  modelOverride?: string;
  workspaceDir: string | undefined;
  /** Source offsets of the selection the prompt replaces; none: the marker or the template's end. */
  slot?: SourceRange;
  /** A stopped run's folder to continue (the engine reuses its slot and method). */
  resume?: string;
}

const SEARCH_TITLES: Record<RlSearchMethod, string> = { rl: 'optimizing a prompt with RL', random: 'searching prompts at random' };

async function runRlJob(ctx: PromptsmithContext, hints: RlPromptHints, job: RlJob): Promise<void> {
  const name = basename(job.promptFile);
  const settings = readSettings(vscode.Uri.file(job.promptFile));
  const outcome = await runTaskSession(ctx, {
    method: 'tuneRl',
    params: {
      promptFile: job.promptFile,
      method: job.method,
      slot: job.slot,
      resume: job.resume,
      workspaceDir: job.workspaceDir,
      model: job.modelOverride,
      device: settings.device,
      offline: settings.offline || undefined,
      cacheDir: settings.cacheDir,
      remote: settings.remote,
    },
    kind: job.method,
    label: `${job.method === 'rl' ? 'tune rl' : 'random search'} ${name}`,
    title: `${job.resume ? 'resuming: ' : ''}${SEARCH_TITLES[job.method]} for ${name}`,
    model: job.model,
    device: settings.device,
    promptFile: job.promptFile,
    revealPanel: true,
    onEvent: (event) => hints.liveEvent(job.promptFile, event),
  });
  if (!outcome.ok) {
    hints.finishLive(job.promptFile, { status: outcome.cancelled ? 'cancelled' : 'failed' });
    return;
  }
  hints.finishLive(job.promptFile, { result: outcome.result, runId: outcome.runId });
  ctx.output.info(`${job.method} ${name}: ${outcome.result.prompts.length} prompts${outcome.result.run_dir ? ` (run ${outcome.result.run_dir})` : ''}`);
  const actions = outcome.result.prompts.length > 0 ? ['Apply', 'All prompts…', 'Show Runs'] : ['Show Runs'];
  const choice = await vscode.window.showInformationMessage(resultMessage(name, outcome.result), ...actions);
  const uri = vscode.Uri.file(job.promptFile).toString();
  if (choice === 'Apply') await vscode.commands.executeCommand('promptsmith.rlApply', uri, 0);
  if (choice === 'All prompts…') await vscode.commands.executeCommand('promptsmith.rlAllPrompts', uri);
  if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.rlShowRun', outcome.runId);
}

function selectionChoice(editor: vscode.TextEditor): SlotChoice {
  const { document, selection } = editor;
  return chooseSlot(document.getText(), { start: document.offsetAt(selection.start), end: document.offsetAt(selection.end) }, document.offsetAt(selection.active));
}

/** The editor whose selection names the slot: the active one when it shows `uri`, else it is opened. */
async function editorOf(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const active = vscode.window.activeTextEditor;
  if (active?.document.uri.toString() === uri.toString()) return active;
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  return visible ?? vscode.window.showTextDocument(uri);
}

/** The command: search a prompt for the selection (or marker) of `arg` (a URI) or the active editor. */
export async function optimizeCommand(ctx: PromptsmithContext, hints: RlPromptHints, arg: unknown, method: RlSearchMethod): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    void vscode.window.showErrorMessage('Promptsmith: open a .prompt file and select the words the prompt should replace.');
    return;
  }
  // The command edits and saves the file before the engine refuses an untrusted workspace: refuse first.
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showErrorMessage(`Promptsmith: ${new UntrustedWorkspaceError().message}`);
    return;
  }
  const editor = await editorOf(uri);
  const first = editor.document.languageId === 'dotprompt' ? selectionChoice(editor) : undefined;
  if (first?.kind === 'problem') {
    void vscode.window.showErrorMessage(`Promptsmith: ${first.problem}.`);
    return;
  }
  if (first?.kind === 'insert' && !(await editor.edit((edit) => edit.insert(editor.document.positionAt(first.at), RL_SLOT_MARKER)))) {
    void vscode.window.showErrorMessage(`Promptsmith: could not insert ${RL_SLOT_MARKER} into ${vscode.workspace.asRelativePath(uri)}.`);
    return;
  }
  const target = await promptTarget(uri, { save: true });
  if (!target) return;
  const file = vscode.workspace.asRelativePath(target.document.uri);
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage(`Promptsmith: ${file} has no task. Add \`promptsmith.task\` (train/dev datasets and labels) to its front matter to search a prompt for it.`);
    return;
  }
  // Saving can reformat the file: the slot is taken from the saved text.
  const choice = selectionChoice(editor);
  if (choice.kind === 'problem' || choice.kind === 'insert') {
    void vscode.window.showErrorMessage(`Promptsmith: ${choice.kind === 'problem' ? choice.problem : `${RL_SLOT_MARKER} is not in the saved file`}.`);
    return;
  }
  const promptFile = target.document.uri.fsPath;
  await hints.startLive(promptFile, method, choice.range);
  await runRlJob(ctx, hints, {
    promptFile,
    method,
    model: target.parsed.model ?? target.modelOverride ?? '',
    modelOverride: target.modelOverride,
    workspaceDir: target.workspaceDir,
    slot: choice.kind === 'range' ? choice.range : undefined,
  });
}

/**
 * Where a resumed search writes in the file as it is now: a selection's recorded offsets while
 * the file is the one the run read (else undefined: found again from the slot's texts once the
 * run reports them); a run without recorded offsets filled the template's `{{rlprompt}}` or its end.
 */
function resumedSlot(source: string, meta: RunMeta): SourceRange | undefined {
  const recorded = recordedRange(meta, 'slot');
  if (recorded) {
    const unchanged = isPromptTheRunRead(meta.promptSha256, source);
    return unchanged ? recorded : undefined;
  }
  const choice = chooseSlot(source, { start: 0, end: 0 }, -1);
  return choice.kind === 'marker' || choice.kind === 'end' ? choice.range : undefined;
}

/** "Resume" of a cancelled, failed or interrupted RL or random-search run: continue from its checkpoint. */
export async function resumeRlRun(ctx: PromptsmithContext, hints: RlPromptHints, dir: string, meta: RunMeta): Promise<void> {
  const resumed = resumedRunTarget(dir, meta);
  if (resumed.problem !== undefined) {
    void vscode.window.showErrorMessage(`Promptsmith: cannot resume: ${resumed.problem}.`);
    return;
  }
  const method: RlSearchMethod = meta.kind === 'random' ? 'random' : 'rl';
  const source = readFileSync(resumed.promptFile, 'utf8');
  await hints.startLive(resumed.promptFile, method, resumedSlot(source, meta));
  await runRlJob(ctx, hints, { ...resumed, method, model: meta.model, resume: dir });
}
