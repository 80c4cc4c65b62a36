// `promptsmith.selectModel`: choose the default model (promptsmith.model) from the model folders
// in the workspace, the model embedded in the extension, a hub id, or a folder on disk.
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { readSettings } from '../settings';
import { getStatusBar } from '../statusBar';

type Pick = vscode.QuickPickItem & { value?: string; action?: 'hub' | 'browse' };

/**
 * Asks for a model: a model folder of the workspace, the embedded stories260k, a hub id, or a
 * folder on disk. Only metadata is read here: nothing a workspace file names is loaded or run.
 */
export async function pickModel(ctx: PromptsmithContext, options: { title: string; current?: string }): Promise<string | undefined> {
  const { current } = options;
  const picks: Pick[] = [];
  const configs = await vscode.workspace.findFiles('**/config.json', '**/{node_modules,.git,.promptsmith}/**', 200);
  const folders = configs.map((uri) => dirname(uri.fsPath)).sort();
  if (folders.length > 0) picks.push({ label: 'Workspace', kind: vscode.QuickPickItemKind.Separator });
  for (const folder of folders) picks.push({ label: `$(folder) ${vscode.workspace.asRelativePath(folder)}`, description: folder === current ? 'current' : undefined, value: folder });
  const embedded = join(ctx.vscode.extensionPath, 'models', 'stories260k');
  picks.push({ label: 'Other', kind: vscode.QuickPickItemKind.Separator });
  picks.push({ label: '$(package) stories260k (embedded, 1 MB TinyStories Llama)', description: embedded === current ? 'current' : undefined, value: embedded });
  picks.push({ label: '$(cloud-download) Hugging Face hub id…', action: 'hub' });
  picks.push({ label: '$(folder-opened) Browse for a model folder…', action: 'browse' });
  const choice = await vscode.window.showQuickPick(picks, { title: options.title, placeHolder: current ? `current: ${current}` : 'no default model yet' });
  if (!choice) return undefined;
  let model = choice.value;
  if (choice.action === 'hub') {
    model = await vscode.window.showInputBox({
      title: 'Hugging Face model id',
      prompt: 'An ONNX model repository, e.g. onnx-community/SmolLM2-135M-Instruct (downloaded on first use unless promptsmith.offline is set)',
      validateInput: (v) => (/^[\w.-]+\/[\w.-]+$/.test(v.trim()) ? undefined : 'expected owner/name'),
    });
  } else if (choice.action === 'browse') {
    const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Use this model folder' });
    model = picked?.[0]?.fsPath;
  }
  return model?.trim() || undefined;
}

export async function selectModelCommand(ctx: PromptsmithContext): Promise<void> {
  const current = readSettings().model;
  const model = await pickModel(ctx, { title: 'Promptsmith: default model', current });
  if (!model) return;
  const target = vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('promptsmith').update('model', model, target);
  getStatusBar()?.setModel(model, undefined, false);
}
