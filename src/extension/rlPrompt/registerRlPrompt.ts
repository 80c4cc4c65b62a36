// The discrete prompt feature of the extension (RL prompt tuning and random search): the commands,
// "Resume" of stopped runs, Apply from the runs panel, and the prompts shown at the slot.
// Registration only: each command's code loads when it is first used.
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { registerPromptApplier, registerRunResumer } from '../runsCommands';
import { registerRlPromptHints } from './rlPromptLens';

const optimize = () => import('./optimizeCommand');
const apply = () => import('./applyRlPrompt');
const transfer = () => import('./tryOnModel');

export function registerRlPromptFeature(ctx: PromptsmithContext): void {
  const hints = registerRlPromptHints(ctx);
  const command = (id: string, run: (...args: unknown[]) => unknown) => ctx.own(vscode.commands.registerCommand(id, run));
  command('promptsmith.optimizeWithRL', async (arg?: unknown) => (await optimize()).optimizeCommand(ctx, hints, (await apply()).asDocumentUri(arg), 'rl'));
  command('promptsmith.randomSearchPrompt', async (arg?: unknown) => (await optimize()).optimizeCommand(ctx, hints, (await apply()).asDocumentUri(arg), 'random'));
  command('promptsmith.rlApply', async (arg?: unknown, index?: unknown) => (await apply()).applyRlPromptCommand(hints, arg, index));
  command('promptsmith.rlAllPrompts', async (arg?: unknown) => (await apply()).allPromptsCommand(hints, arg));
  command('promptsmith.rlShowRun', async (runId?: unknown) => (await apply()).showRlRun(runId));
  command('promptsmith.tryPromptOnAnotherModel', async (arg?: unknown, index?: unknown, model?: unknown) => (await transfer()).tryOnAnotherModelCommand(ctx, hints, arg, index, model));
  for (const kind of ['rl', 'random'] as const) ctx.own(registerRunResumer(kind, async (dir, meta) => (await optimize()).resumeRlRun(ctx, hints, dir, meta)));
  ctx.own(
    registerPromptApplier(['rl', 'random'], async (uri, text) => {
      await (await apply()).applyToSlot(hints, uri, text);
    }),
  );
}
