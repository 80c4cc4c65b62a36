// Registers the prompt commands (run, evaluate, select model) and what they share: the engine
// service and the read-only output documents.
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { registerEngineService } from '../engineService';
import { OUTPUT_SCHEME, OutputDocuments } from '../outputDocuments';

export function registerPromptCommands(ctx: PromptsmithContext): void {
  registerEngineService(ctx);
  const outputs = ctx.own(new OutputDocuments());
  ctx.own(vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, outputs));
  // Each command's code (prompt parsing, datasets, the task session) loads when it is first used.
  ctx.own(vscode.commands.registerCommand('promptsmith.run', async (uri?: unknown) => (await import('./runPrompt')).runPromptCommand(ctx, outputs, uri)));
  ctx.own(vscode.commands.registerCommand('promptsmith.evaluate', async (uri?: unknown) => (await import('./evaluatePrompt')).evaluatePromptCommand(ctx, uri)));
  ctx.own(vscode.commands.registerCommand('promptsmith.selectModel', async () => (await import('./selectModel')).selectModelCommand(ctx)));
  ctx.own(vscode.commands.registerCommand('promptsmith.splitTestSet', async (uri?: unknown) => (await import('./splitTestSet')).splitTestSetCommand(ctx, uri)));
}
