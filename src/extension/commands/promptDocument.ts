// Which .prompt document a command acts on: the URI a CodeLens or menu passed, else the active
// editor's. Commands need the file on disk, so unsaved changes are saved first.
import * as vscode from 'vscode';
import { remoteModelOf } from '../../promptFile/modelIds';
import { parsePromptFile, type ParsedPromptFile } from '../../promptFile/promptFile';
import { readSettings } from '../settings';

export interface PromptTarget {
  document: vscode.TextDocument;
  parsed: ParsedPromptFile;
  /** The model to use: the file's `model:` wins (unless it names a hosted model), else the promptsmith.model setting. */
  modelOverride: string | undefined;
  workspaceDir: string | undefined;
}

export async function promptTarget(arg: unknown, { save }: { save: boolean }): Promise<PromptTarget | undefined> {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  if (!uri) {
    void vscode.window.showErrorMessage('Promptsmith: open a .prompt file first.');
    return undefined;
  }
  const document = await vscode.workspace.openTextDocument(uri);
  if (document.languageId !== 'dotprompt' || document.uri.scheme !== 'file') {
    void vscode.window.showErrorMessage(`Promptsmith: ${vscode.workspace.asRelativePath(uri)} is not a .prompt file on disk.`);
    return undefined;
  }
  if (save && document.isDirty && !(await document.save())) return undefined;
  const parsed = parsePromptFile(document.getText());
  parsed.path = document.uri.fsPath;
  const settings = readSettings(document.uri);
  // A Genkit file's hosted model (googleai/gemini-…) stays in the file for Genkit; the default model runs it here.
  const localModel = parsed.model && !remoteModelOf(parsed.model) ? parsed.model : undefined;
  if (!localModel && !settings.model) {
    const why = parsed.model ? `names the hosted model '${parsed.model}'; Promptsmith runs local models.` : 'names no model.';
    const choice = await vscode.window.showErrorMessage(`Promptsmith: ${vscode.workspace.asRelativePath(uri)} ${why} Add a local 'model:' to its front matter or choose a default model.`, 'Select Model');
    if (choice) await vscode.commands.executeCommand('promptsmith.selectModel');
    return undefined;
  }
  return {
    document,
    parsed,
    modelOverride: localModel ? undefined : settings.model,
    workspaceDir: vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath,
  };
}

/** Shows an error from a command as one clear line (details in the output channel). */
export function showCommandError(what: string, err: unknown, log: vscode.LogOutputChannel): void {
  const message = err instanceof Error ? err.message : String(err);
  log.error(`${what}: ${err instanceof Error && err.stack ? err.stack : message}`);
  void vscode.window.showErrorMessage(`Promptsmith: ${what} failed: ${message.split('\n')[0]}`);
}
