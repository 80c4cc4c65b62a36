// Commands whose feature has not been built yet. They say so plainly instead of pretending.
import * as vscode from 'vscode';
import type { PromptsmithContext } from './context';

/** Command id → what it will do, for the message. Remove an entry when its feature lands. */
const pending: Record<string, string> = {};

export function registerPendingCommands(ctx: PromptsmithContext): void {
  for (const [command, what] of Object.entries(pending)) {
    ctx.own(
      vscode.commands.registerCommand(command, () => {
        void vscode.window.showInformationMessage(`Promptsmith: ${what} is not available yet in this version.`);
      }),
    );
  }
}

export function isPending(command: string): boolean {
  return command in pending;
}
