// "New .prompt File…" (also in File › New File…): pick a template, get an untitled .prompt
// document with it. "Open Example": copy the bundled sentiment task (tinysent data, the embedded
// stories260k model) into the workspace, so the walkthrough can run, evaluate and tune it.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { PROMPT_TEMPLATES } from './promptTemplates';

export function registerGettingStarted(ctx: PromptsmithContext): void {
  ctx.own(vscode.commands.registerCommand('promptsmith.newPromptFile', (templateId?: unknown) => newPromptFile(templateId)));
  ctx.own(vscode.commands.registerCommand('promptsmith.openExample', () => openExample(ctx)));
}

async function newPromptFile(templateId: unknown): Promise<void> {
  const byId = PROMPT_TEMPLATES.find((t) => t.id === templateId);
  const picked =
    byId ??
    (await vscode.window.showQuickPick(
      PROMPT_TEMPLATES.map((t) => ({ label: t.label, detail: t.detail, template: t })),
      { title: 'New .prompt File', placeHolder: 'Start from a template' },
    ))?.template;
  if (!picked) return;
  const document = await vscode.workspace.openTextDocument({ language: 'dotprompt', content: picked.text });
  await vscode.window.showTextDocument(document);
}

/** The example lives in the extension; the copy points at the extension's embedded model. */
async function openExample(ctx: PromptsmithContext): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? (await pickFolder());
  if (!folder) return;
  const target = join(folder, 'promptsmith-example');
  const prompt = join(target, 'sentiment.prompt');
  if (!existsSync(prompt)) {
    cpSync(ctx.vscode.asAbsolutePath(join('examples', 'sentiment')), target, { recursive: true });
    const model = ctx.vscode.asAbsolutePath(join('models', 'stories260k'));
    for (const file of ['sentiment.prompt', 'sentiment-slot.prompt']) {
      const path = join(target, file);
      if (existsSync(path)) writeFileSync(path, readFileSync(path, 'utf8').replace(/^model: .*$/m, `model: ${JSON.stringify(model)}`));
    }
  }
  if (!vscode.workspace.workspaceFolders?.length) {
    await vscode.commands.executeCommand('vscode.openFolder', vscode.Uri.file(folder), { forceNewWindow: false });
    return;
  }
  await vscode.window.showTextDocument(vscode.Uri.file(prompt));
}

async function pickFolder(): Promise<string | undefined> {
  const picked = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Copy the example here', title: 'Where should the Promptsmith example go?' });
  return picked?.[0]?.fsPath;
}
