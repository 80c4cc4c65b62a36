// Registers the prompt commands (run, evaluate, select model) and what they share: the engine
// service and the read-only output documents.
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { registerEngineService } from '../engineService';
import { OUTPUT_SCHEME, OutputDocuments } from '../outputDocuments';
import { evaluatePromptCommand } from './evaluatePrompt';
import { runPromptCommand } from './runPrompt';
import { selectModelCommand } from './selectModel';
import { splitTestSetCommand } from './splitTestSet';

export function registerPromptCommands(ctx: PromptsmithContext): void {
  registerEngineService(ctx);
  const outputs = ctx.own(new OutputDocuments());
  ctx.own(vscode.workspace.registerTextDocumentContentProvider(OUTPUT_SCHEME, outputs));
  ctx.own(vscode.commands.registerCommand('promptsmith.run', (uri?: unknown) => runPromptCommand(ctx, outputs, uri)));
  ctx.own(vscode.commands.registerCommand('promptsmith.evaluate', (uri?: unknown) => evaluatePromptCommand(ctx, uri)));
  ctx.own(vscode.commands.registerCommand('promptsmith.selectModel', () => selectModelCommand(ctx)));
  ctx.own(vscode.commands.registerCommand('promptsmith.splitTestSet', (uri?: unknown) => splitTestSetCommand(ctx, uri)));
}
