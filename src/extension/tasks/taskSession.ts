// One task session per engine task the editor starts (evaluate, tune soft, tune RL, fine tune,
// compare): it owns the cancellable progress notification, the status bar's task item, the runs
// panel's live feed, pause/resume/cancel by run id, and the context keys that enable those
// commands only while a task runs. Commands describe their task; this file runs it.
import * as vscode from 'vscode';
import type { EngineEvent, ParamsOf, ResultOf } from '../../protocol/engineApi';
import type { LiveRunInfo } from '../../protocol/panelMessages';
import type { TaskEvent, TaskKind, TaskStatus } from '../../protocol/taskEvents';
import { showCommandError } from '../commands/promptDocument';
import type { PromptsmithContext } from '../context';
import { engineService } from '../engineService';
import { getRunsPanel, type TaskControls } from '../panel/runsPanel';
import { getStatusBar } from '../statusBar';
import { progressText } from './taskText';

/** The engine methods that run as queued, recorded tasks. */
export type TaskMethod = 'evaluate' | 'tuneSoft' | 'tuneRl' | 'fineTune' | 'compare';

export interface TaskSessionSpec<M extends TaskMethod> {
  method: M;
  params: ParamsOf<M>;
  kind: TaskKind;
  /** Short name for the status bar and panel, e.g. "tune soft sentiment.prompt". */
  label: string;
  /** The notification's title, e.g. "tuning a soft prompt for sentiment.prompt". */
  title: string;
  model: string;
  /** The configured device (the panel shows the one actually used once the engine says). */
  device: string;
  promptFile?: string;
  /** Open the runs panel beside the editor when the run starts (long runs: watching is the point). */
  revealPanel?: boolean;
  /** Sees every engine event too (e.g. the editor's live RL prompts at the slot). */
  onEvent?(event: EngineEvent): void;
}

/** How a session ended: its result, or why there is none. */
export type TaskSessionOutcome<M extends TaskMethod> =
  | { ok: true; result: ResultOf<M>; runId?: string }
  | { ok: false; cancelled: boolean; runId?: string };

const running = new Map<string, TaskStatus>();

/** `promptsmith.taskRunning` / `promptsmith.taskPaused` drive the palette's Pause/Resume/Cancel. */
function updateContextKeys(): void {
  const statuses = [...running.values()];
  void vscode.commands.executeCommand('setContext', 'promptsmith.taskRunning', statuses.some((s) => s === 'running' || s === 'queued'));
  void vscode.commands.executeCommand('setContext', 'promptsmith.taskPaused', statuses.includes('paused'));
}

function controlsFor(ctx: PromptsmithContext, runId: string, onCancel: () => void): TaskControls {
  const control = async (action: 'pause' | 'resume' | 'cancel') => {
    const answer = await engineService().request('taskControl', { action, runId });
    if (!answer.ok) void vscode.window.showInformationMessage(`Promptsmith: could not ${action} run ${runId} (it is not in a state that allows it).`);
    else ctx.output.info(`run ${runId}: ${action}`);
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

/** Runs one engine task end to end; errors are shown (never thrown), the outcome returned. */
export async function runTaskSession<M extends TaskMethod>(ctx: PromptsmithContext, spec: TaskSessionSpec<M>): Promise<TaskSessionOutcome<M>> {
  const status = getStatusBar();
  const panel = getRunsPanel();
  let runId: string | undefined;
  let lastStatus: TaskStatus | undefined;
  let cancelAsked = false;
  const early: TaskEvent[] = [];
  status?.setModel(spec.model, spec.device === 'auto' ? undefined : spec.device, false);
  status?.setTask(spec.label, 0);
  try {
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Promptsmith: ${spec.title}`, cancellable: true },
      async (progress, token) => {
        token.onCancellationRequested(() => {
          cancelAsked = true;
        });
        let done = 0;
        let lastDev: number | undefined;
        const onEvent = (event: EngineEvent) => {
          spec.onEvent?.(event);
          switch (event.type) {
            case 'run': {
              runId = event.runId;
              running.set(runId, 'queued');
              updateContextKeys();
              const info: LiveRunInfo = { runId, label: spec.label, kind: spec.kind, model: spec.model, device: spec.device, status: 'queued', promptFile: spec.promptFile };
              panel?.startLiveRun(
                info,
                controlsFor(ctx, runId, () => {
                  cancelAsked = true;
                }),
              );
              for (const e of early.splice(0)) panel?.postTaskEvent(runId, e);
              if (spec.revealPanel) panel?.show();
              return;
            }
            case 'device':
              if (runId) panel?.updateLiveRun(runId, { device: event.device });
              status?.setModel(spec.model, event.device, true);
              return;
            case 'message':
              ctx.output.info(`${spec.label}: ${event.message}`);
              if (event.level === 'warning') void vscode.window.showWarningMessage(`Promptsmith: ${event.message}`);
              else void vscode.window.showInformationMessage(`Promptsmith: ${event.message}`);
              return;
            case 'export':
              progress.report({ message: event.message });
              return;
            case 'token':
            case 'download':
              return;
            case 'status':
              lastStatus = event.status;
              if (runId) running.set(runId, event.status);
              updateContextKeys();
              if (event.status === 'paused') progress.report({ message: 'paused (resume it from the runs panel)' });
              break;
            case 'progress': {
              if (event.dev_acc !== undefined) lastDev = event.dev_acc;
              const fraction = event.totalSteps > 0 ? event.step / event.totalSteps : 0;
              progress.report({ increment: Math.max(0, fraction * 100 - done), message: progressText(event, lastDev) });
              done = Math.max(done, fraction * 100);
              status?.setTask(spec.label, fraction);
              break;
            }
          }
          if (runId && panel) panel.postTaskEvent(runId, event);
          else early.push(event);
        };
        return engineService().request(spec.method, spec.params, { token, onEvent });
      },
    );
    return { ok: true, result, runId };
  } catch (err) {
    const cancelled = cancelAsked || lastStatus === 'cancelled';
    if (cancelled) {
      const where = runId ? ` Its last checkpoint is kept: Resume Run continues run ${runId}.` : '';
      void vscode.window.showInformationMessage(`Promptsmith: ${spec.title} was cancelled.${where}`, ...(runId ? ['Show Runs'] : [])).then((choice) => {
        if (choice === 'Show Runs') void vscode.commands.executeCommand('promptsmith.showRuns');
      });
    } else showCommandError(spec.title, err, ctx.output);
    return { ok: false, cancelled, runId };
  } finally {
    if (runId) running.delete(runId);
    updateContextKeys();
    status?.clearTask();
  }
}
