// The runs panel host: creates/reveals the `promptsmith.runs` webview, restores it after a reload
// (WebviewPanelSerializer), feeds it live task events (batched) and run history read from the
// workspace's .promptsmith/runs, and routes its validated requests to commands.
import * as vscode from 'vscode';
import { type ExtensionToPanel, type LiveRunInfo, parsePanelToExtension, type PanelToExtension } from '../../protocol/panelMessages';
import { isFinalStatus, parseTaskEvent, type TaskEvent } from '../../protocol/taskEvents';
import type { PromptsmithContext } from '../context';
import { watchRunRecords } from '../tasks/runWatcher';
import { getStatusBar } from '../statusBar';
import { panelHtml } from './panelHtml';
import { listWorkspaceRuns, runDetailView } from './runViews';

export const RUNS_VIEW_TYPE = 'promptsmith.runs';

/** What the extension can do to a live task; the command that started it registers these. */
export interface TaskControls {
  cancel(): void | Promise<void>;
  /** Absent when the task's engine side cannot pause. */
  pause?(): void | Promise<void>;
  resume?(): void | Promise<void>;
}

interface LiveRecord {
  info: LiveRunInfo;
  events: TaskEvent[];
  controls?: TaskControls;
}

/** Events kept per live run for replay when the panel (re)opens. */
const MAX_REPLAY_EVENTS = 50_000;
const FLUSH_MS = 50;

