// The fine-tuning commands (full, and LoRA adapters). Their code loads when first used.
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { registerRunResumer } from '../runsCommands';

function asUri(arg: unknown): unknown {
  return typeof arg === 'string' ? vscode.Uri.parse(arg, true) : arg;
}

export function registerFineTuneFeature(ctx: PromptsmithContext): void {
  const command = () => import('./fineTuneCommand');
  ctx.own(vscode.commands.registerCommand('promptsmith.fineTune', async (arg?: unknown) => (await command()).fineTuneCommand(ctx, asUri(arg))));
  ctx.own(vscode.commands.registerCommand('promptsmith.fineTuneLora', async (arg?: unknown) => (await command()).fineTuneCommand(ctx, asUri(arg), { lora: true })));
  ctx.own(registerRunResumer('finetune', async (dir, meta) => (await command()).resumeFineTuneRun(ctx, dir, meta)));
}
