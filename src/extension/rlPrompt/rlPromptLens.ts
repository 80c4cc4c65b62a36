// The discrete prompts found for a slot, shown at the slot: a CodeLens with the best prompt and
// its accuracies (Apply · All prompts… · Try on another model…), an inlay hint with the current
// best, and a hover with the top prompts. Live while a search started in this window runs, read
// back from the newest completed RL or random-search run of the file otherwise (so it survives a
// reload). The slot's range follows the document's edits; when the editor could not follow them
// (a reload, a change on disk) it is found again from the texts the slot can hold.
import { dirname } from 'node:path';
import * as vscode from 'vscode';
import type { TuneRlResult } from '../../protocol/methods/tuneRl';
import type { EngineEvent } from '../../protocol/engineApi';
import { isPromptTheRunRead } from '../../runs/promptDigest';
import type { PromptsmithContext } from '../context';
import { watchRunRecords } from '../tasks/runWatcher';
import type { RlPromptsView, RlRead } from './rlPromptRuns';
import type { SlotRange } from './rlSlot';

/** Loaded with the first .prompt file shown, not at activation (they parse YAML and read runs). */
async function loadCode() {
  const [slot, runs, text] = await Promise.all([import('./rlSlot'), import('./rlPromptRuns'), import('./rlPromptText')]);
  return { ...slot, ...runs, ...text };
}
type Code = Awaited<ReturnType<typeof loadCode>>;

const SELECTOR: vscode.DocumentSelector = { language: 'dotprompt', scheme: 'file' };

interface SlotState {
  view: RlPromptsView;
  /** The slot in the document as it is now, kept up to date by its edits; undefined: find it again. */
  range?: SlotRange;
  /** Where the slot was last known to be (the run's record, or the range before it was lost). */
  hint?: SlotRange & { kind?: string };
  /** Started by a command in this window: the run store does not replace it while it runs. */
  fromWindow: boolean;
  finishedAt?: string;
  /** The document version Apply's edit made: its change event is already in `range`. */
  filledVersion?: number;
}

