// `promptsmith.tuneSoftPrompt`: tunes a soft prompt for a .prompt file in the engine process
// (`tuneSoft`), with a cancellable progress notification, the run live in the runs panel
// (pause/resume/cancel through the engine's `taskControl`), the status bar, and at the end the
// tuned vs manual dev accuracy. Resuming a stopped run goes through the same path.
import { basename, isAbsolute, join, resolve } from 'node:path';
import * as vscode from 'vscode';
import type { RunMeta } from '../../engine/host/runMeta';
import type { Json } from '../../protocol/guards';
import type { LiveRunInfo } from '../../protocol/panelMessages';
import { isTaskEventLike, parseTaskEvent, type TaskEvent, type TaskStatus } from '../../protocol/taskEvents';
import { promptTarget, showCommandError } from '../commands/promptDocument';
import type { PromptsmithContext } from '../context';
import { engineService } from '../engineService';
import { getRunsPanel, type TaskControls } from '../panel/runsPanel';
import { readSettings } from '../settings';
import { getStatusBar } from '../statusBar';
import { engineDevice, engineMessage, overridesFromRunSettings, parseRunAnnouncement, parseTuneSoftSummary, progressText, resultMessage, type TuneSoftSummary } from './tuneSoftEvents';

export interface TuneJob {
  promptFile: string;
  /** The file's `model:` (tuneSoft reads it from the file; shown in the panel and status bar). */
  model: string;
  workspaceDir: string | undefined;
  /** A stopped run's folder to continue. */
  resume?: string;
  overrides?: { [key: string]: Json };
}

/** Called when a tuning run completes (the inline hints refresh). */
export type TuneListener = (promptFile: string) => void;

function controlsFor(ctx: PromptsmithContext, runId: string, onCancel: () => void): TaskControls {
  const control = async (action: 'pause' | 'resume' | 'cancel') => {
    const answer = await engineService().request<{ ok?: boolean }>('taskControl', { action, runId });
    if (!answer.ok) void vscode.window.showInformationMessage(`Promptsmith: could not ${action} run ${runId} (it is not in a state that allows it).`);
    else ctx.output.info(`soft prompt run ${runId}: ${action}`);
  };
  return {
    pause: () => control('pause'),
    resume: () => control('resume'),
    cancel: () => {
      onCancel();
      return control('cancel');
    },
  };
}

