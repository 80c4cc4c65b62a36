// `promptsmith.run`: render the prompt for chosen inputs and stream the model's generation into
// a read-only document beside it, with tokens/s and the device. Cancellable from the notification.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { describeOutputCheck } from '../../protocol/methods/runPrompt';
import type { PromptsmithContext } from '../context';
import { engineService } from '../engineService';
import type { OutputDocuments } from '../outputDocuments';
import { readSettings } from '../settings';
import { getStatusBar } from '../statusBar';
import { collectInputs } from './collectInputs';
import { promptTarget, showCommandError } from './promptDocument';

export async function runPromptCommand(ctx: PromptsmithContext, outputs: OutputDocuments, arg: unknown): Promise<void> {
  const target = await promptTarget(arg, { save: false });
  if (!target) return;
  const input = await collectInputs(ctx.vscode.workspaceState, target.document.uri, target.parsed);
  if (!input) return;
  const settings = readSettings(target.document.uri);
  const name = basename(target.document.uri.fsPath);
  const out = await outputs.open(`${name} output`, `▶ ${name}\n\n`);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Promptsmith: running ${name}`, cancellable: true },
      (progress, token) =>
        engineService().request(
          'runPrompt',
          {
            promptFile: target.document.uri.fsPath,
            source: target.document.getText(),
            input,
            model: target.modelOverride,
            device: settings.device,
            offline: settings.offline || undefined,
            cacheDir: settings.cacheDir,
            remote: settings.remote,
          },
          {
            token,
            onEvent: (e) => {
              if (e.type === 'token') outputs.append(out, e.text);
              else if (e.type === 'export') progress.report({ message: e.message });
            },
          },
        ),
    );
    getStatusBar()?.setModel(result.model, result.device);
    const why = result.finishReason === 'cancelled' ? ' · cancelled' : '';
    const count = result.ids.length > 0 ? `${result.ids.length} tokens · ` : '';
    outputs.append(out, `\n\n— ${count}${result.tokensPerS.toFixed(1)} tokens/s · device ${result.device}${why}\n`);
    if (result.output) outputs.append(out, `— ${result.output.valid ? '✓' : '✗'} ${describeOutputCheck(result.output)}\n`);
  } catch (err) {
    outputs.append(out, `\n\n— failed: ${(err as Error).message}\n`);
    showCommandError(`running ${name}`, err, ctx.output);
  }
}
