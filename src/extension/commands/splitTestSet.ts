// `promptsmith.splitTestSet`: holds out a test set for the .prompt file's task (the quick fix of
// the `no-test-split` diagnostic offers it). Near-duplicate rows stay on one side (see
// src/datasets/testSplit.ts). Everything is one WorkspaceEdit: the new test file, train and dev
// without the moved rows, and `test:` in the front matter, so one Undo takes it all back.
import * as vscode from 'vscode';
import { planTestSplit } from '../../datasets/testSplit';
import { parsePromptFile } from '../../promptFile/promptFile';
import type { PromptsmithContext } from '../context';
import { showCommandError } from './promptDocument';

function wholeRange(document: vscode.TextDocument): vscode.Range {
  return new vscode.Range(document.positionAt(0), document.positionAt(document.getText().length));
}

export async function splitTestSetCommand(ctx: PromptsmithContext, arg?: unknown): Promise<void> {
  const uri = arg instanceof vscode.Uri ? arg : typeof arg === 'string' ? vscode.Uri.parse(arg) : vscode.window.activeTextEditor?.document.uri;
  if (uri?.scheme !== 'file') {
    void vscode.window.showErrorMessage('Promptsmith: open a .prompt file on disk first.');
    return;
  }
  try {
    const document = await vscode.workspace.openTextDocument(uri);
    if (document.isDirty && !(await document.save())) return;
    // Datasets open in the editor with unsaved changes would be overwritten: save them first.
    for (const open of vscode.workspace.textDocuments) if (open.isDirty && open.uri.scheme === 'file' && open !== document) await open.save();
    const plan = planTestSplit(parsePromptFile(document.getText()), uri.fsPath);
    const choice = await vscode.window.showInformationMessage(`Promptsmith: ${plan.summary}`, { modal: true }, 'Split');
    if (choice !== 'Split') return;
    const edit = new vscode.WorkspaceEdit();
    for (const change of plan.files) {
      const fileUri = vscode.Uri.file(change.path);
      if (change.created) {
        edit.createFile(fileUri, { overwrite: false, contents: new TextEncoder().encode(change.text) });
      } else {
        const dataset = await vscode.workspace.openTextDocument(fileUri);
        edit.replace(fileUri, wholeRange(dataset), change.text);
      }
    }
    const { start, end, newText } = plan.frontMatterEdit;
    edit.replace(uri, new vscode.Range(document.positionAt(start), document.positionAt(end)), newText);
    if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the editor refused the edit');
    // The datasets are read from disk by the engine: save what the edit changed.
    for (const change of plan.files) {
      const changed = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === change.path);
      if (changed?.isDirty) await changed.save();
    }
    await document.save();
  } catch (err) {
    showCommandError('split a test set', err, ctx.output);
  }
}