export class RunsPanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private readonly live = new Map<string, LiveRecord>();
  private pending = new Map<string, TaskEvent[]>();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  /** Run id → run folder, from the last history listing. */
  private runDirs = new Map<string, string>();
  private readonly panelDisposables: vscode.Disposable[] = [];
  /** The webview said 'ready' (it has its message listener). */
  private ready = false;
  /** A run to open once the webview is ready. */
  private openWhenReady: string | undefined;

  constructor(private readonly ctx: PromptsmithContext) {}

  /** Opens the panel, or reveals it if open. */
  show(): void {
    if (this.panel) {
      this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(RUNS_VIEW_TYPE, 'Promptsmith Runs', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, this.webviewOptions());
    this.attach(panel);
  }

  /** Adopts a panel (new, or restored by the serializer after a window reload). */
  attach(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    this.ready = false;
    panel.webview.options = this.webviewOptions();
    panel.iconPath = vscode.Uri.joinPath(this.ctx.vscode.extensionUri, 'media', 'runs.svg');
    const asUri = (...parts: string[]) => panel.webview.asWebviewUri(vscode.Uri.joinPath(this.ctx.vscode.extensionUri, ...parts)).toString();
    panel.webview.html = panelHtml({ scriptUri: asUri('dist', 'webview', 'panel.js'), styleUri: asUri('dist', 'webview', 'panel.css'), cspSource: panel.webview.cspSource });
    this.panelDisposables.push(
      // Runs written by the CLI or another window show up without a manual refresh.
      watchRunRecords(() => this.sendHistory(), 500),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidDispose(() => {
        this.panel = undefined;
        for (const d of this.panelDisposables.splice(0)) d.dispose();
      }),
    );
  }

  /** Opens the panel on one run's details (History tab). */
  openRun(runId: string): void {
    if (!this.panel || !this.ready) {
      this.openWhenReady = runId;
      this.show();
      return;
    }
    this.panel.reveal(undefined, true);
    this.sendHistory();
    this.post({ type: 'openRun', runId });
  }

  /** A task started: show it live. `controls` route the panel's pause/resume/cancel to it. */
  startLiveRun(info: LiveRunInfo, controls?: TaskControls): void {
    const record: LiveRecord = { info, events: [] };
    if (controls) record.controls = controls;
    this.live.set(info.runId, record);
    this.post({ type: 'liveRun', run: info });
    getStatusBar()?.setTask(info.label, 0);
  }

  /** Corrects a live run's header once the engine knows it (e.g. the device actually used). */
  updateLiveRun(runId: string, patch: Partial<Pick<LiveRunInfo, 'device' | 'model'>>): void {
    const record = this.live.get(runId);
    if (!record) return;
    record.info = { ...record.info, ...patch };
    this.post({ type: 'liveRun', run: record.info });
  }

  /** Forwards one task event to the panel (validated, batched every 50 ms) and the status bar. */
  postTaskEvent(runId: string, event: TaskEvent): void {
    let valid: TaskEvent;
    try {
      valid = parseTaskEvent(event, `task event for ${runId}`);
    } catch (err) {
      this.ctx.output.warn(`runs panel: dropped malformed task event: ${(err as Error).message}`);
      return;
    }
    const record = this.live.get(runId);
    if (!record) {
      this.ctx.output.warn(`runs panel: event for unknown run ${runId} (call startLiveRun first); dropped`);
      return;
    }
    if (record.events.length < MAX_REPLAY_EVENTS) record.events.push(valid);
    if (valid.type === 'progress' && valid.totalSteps > 0) getStatusBar()?.setTask(record.info.label, valid.step / valid.totalSteps);
    if (valid.type === 'status') {
      record.info = { ...record.info, status: valid.status };
      if (isFinalStatus(valid.status)) {
        getStatusBar()?.clearTask();
        record.controls = undefined;
        // The run folder changed: the history tab should show it.
        setTimeout(() => this.sendHistory(), FLUSH_MS * 2);
      }
    }
    const queue = this.pending.get(runId);
    if (queue) queue.push(valid);
    else this.pending.set(runId, [valid]);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  controlsFor(runId: string): TaskControls | undefined {
    return this.live.get(runId)?.controls;
  }

  liveRunIds(): string[] {
    return [...this.live.keys()];
  }

  liveRun(runId: string): LiveRunInfo | undefined {
    return this.live.get(runId)?.info;
  }

  /** Folder of a run, looked up in the workspace's run store (refreshing the listing if needed). */
  runDir(runId: string): string | undefined {
    if (!this.runDirs.has(runId)) this.runDirs = listWorkspaceRuns(workspaceDirs()).dirs;
    return this.runDirs.get(runId);
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.panel?.dispose();
  }

  private webviewOptions(): vscode.WebviewOptions & vscode.WebviewPanelOptions {
    const root = this.ctx.vscode.extensionUri;
    return {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [vscode.Uri.joinPath(root, 'media'), vscode.Uri.joinPath(root, 'dist', 'webview')],
    };
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    for (const [runId, events] of batch) this.post({ type: 'taskEvents', runId, events });
  }

  private post(message: ExtensionToPanel): void {
    if (this.panel) void this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    let message: PanelToExtension;
    try {
      message = parsePanelToExtension(raw);
    } catch (err) {
      this.ctx.output.warn(`runs panel: dropped malformed message from the webview: ${(err as Error).message}`);
      return;
    }
    void this.handle(message).catch((err: unknown) => {
      this.ctx.output.error(`runs panel: ${message.type} failed: ${err instanceof Error ? err.message : String(err)}`);
      this.post({ type: 'notice', level: 'error', message: err instanceof Error ? err.message : String(err) });
    });
  }

  private async handle(message: PanelToExtension): Promise<void> {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        this.sendHistory();
        // The replay below carries every event so far, the unsent ones included.
        this.pending = new Map();
        for (const record of this.live.values()) {
          this.post({ type: 'liveRun', run: record.info });
          if (record.events.length > 0) this.post({ type: 'taskEvents', runId: record.info.runId, events: record.events });
        }
        if (this.openWhenReady) this.post({ type: 'openRun', runId: this.openWhenReady });
        this.openWhenReady = undefined;
        return;
      case 'refreshHistory':
        this.sendHistory();
        return;
      case 'loadRuns':
        for (const runId of message.runIds) {
          const dir = this.runDir(runId);
          if (dir) this.post({ type: 'runDetail', detail: runDetailView(dir) });
          else this.post({ type: 'notice', level: 'error', message: `Run ${runId} is not in .promptsmith/runs of this workspace.` });
        }
        return;
      case 'applyPrompt':
        await vscode.commands.executeCommand('promptsmith.applyPrompt', { runId: message.runId, text: message.text });
        return;
      case 'taskControl': {
        const command = { pause: 'promptsmith.pauseTask', resume: 'promptsmith.resumeTask', cancel: 'promptsmith.cancelTask' }[message.action];
        await vscode.commands.executeCommand(command, message.runId);
        return;
      }
      case 'resumeRun':
        await vscode.commands.executeCommand('promptsmith.resumeRun', message.runId);
        return;
    }
  }

  sendHistory(): void {
    if (!this.panel) return;
    const { items, dirs } = listWorkspaceRuns(workspaceDirs());
    this.runDirs = dirs;
    this.post({ type: 'history', runs: items });
  }
}

export function workspaceDirs(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

let host: RunsPanelHost | undefined;

/** The panel host, for the commands that run tasks (undefined before activation). */
export function getRunsPanel(): RunsPanelHost | undefined {
  return host;
}

/** Creates the host and the serializer that restores the panel after a window reload. */
export function registerRunsPanel(ctx: PromptsmithContext): RunsPanelHost {
  host = ctx.own(new RunsPanelHost(ctx));
  const created = host;
  ctx.own(
    vscode.window.registerWebviewPanelSerializer(RUNS_VIEW_TYPE, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel) {
        created.attach(panel);
      },
    }),
  );
  return created;
}
