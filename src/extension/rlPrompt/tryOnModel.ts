// "Try on another model…": does a discrete prompt found for one model carry to another? The
// engine's `evaluate` scores the file's task with another local model twice — with the found
// prompt in the slot and with the hand-written text — and a Markdown report shows both beside
// the run's own numbers. Nothing is recorded as a run: the file on disk is not what was scored.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { SplitAccuracies } from '../../protocol/format';
import type { PromptEvaluation } from '../../protocol/methods/evaluate';
import { promptTarget } from '../commands/promptDocument';
import { pickModel } from '../commands/selectModel';
import type { PromptsmithContext } from '../context';
import { readSettings } from '../settings';
import { runTaskSession } from '../tasks/taskSession';
import { asDocumentUri } from './applyRlPrompt';
import type { RlPromptHints } from './rlPromptLens';
import { promptPickEntries } from './rlPromptText';
import { withSlotText } from './rlSlot';
import { transferMarkdown } from './transferText';

function splitsOf(e: PromptEvaluation): SplitAccuracies {
  return e.split_accuracy ?? { train: null, dev: e.accuracy, test: null };
}

/** `index`: which prompt (else asked); `model`: the other model (else picked like Select Model). */
export async function tryOnAnotherModelCommand(ctx: PromptsmithContext, hints: RlPromptHints, arg: unknown, index?: unknown, model?: unknown): Promise<void> {
  const uri = asDocumentUri(arg);
  if (!uri) return;
  const target = await promptTarget(uri, { save: false });
  if (!target) return;
  const { document } = target;
  const file = vscode.workspace.asRelativePath(uri);
  const state = await hints.stateOf(document);
  const written = state?.view.written;
  if (!state || !written || state.view.status !== 'completed' || state.view.prompts.length === 0) {
    void vscode.window.showInformationMessage(`Promptsmith: ${file} has no finished RL or random-search run to try on another model.`);
    return;
  }
  const slot = hints.rangeOf(document, state);
  if (!slot) {
    void vscode.window.showErrorMessage(`Promptsmith: the slot is no longer in ${file}; apply a prompt to a selection first.`);
    return;
  }
  const source = document.getText();
  let chosen = typeof index === 'number' ? index : undefined;
  if (chosen === undefined) {
    const entries = promptPickEntries(state.view, source.slice(slot.start, slot.end)).map((e, i) => ({ ...e, index: i }));
    chosen = entries.length === 1 ? 0 : (await vscode.window.showQuickPick(entries, { title: 'Promptsmith: which prompt to try on another model?' }))?.index;
  }
  const prompt = chosen === undefined ? undefined : state.view.prompts[chosen];
  if (!prompt) return;
  const searchModel = target.parsed.model ?? target.modelOverride ?? '';
  const otherModel = typeof model === 'string' && model.trim() !== '' ? model : await pickModel(ctx, { title: 'Promptsmith: try the prompt on which model?', current: searchModel });
  if (!otherModel) return;
  const settings = readSettings(uri);
  const name = basename(uri.fsPath);
  const evaluate = async (what: string, text: string) => {
    const outcome = await runTaskSession(ctx, {
      method: 'evaluate',
      params: {
        promptFile: uri.fsPath,
        source: withSlotText(source, slot, text),
        model: otherModel,
        // A soft prompt is tuned for one model: the other model is scored on the text alone, as the search was.
        noSoftPrompt: true,
        device: settings.device,
        offline: settings.offline || undefined,
        cacheDir: settings.cacheDir,
        remote: settings.remote,
      },
      kind: 'eval',
      label: `try ${name} on ${basename(otherModel)}`,
      title: `evaluating the ${what} prompt of ${name} with ${basename(otherModel)}`,
      model: otherModel,
      device: settings.device,
      promptFile: uri.fsPath,
    });
    return outcome.ok ? splitsOf(outcome.result) : undefined;
  };
  const found = await evaluate('found', prompt.text);
  if (!found) return;
  const manual = await evaluate('hand-written', written.text);
  if (!manual) return;
  const report = transferMarkdown({ fileName: name, runId: state.view.runId, prompt, written, searchModel, otherModel, other: { found, written: manual } });
  ctx.output.info(report);
  const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: report });
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
}
