// The input values for running a prompt: schema defaults, the values used last time (kept per
// file in workspace state), or a quick input per variable; or one row of the task's dev set.
import * as vscode from 'vscode';
import type { ParsedPromptFile } from '../../promptFile/promptFile';
import { analyzeSchema } from '../../promptFile/schemaAnalysis';
import { loadDataset } from '../../engine/tasks/dataset';
import { resolveTaskSpec } from '../../engine/tasks/taskSpec';

/** Variable names declared in `input.schema` (Picoschema or JSON Schema). */
export function schemaVariables(parsed: ParsedPromptFile): string[] {
  return analyzeSchema(parsed, 'input').fields.map((f) => f.name);
}

function lastInputsKey(file: vscode.Uri): string {
  return `promptsmith.lastInputs:${file.toString()}`;
}

export async function collectInputs(state: vscode.Memento, file: vscode.Uri, parsed: ParsedPromptFile): Promise<Record<string, unknown> | undefined> {
  const names = schemaVariables(parsed);
  if (names.length === 0) return {};
  const last = state.get<Record<string, unknown>>(lastInputsKey(file)) ?? {};
  const defaults = parsed.input.default ?? {};
  const picks: (vscode.QuickPickItem & { id: string })[] = [{ id: 'type', label: '$(edit) Type the inputs', description: names.join(', ') }];
  if (Object.keys(last).length > 0) picks.unshift({ id: 'last', label: '$(history) Use the last inputs', description: summarize(last) });
  if (parsed.task?.dev || parsed.task?.train) picks.push({ id: 'row', label: '$(table) Use a row of the dataset' });
  const choice = picks.length === 1 ? picks[0] : await vscode.window.showQuickPick(picks, { title: 'Inputs for this prompt' });
  if (!choice) return undefined;
  let input: Record<string, unknown> | undefined;
  if (choice.id === 'last') input = last;
  else if (choice.id === 'row') input = await pickRow(file, parsed);
  else input = await typeInputs(names, { ...defaults, ...last });
  if (input) await state.update(lastInputsKey(file), input);
  return input;
}

async function typeInputs(names: string[], prefill: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  const input: Record<string, unknown> = {};
  for (const [i, name] of names.entries()) {
    const value = await vscode.window.showInputBox({
      title: `Input ${i + 1}/${names.length}`,
      prompt: `Value of {{${name}}}`,
      value: prefill[name] === undefined ? '' : String(prefill[name]),
      ignoreFocusOut: true,
    });
    if (value === undefined) return undefined;
    input[name] = value;
  }
  return input;
}

async function pickRow(file: vscode.Uri, parsed: ParsedPromptFile): Promise<Record<string, unknown> | undefined> {
  const task = resolveTaskSpec(parsed.task, file.fsPath);
  const data = task.dev ?? task.train!;
  const dataset = await loadDataset(data);
  const items = dataset.rows.slice(0, 500).map((row) => ({ label: summarize(row.fields), description: row.label, row }));
  const picked = await vscode.window.showQuickPick(items, { title: `A row of ${vscode.workspace.asRelativePath(data)}`, matchOnDescription: true });
  return picked?.row.fields;
}

function summarize(values: Record<string, unknown>): string {
  const text = Object.entries(values)
    .filter(([k]) => k !== 'label')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' · ');
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
