// "Compare adaptation methods". Its code loads when first used.
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';

function asUri(arg: unknown): unknown {
  return typeof arg === 'string' ? vscode.Uri.parse(arg, true) : arg;
}

export function registerCompareFeature(ctx: PromptsmithContext): void {
  ctx.own(vscode.commands.registerCommand('promptsmith.compare', async (arg?: unknown) => (await import('./compareCommand')).compareCommand(ctx, asUri(arg))));
}
