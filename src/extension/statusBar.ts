// The status bar item: the model and device in use, and a running task with its progress.
// Clicking it opens the runs panel. Commands that load models or run tasks call this API.
import * as vscode from 'vscode';
import type { PromptsmithContext } from './context';

export class PromptsmithStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private model: string | undefined;
  private device: string | undefined;
  private loaded = false;
  private task: { label: string; fraction: number | undefined } | undefined;

  constructor() {
    this.item = vscode.window.createStatusBarItem('promptsmith.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Promptsmith';
    this.item.command = 'promptsmith.showRuns';
    this.render();
  }

  /** The model loaded and the execution provider actually used (e.g. 'cpu', 'webgpu').
   *  `loaded: false` shows a configured model that has not been loaded yet. */
  setModel(model: string | undefined, device?: string, loaded = true): void {
    this.model = model;
    this.device = device;
    this.loaded = loaded;
    this.render();
  }

  /** A task in progress; fraction in [0, 1], or undefined when unknown. */
  setTask(label: string, fraction?: number): void {
    this.task = { label, fraction: fraction === undefined ? undefined : Math.min(1, Math.max(0, fraction)) };
    this.render();
  }

  clearTask(): void {
    this.task = undefined;
    this.render();
  }

  dispose(): void {
    this.item.dispose();
  }

  /** Text shown, for tests and logs. */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const modelName = this.model ? this.model.split(/[\\/]/).filter(Boolean).pop() ?? this.model : undefined;
    const parts: string[] = [];
    if (modelName) parts.push(`$(chip) ${modelName}${this.device ? ` · ${this.device}` : ''}`);
    if (this.task) {
      const pct = this.task.fraction === undefined ? '' : ` ${Math.round(this.task.fraction * 100)}%`;
      parts.push(`$(sync~spin) ${this.task.label}${pct}`);
    }
    if (parts.length === 0) {
      this.item.hide();
      return;
    }
    this.item.text = parts.join('  ');
    const tooltip = new vscode.MarkdownString();
    tooltip.appendText(`Model: ${this.model ?? 'none loaded'}${this.model && !this.loaded ? ' (configured, not loaded yet)' : ''}\nDevice: ${this.device ?? '—'}`);
    if (this.task) tooltip.appendText(`\nTask: ${this.task.label}${this.task.fraction === undefined ? '' : ` (${Math.round(this.task.fraction * 100)}%)`}`);
    tooltip.appendText('\n\nClick to open the runs panel.');
    this.item.tooltip = tooltip;
    this.item.show();
  }
}

let statusBar: PromptsmithStatusBar | undefined;

/** The status bar item, for the commands that load models and run tasks. */
export function getStatusBar(): PromptsmithStatusBar | undefined {
  return statusBar;
}

export function registerStatusBar(ctx: PromptsmithContext): void {
  statusBar = ctx.own(new PromptsmithStatusBar());
  const device = vscode.workspace.getConfiguration('promptsmith').get<string>('device');
  const model = vscode.workspace.getConfiguration('promptsmith').get<string>('model');
  // Until a model is loaded, show the configured one (the device resolves when it loads).
  if (model) statusBar.setModel(model, device === 'auto' ? undefined : device, false);
}
