// Apply and "All prompts…" for the discrete prompts of a slot: the chosen prompt replaces the
// slot's text in one undo step, wherever the slot is now. Without a slot to find, the selection
// is used; without one either, the prompt goes to the clipboard and the user is told why.
import * as vscode from 'vscode';
import { getRunsPanel } from '../panel/runsPanel';
import type { RlPromptHints } from './rlPromptLens';
import { promptPickEntries } from './rlPromptText';

/** The CodeLens passes the document URI as a string; the panel and commands pass a Uri. */
export function asDocumentUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  if (typeof arg === 'string') {
    try {
      return vscode.Uri.parse(arg, true);
    } catch {
      return undefined;
    }
  }
  return vscode.window.activeTextEditor?.document.uri;
}

/** Writes `text` into the slot of the .prompt file `uri`; true when the document changed. */
export async function applyToSlot(hints: RlPromptHints, uri: vscode.Uri, text: string): Promise<boolean> {
  const document = await vscode.workspace.openTextDocument(uri);
  const state = await hints.stateOf(document);
  let slot = state ? hints.rangeOf(document, state) : undefined;
  if (!slot) {
    const editor = vscode.window.visibleTextEditors.find((e) => e.document === document && !e.selection.isEmpty);
    if (editor) slot = { start: document.offsetAt(editor.selection.start), end: document.offsetAt(editor.selection.end) };
  }
  const file = vscode.workspace.asRelativePath(uri);
  if (!slot) {
    await vscode.env.clipboard.writeText(text);
    void vscode.window.showInformationMessage(`Promptsmith: the slot is no longer in ${file} (it was edited away): select where the prompt goes and Apply again. The prompt is on the clipboard.`);
    return false;
  }
  if (document.getText().slice(slot.start, slot.end) === text) {
    // Already there: no edit, so no change event to account for.
    hints.slotFilled(uri.fsPath, slot.start, text, document.version);
    return false;
  }
  const version = document.version;
  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(document.positionAt(slot.start), document.positionAt(slot.end)), text);
  if (!(await vscode.workspace.applyEdit(edit))) {
    void vscode.window.showErrorMessage(`Promptsmith: could not edit ${file}.`);
    return false;
  }
  hints.slotFilled(uri.fsPath, slot.start, text, version + 1);
  return true;
}

/** The CodeLens "Apply": prompt `index` (0: the best) of the file's slot. */
export async function applyRlPromptCommand(hints: RlPromptHints, arg: unknown, index: unknown): Promise<void> {
  const uri = asDocumentUri(arg);
  if (!uri) return;
  const state = await hints.stateOf(await vscode.workspace.openTextDocument(uri));
  const row = state?.view.prompts[typeof index === 'number' ? index : 0];
  if (!row) {
    void vscode.window.showInformationMessage(`Promptsmith: no RL prompt found for ${vscode.workspace.asRelativePath(uri)} yet.`);
    return;
  }
  await applyToSlot(hints, uri, row.text);
}

type Entry = vscode.QuickPickItem & { index?: number; action?: 'panel' | 'try' };

/** "All prompts…": every prompt found with its accuracies; picking one applies it. */
export async function allPromptsCommand(hints: RlPromptHints, arg: unknown): Promise<void> {
  const uri = asDocumentUri(arg);
  if (!uri) return;
  const document = await vscode.workspace.openTextDocument(uri);
  const state = await hints.stateOf(document);
  if (!state || state.view.prompts.length === 0) {
    void vscode.window.showInformationMessage(`Promptsmith: no RL prompt found for ${vscode.workspace.asRelativePath(uri)} yet.`);
    return;
  }
  const slot = hints.rangeOf(document, state);
  const slotText = slot ? document.getText().slice(slot.start, slot.end) : '';
  const entries: Entry[] = promptPickEntries(state.view, slotText).map((e, index) => ({ ...e, index }));
  entries.push({ label: '', kind: vscode.QuickPickItemKind.Separator });
  if (state.view.runId) entries.push({ label: '$(graph-line) Open the run in the runs panel', action: 'panel' });
  if (state.view.status === 'completed' && state.view.written) entries.push({ label: '$(beaker) Try a prompt on another model…', action: 'try' });
  const picked = await vscode.window.showQuickPick(entries, {
    title: `Promptsmith: prompts found for ${vscode.workspace.asRelativePath(uri)} (${state.view.method === 'rl' ? 'RL' : 'random search'})`,
    placeHolder: 'Pick a prompt to put into the slot (one undo step)',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  if (!picked) return;
  if (picked.action === 'panel') showRlRun(state.view.runId);
  else if (picked.action === 'try') await vscode.commands.executeCommand('promptsmith.tryPromptOnAnotherModel', uri);
  else if (picked.index !== undefined) await applyToSlot(hints, uri, state.view.prompts[picked.index]!.text);
}

/** The CodeLens title: the run in the panel (its details once finished, the Live tab while it runs). */
export function showRlRun(runId: unknown): void {
  const panel = getRunsPanel();
  if (typeof runId === 'string' && panel?.runDir(runId) && !panel.controlsFor(runId)) panel.openRun(runId);
  else panel?.show();
}
