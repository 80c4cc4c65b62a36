// "Compare adaptation methods". Its code loads when first used.
import * as vscode from 'vscode';
import { COMPARE_METHODS, type CompareMethod } from '../../protocol/methods/compare';
import type { PromptsmithContext } from '../context';
import type { CompareChoice } from './compareCommand';

function asUri(arg: unknown): unknown {
  return typeof arg === 'string' ? vscode.Uri.parse(arg, true) : arg;
}

/** `{ methods?, budgetMinutes? }` from a caller (a keybinding, a test); anything else asks the user. */
function asChoice(raw: unknown): CompareChoice | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const { methods, budgetMinutes } = raw as Record<string, unknown>;
  const choice: CompareChoice = {};
  if (Array.isArray(methods) && methods.length > 0 && methods.every((m) => (COMPARE_METHODS as readonly unknown[]).includes(m))) choice.methods = methods as CompareMethod[];
  if (typeof budgetMinutes === 'number' && budgetMinutes > 0) choice.budgetMinutes = budgetMinutes;
  return choice;
}

export function registerCompareFeature(ctx: PromptsmithContext): void {
  ctx.own(vscode.commands.registerCommand('promptsmith.compare', async (arg?: unknown, options?: unknown) => (await import('./compareCommand')).compareCommand(ctx, asUri(arg), asChoice(options))));
}
