// The soft prompt feature of the extension: the `promptsmith.tuneSoftPrompt` command, "Resume" of
// stopped soft runs from the runs panel, and the inline nearest-token hints. Registration only:
// no run folder is read and no engine starts until a .prompt file or the command asks.
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { registerRunResumer } from '../runsCommands';
import { registerSoftPromptHints } from './softPromptLens';

/** The command's code (prompt parsing, the task session) loads when it is first used. */
const command = () => import('./tuneSoftPromptCommand');

/** The language server's CodeLens passes the document URI as a string; menus pass a Uri. */
function asUri(arg: unknown): unknown {
  if (typeof arg !== 'string') return arg;
  try {
    return vscode.Uri.parse(arg, true);
  } catch {
    return undefined;
  }
}

export function registerSoftPromptFeature(ctx: PromptsmithContext): void {
  const hints = registerSoftPromptHints(ctx);
  const completed = () => hints.refresh();
  ctx.own(vscode.commands.registerCommand('promptsmith.tuneSoftPrompt', async (arg?: unknown) => (await command()).tuneSoftPromptCommand(ctx, asUri(arg), completed)));
  ctx.own(registerRunResumer('soft', async (dir, meta) => (await command()).resumeSoftRun(ctx, dir, meta, completed)));
}