/** Runs (or resumes) one tuning job end to end; errors are shown, never thrown. */
export async function runTuneJob(ctx: PromptsmithContext, job: TuneJob, onCompleted: TuneListener): Promise<void> {
  const name = basename(job.promptFile);
  const label = `tune soft ${name}`;
  const settings = readSettings(vscode.Uri.file(job.promptFile));
  const status = getStatusBar();
  const panel = getRunsPanel();
  status?.setModel(job.model, settings.device === 'auto' ? undefined : settings.device, false);
  let runId: string | undefined;
  let runDir: string | undefined;
  let lastStatus: TaskStatus | undefined;
  let cancelAsked = false;
  const early: TaskEvent[] = [];
  let summary: TuneSoftSummary | undefined;
  try {
    summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Promptsmith: ${job.resume ? 'resuming' : 'tuning'} a soft prompt for ${name}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => {
          cancelAsked = true;
        });
        let done = 0;
        let lastDev: number | undefined;
        const onTaskEvent = (event: TaskEvent) => {
          if (event.type === 'status') lastStatus = event.status;
          if (event.type === 'status' && event.status === 'paused') progress.report({ message: 'paused (resume it from the runs panel)' });
          if (event.type === 'progress') {
            if (event.dev_acc !== undefined) lastDev = event.dev_acc;
            const fraction = event.totalSteps > 0 ? event.step / event.totalSteps : 0;
            progress.report({ increment: Math.max(0, fraction * 100 - done), message: progressText(event, lastDev) });
            done = Math.max(done, fraction * 100);
          }
          if (runId && panel) panel.postTaskEvent(runId, event);
          else early.push(event);
        };
        const raw = await engineService().request(
          'tuneSoft',
          {
            promptFile: job.promptFile,
            ...(job.workspaceDir ? { workspaceDir: job.workspaceDir } : {}),
            ...(job.resume ? { resume: job.resume } : {}),
            ...(job.overrides && Object.keys(job.overrides).length > 0 ? { overrides: job.overrides } : {}),
            device: settings.device,
          },
          {
            token,
            onEvent: (event: Json) => {
              const announced = parseRunAnnouncement(event);
              if (announced) {
                runId = announced.runId;
                runDir = announced.dir;
                const info: LiveRunInfo = { runId, label, kind: 'soft', model: job.model, device: settings.device, status: 'queued', promptFile: job.promptFile };
                panel?.startLiveRun(
                  info,
                  controlsFor(ctx, runId, () => {
                    cancelAsked = true;
                  }),
                );
                for (const e of early.splice(0)) panel?.postTaskEvent(runId, e);
                // Watching the curves is the point of a long run: open the panel beside the editor.
                panel?.show();
                return;
              }
              const device = engineDevice(event);
              if (device !== undefined) {
                if (runId) panel?.updateLiveRun(runId, { device });
                status?.setModel(job.model, device, true);
                return;
              }
              const message = engineMessage(event);
              if (message !== undefined) {
                ctx.output.info(`${label}: ${message}`);
                void vscode.window.showInformationMessage(`Promptsmith: ${message}`);
                return;
              }
              if (!isTaskEventLike(event)) return;
              try {
                onTaskEvent(parseTaskEvent(event, `${label} event`));
              } catch (err) {
                ctx.output.warn(`${label}: ignored a malformed event: ${(err as Error).message}`);
              }
            },
          },
        );
        return parseTuneSoftSummary(raw);
      },
    );
  } catch (err) {
    if (cancelAsked || lastStatus === 'cancelled') {
      const where = runId ? ` Its checkpoint is kept: Resume continues run ${runId}.` : '';
      const choice = await vscode.window.showInformationMessage(`Promptsmith: soft prompt tuning of ${name} was cancelled.${where}`, ...(runId ? ['Show Runs'] : []));
      if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.showRuns');
    } else showCommandError(`tuning a soft prompt for ${name}`, err, ctx.output);
    return;
  } finally {
    // The panel clears the status bar on the final status event; this covers a lost engine.
    if (lastStatus === undefined || lastStatus === 'running' || lastStatus === 'paused' || lastStatus === 'queued') status?.clearTask();
  }
  status?.setModel(job.model, summary.device, true);
  ctx.output.info(`${label}: adapter ${summary.out}${runDir ? ` (run ${runDir})` : ''}`);
  onCompleted(job.promptFile);
  const choice = await vscode.window.showInformationMessage(resultMessage(name, summary), 'Show Runs', 'Open Adapter Folder');
  if (choice === 'Show Runs') await vscode.commands.executeCommand('promptsmith.showRuns');
  if (choice === 'Open Adapter Folder') await revealFolder(summary.out);
}

async function revealFolder(dir: string): Promise<void> {
  const uri = vscode.Uri.file(dir);
  // Inside the workspace the Explorer shows it (also in a browser-hosted VS Code); else the OS.
  if (vscode.workspace.getWorkspaceFolder(uri)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
}

/** The command: tune the soft prompt of the .prompt file `arg` (a URI) or the active editor's. */
export async function tuneSoftPromptCommand(ctx: PromptsmithContext, arg: unknown, onCompleted: TuneListener): Promise<void> {
  const target = await promptTarget(arg, { save: true });
  if (!target) return;
  const file = vscode.workspace.asRelativePath(target.document.uri);
  if (!target.parsed.task) {
    void vscode.window.showErrorMessage(`Promptsmith: ${file} has no task. Add \`promptsmith.task\` (train/dev datasets and labels) to its front matter to tune a soft prompt.`);
    return;
  }
  if (!target.parsed.model) {
    void vscode.window.showErrorMessage(`Promptsmith: ${file} names no model. Soft prompts are tuned for one model: add 'model:' to its front matter.`);
    return;
  }
  await runTuneJob(ctx, { promptFile: target.document.uri.fsPath, model: target.parsed.model, workspaceDir: target.workspaceDir }, onCompleted);
}

/** "Resume" of a cancelled, failed or interrupted soft run: continue from its last checkpoint. */
export async function resumeSoftRun(ctx: PromptsmithContext, dir: string, meta: RunMeta, onCompleted: TuneListener): Promise<void> {
  // run.json lives in <workspace>/.promptsmith/runs/<id>/; its promptFile is relative to <workspace>.
  const workspaceDir = resolve(dir, '..', '..', '..');
  if (!meta.promptFile) {
    void vscode.window.showErrorMessage(`Promptsmith: cannot resume: ${join(dir, 'run.json')} records no prompt file.`);
    return;
  }
  const promptFile = isAbsolute(meta.promptFile) ? meta.promptFile : resolve(workspaceDir, meta.promptFile);
  await runTuneJob(ctx, { promptFile, model: meta.model, workspaceDir, resume: dir, overrides: overridesFromRunSettings(meta.settings) }, onCompleted);
}
