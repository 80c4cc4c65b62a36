// Inline interpretation of a tuned soft prompt: over the `{{softprompt "name"}}` slot (or the
// template's first line) a CodeLens with each virtual token's closest vocabulary token, and a
// hover with the full nearest-token table. Read from the newest completed soft run of the file in
// .promptsmith/runs, so it survives a window reload. Nothing is read until a .prompt file asks.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { PromptsmithContext } from '../context';
import { watchRunRecords } from '../tasks/runWatcher';
import type { HintRead } from './softPromptRuns';

/** Loaded with the first .prompt file shown, not at activation (they parse YAML and read runs). */
async function hintCode() {
  const [text, runs] = await Promise.all([import('./softPromptHintText'), import('./softPromptRuns')]);
  return { ...text, ...runs };
}

const SELECTOR: vscode.DocumentSelector = { language: 'dotprompt', scheme: 'file' };

export class SoftPromptHints implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Prompt file path → what its newest soft run says (undefined: no such run). */
  private readonly cache = new Map<string, HintRead | undefined>();
  private watcher: vscode.Disposable | undefined;
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: PromptsmithContext) {}

  /** Forget cached runs (a run finished or run.json changed) and redraw the lenses. */
  refresh(): void {
    this.cache.clear();
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const code = await hintCode();
    const hint = this.hintFor(document, code.newestSoftPromptHint);
    if (!hint) return [];
    const range = this.anchorRange(document, code.hintAnchor(document.getText(), hint.slot));
    return [new vscode.CodeLens(range, { title: code.hintTitle(hint), tooltip: code.hintTooltip(hint), command: 'promptsmith.showRuns' })];
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const code = await hintCode();
    const hint = this.hintFor(document, code.newestSoftPromptHint);
    if (!hint) return undefined;
    const range = this.anchorRange(document, code.hintAnchor(document.getText(), hint.slot));
    if (!range.contains(position)) return undefined;
    const markdown = new vscode.MarkdownString(code.hintHoverMarkdown(hint));
    markdown.isTrusted = false;
    return new vscode.Hover(markdown, range);
  }

  dispose(): void {
    this.watcher?.dispose();
    this.changed.dispose();
  }

  private anchorRange(document: vscode.TextDocument, anchor: { start: number; end: number }): vscode.Range {
    return new vscode.Range(document.positionAt(anchor.start), document.positionAt(anchor.end));
  }

  private hintFor(document: vscode.TextDocument, newest: (workspaceDir: string, promptFile: string) => HintRead | undefined) {
    const file = document.uri.fsPath;
    if (!this.cache.has(file)) {
      this.watchRuns();
      const workspaceDir = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath ?? dirname(file);
      this.cache.set(file, newest(workspaceDir, file));
    }
    const read = this.cache.get(file);
    if (read?.problem !== undefined && !this.reported.has(read.problem)) {
      this.reported.add(read.problem);
      this.ctx.output.warn(`soft prompt hints: ${read.problem}`);
    }
    return read?.hint;
  }

  /** Started with the first .prompt file shown: runs finished elsewhere (CLI, panel) update the hints. */
  private watchRuns(): void {
    this.watcher ??= watchRunRecords(() => this.refresh());
  }
}

export function registerSoftPromptHints(ctx: PromptsmithContext): SoftPromptHints {
  const hints = ctx.own(new SoftPromptHints(ctx));
  ctx.own(vscode.languages.registerCodeLensProvider(SELECTOR, hints));
  ctx.own(vscode.languages.registerHoverProvider(SELECTOR, hints));
  return hints;
}