export class RlPromptHints implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  readonly onDidChangeInlayHints = this.changed.event;
  /** Prompt file path → its slot state (null: no RL run of it on disk). */
  private readonly states = new Map<string, SlotState | null>();
  /** Files whose run store may have changed since they were read. */
  private readonly stale = new Set<string>();
  private code: Code | undefined;
  private watcher: vscode.Disposable | undefined;
  private redrawTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly reported = new Set<string>();

  constructor(private readonly ctx: PromptsmithContext) {
    ctx.own(vscode.workspace.onDidChangeTextDocument((e) => this.followEdits(e)));
    ctx.own(
      vscode.workspace.onDidCloseTextDocument((document) => {
        // Unsaved edits may be dropped with the document: find the slot again when it reopens.
        const state = this.states.get(document.uri.fsPath);
        if (state?.range) {
          state.hint = state.range;
          state.range = undefined;
        }
      }),
    );
  }

  private async codeLoaded(): Promise<Code> {
    this.code ??= await loadCode();
    return this.code;
  }

  /** Run folders changed: read the run store again (states of running searches are kept). */
  refresh(): void {
    for (const file of this.states.keys()) this.stale.add(file);
    this.changed.fire();
  }

  /** A search started by a command on `promptFile`, filling `range` of the document as it is now. */
  async startLive(promptFile: string, method: RlPromptsView['method'], range: SlotRange | undefined): Promise<void> {
    await this.codeLoaded();
    this.states.set(promptFile, { view: { method, status: 'running', prompts: [], measured: false }, range, hint: range, fromWindow: true });
    this.stale.delete(promptFile);
    this.changed.fire();
  }

  /** An engine event of the live search on `promptFile`. */
  liveEvent(promptFile: string, event: EngineEvent): void {
    const state = this.states.get(promptFile);
    if (!state?.fromWindow || state.view.status !== 'running') return;
    if (event.type === 'run') state.view.runId = event.runId;
    else if (event.type === 'progress') {
      state.view.step = event.step;
      state.view.totalSteps = event.totalSteps;
      this.redrawSoon();
    } else if (event.type === 'bestPrompts') {
      state.view.prompts = event.rows;
      this.redrawSoon();
    }
  }

  /** The live search ended: its result, or how it stopped. */
  finishLive(promptFile: string, outcome: { result: TuneRlResult; runId?: string } | { status: 'cancelled' | 'failed' }): void {
    const state = this.states.get(promptFile);
    if (!state?.fromWindow || !this.code) return;
    if ('result' in outcome) {
      // The slot was followed through any edits made meanwhile; the engine's offsets are those of the saved file.
      state.view = this.code.viewOfResult(outcome.result, outcome.runId ?? state.view.runId);
      if (!state.range) state.hint = outcome.result.slot;
    } else if (state.view.prompts.length === 0) {
      // Nothing found before it stopped: show what the run store has, as before the command.
      this.states.delete(promptFile);
    } else state.view.status = outcome.status;
    state.finishedAt = new Date().toISOString();
    this.changed.fire();
  }

  /** The slot state of a document (read from the run store when not known yet). */
  async stateOf(document: vscode.TextDocument): Promise<SlotState | undefined> {
    const code = await this.codeLoaded();
    const file = document.uri.fsPath;
    const known = this.states.get(file);
    if (known === undefined || this.stale.has(file)) {
      this.stale.delete(file);
      this.watchRuns();
      const workspaceDir = vscode.workspace.getWorkspaceFolder(document.uri)?.uri.fsPath ?? dirname(file);
      const read = code.newestRlPrompts(workspaceDir, file);
      this.report(read);
      const stored = read?.view ? { view: read.view, hint: read.view.slot, fromWindow: false } : null;
      if (!(known && keepsOver(known, stored))) this.states.set(file, stored);
    }
    return this.states.get(file) ?? undefined;
  }

  /** The slot's range in the document now; undefined when it cannot be found. */
  rangeOf(document: vscode.TextDocument, state: SlotState): SlotRange | undefined {
    const code = this.code;
    if (!code) return undefined;
    const text = document.getText();
    if (state.range && state.range.end <= text.length) return state.range;
    const recorded = state.hint ?? state.view.slot;
    if (!recorded) return undefined;
    const unchanged = isPromptTheRunRead(state.view.promptSha256, text);
    state.range = code.locateSlot(text, recorded, code.slotCandidates(state.view), unchanged);
    return state.range;
  }

  /**
   * After Apply: the slot holds `text` from `start` in document `version`. The editor reports
   * the edit before or after Apply returns; either way it is not followed a second time.
   */
  slotFilled(promptFile: string, start: number, text: string, version: number): void {
    const state = this.states.get(promptFile);
    if (state) {
      state.range = { start, end: start + text.length };
      state.filledVersion = version;
    }
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const state = await this.stateOf(document);
    const code = this.code;
    if (!state || !code) return [];
    const slot = this.rangeOf(document, state);
    const at = slot ? document.positionAt(slot.start) : document.positionAt(state.hint?.start ?? 0);
    const range = new vscode.Range(at, at);
    const slotText = slot ? document.getText().slice(slot.start, slot.end) : undefined;
    const uri = document.uri.toString();
    const title = code.lensTitle(state.view, slotText) + (slot ? '' : ' · slot not found: select where the prompt goes, then Apply');
    const lenses = [new vscode.CodeLens(range, { title, tooltip: 'Open this run in the runs panel', command: 'promptsmith.rlShowRun', arguments: [state.view.runId] })];
    if (state.view.prompts.length > 0) {
      lenses.push(new vscode.CodeLens(range, { title: 'Apply', tooltip: 'Put the best prompt into the slot (one undo step)', command: 'promptsmith.rlApply', arguments: [uri, 0] }));
      lenses.push(new vscode.CodeLens(range, { title: 'All prompts…', tooltip: 'Choose any of the prompts found', command: 'promptsmith.rlAllPrompts', arguments: [uri] }));
    }
    if (state.view.status === 'completed' && state.view.written && state.view.prompts.length > 0) {
      lenses.push(new vscode.CodeLens(range, { title: 'Try on another model…', tooltip: 'Evaluate a found prompt and the hand-written one with another local model', command: 'promptsmith.tryPromptOnAnotherModel', arguments: [uri] }));
    }
    return lenses;
  }

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const state = await this.stateOf(document);
    const code = this.code;
    if (!state || !code || state.view.prompts.length === 0) return undefined;
    const slot = this.rangeOf(document, state);
    if (!slot) return undefined;
    const range = new vscode.Range(document.positionAt(slot.start), document.positionAt(slot.end));
    if (!range.contains(position)) return undefined;
    const markdown = new vscode.MarkdownString(code.hoverMarkdown(state.view, document.getText().slice(slot.start, slot.end)));
    markdown.isTrusted = false;
    return new vscode.Hover(markdown, range);
  }

  async provideInlayHints(document: vscode.TextDocument, visible: vscode.Range): Promise<vscode.InlayHint[]> {
    const state = await this.stateOf(document);
    const code = this.code;
    if (!state || !code) return [];
    const slot = this.rangeOf(document, state);
    if (!slot) return [];
    const label = code.inlayLabel(state.view, document.getText().slice(slot.start, slot.end));
    const at = document.positionAt(slot.end);
    if (!label || !visible.contains(at)) return [];
    const hint = new vscode.InlayHint(at, label);
    hint.paddingLeft = true;
    hint.tooltip = 'The best prompt found for this slot: hover the slot for all of them, or use Apply on the line above.';
    return [hint];
  }

  dispose(): void {
    if (this.redrawTimer) clearTimeout(this.redrawTimer);
    this.watcher?.dispose();
    this.changed.dispose();
  }

  private followEdits(e: vscode.TextDocumentChangeEvent): void {
    const state = this.states.get(e.document.uri.fsPath);
    if (!state?.range || !this.code || e.contentChanges.length === 0) return;
    if (state.filledVersion !== undefined && e.document.version <= state.filledVersion) return;
    const before = state.range;
    state.range = this.code.shiftSlotBy(
      before,
      e.contentChanges.map((c) => ({ offset: c.rangeOffset, length: c.rangeLength, text: c.text })),
    );
    if (!state.range) state.hint = before;
    this.redrawSoon();
  }

  /** Live progress redraws the lenses at most twice a second. */
  private redrawSoon(): void {
    this.redrawTimer ??= setTimeout(() => {
      this.redrawTimer = undefined;
      this.changed.fire();
    }, 500);
  }

  private report(read: RlRead | undefined): void {
    if (read?.problem === undefined || this.reported.has(read.problem)) return;
    this.reported.add(read.problem);
    this.ctx.output.warn(`RL prompt hints: ${read.problem}`);
  }

  /** Started with the first .prompt file shown: runs finished elsewhere (CLI, panel) update the hints. */
  private watchRuns(): void {
    this.watcher ??= watchRunRecords(() => this.refresh());
  }
}

/**
 * Does the state this window holds win over what the run store says? A running search does; a
 * finished one from this window does unless the store has a different run that ended after it.
 */
function keepsOver(known: SlotState, stored: SlotState | null): boolean {
  if (!known.fromWindow) return false;
  if (known.view.status === 'running') return true;
  if (!stored || stored.view.runId === known.view.runId) return true;
  return (stored.view.endedAt ?? '') <= (known.finishedAt ?? '');
}

export function registerRlPromptHints(ctx: PromptsmithContext): RlPromptHints {
  const hints = ctx.own(new RlPromptHints(ctx));
  ctx.own(vscode.languages.registerCodeLensProvider(SELECTOR, hints));
  ctx.own(vscode.languages.registerHoverProvider(SELECTOR, hints));
  ctx.own(vscode.languages.registerInlayHintsProvider(SELECTOR, hints));
  return hints;
}
