// The History tab: every run of the workspace, filtered by prompt file and kind; open one to see
// its curves and results, or tick several and compare them in one chart and one table.
import type { RunDetailView, RunListItem, SeriesMetric } from '../src/protocol/panelMessages';
import { TASK_KINDS } from '../src/protocol/taskEvents';
import { renderCompare } from './compareView';
import { button, el, replaceChildren } from './dom';
import { clippable, dateCell, HISTORY_COLUMNS, type HistoryLayout, historyLayoutFor, runCard, runSummary } from './historyLayout';
import { renderRunDetail } from './runDetail';
import { makeTable } from './table';
import { type PanelState, post } from './vscodeApi';

export class HistoryView {
  readonly element = el('section', { class: 'history', 'aria-label': 'Run history' });
  private runs: RunListItem[] = [];
  private readonly details = new Map<string, RunDetailView>();
  private readonly filters = el('div', { class: 'filters', role: 'search' });
  private readonly list = el('div', { class: 'run-list' });
  private readonly detailHost = el('div');
  private disposeDetail: (() => void) | undefined;
  /** Undefined until the first layout: vscode-table applies column widths only once it has a width. */
  private layout: HistoryLayout | undefined;

  constructor(
    private readonly state: PanelState,
    private readonly saveState: () => void,
  ) {
    this.element.append(this.filters, this.list, this.detailHost);
    this.renderAll();
    // A half-width editor group cannot show eight columns: change the list's layout with the width.
    new ResizeObserver(([entry]) => {
      const layout = historyLayoutFor(entry?.contentRect.width ?? 0);
      if (entry && entry.contentRect.width > 0 && layout !== this.layout) {
        this.layout = layout;
        this.renderList();
      }
    }).observe(this.element);
  }

  setRuns(runs: RunListItem[]): void {
    this.runs = runs;
    const known = new Set(runs.map((r) => r.id));
    this.state.compareIds = this.state.compareIds.filter((id) => known.has(id));
    if (this.state.openRunId && !known.has(this.state.openRunId)) this.state.openRunId = undefined;
    this.saveState();
    this.renderAll();
    this.requestMissing();
  }

  setDetail(detail: RunDetailView): void {
    this.details.set(detail.item.id, detail);
    this.renderDetail();
  }

  private visibleRuns(): RunListItem[] {
    return this.runs.filter(
      (r) => (!this.state.filterPrompt || r.promptFile === this.state.filterPrompt) && (!this.state.filterKind || r.kind === this.state.filterKind),
    );
  }

  private renderAll(): void {
    this.renderFilters();
    this.renderList();
    this.renderDetail();
  }

  private renderFilters(): void {
    const prompts = [...new Set(this.runs.map((r) => r.promptFile).filter((p): p is string => !!p))].sort();
    const promptSelect = select('Prompt file', [['', 'all prompt files'], ...prompts.map((p): [string, string] => [p, p])], this.state.filterPrompt, (v) => {
      this.state.filterPrompt = v;
      this.saveState();
      this.renderList();
    });
    const kindSelect = select('Kind', [['', 'all kinds'], ...TASK_KINDS.map((k): [string, string] => [k, k])], this.state.filterKind, (v) => {
      this.state.filterKind = v;
      this.saveState();
      this.renderList();
    });
    const n = this.state.compareIds.length;
    replaceChildren(this.filters, [
      el('label', { class: 'inline' }, ['Prompt ', promptSelect]),
      el('label', { class: 'inline' }, ['Kind ', kindSelect]),
      button('Refresh', () => post({ type: 'refreshHistory' }), { secondary: true, title: 'Reload the runs from .promptsmith/runs' }),
      button(`Compare selected (${n})`, () => this.openCompare(), { disabled: n < 2, title: 'Compare the ticked runs' }),
    ]);
  }

  private renderList(): void {
    const runs = this.visibleRuns();
    if (this.runs.length === 0) {
      replaceChildren(this.list, [el('p', { class: 'muted' }, ['No runs yet in this workspace (.promptsmith/runs).'])]);
      return;
    }
    const layout = this.layout ?? 'wide';
    const rows = runs.map((r) => {
      const tick = el('vscode-checkbox', { 'aria-label': `Compare ${r.name ?? r.id}` });
      if (this.state.compareIds.includes(r.id)) tick.setAttribute('checked', '');
      if (r.problem) tick.setAttribute('disabled', '');
      tick.addEventListener('change', () => {
        const checked = (tick as HTMLElement & { checked: boolean }).checked;
        this.state.compareIds = checked ? [...new Set([...this.state.compareIds, r.id])].slice(-8) : this.state.compareIds.filter((id) => id !== r.id);
        this.saveState();
        this.renderFilters();
      });
      const status = r.problem ? el('span', { class: 'error', title: r.problem }, ['damaged']) : el('span', { class: `status status-${r.status}` }, [r.interrupted ? 'interrupted' : (r.status ?? '—')]);
      const actions = el('span', { class: 'row-actions' }, [
        button('Open', () => this.openRun(r.id), { secondary: true, title: `Open run ${r.id}` }),
        r.resumable ? button('Resume', () => post({ type: 'resumeRun', runId: r.id }), { secondary: true, title: `Resume run ${r.id}` }) : null,
      ]);
      if (layout === 'narrow') return runCard(r, tick, status, actions);
      const cells = [
        tick,
        dateCell(r.createdAt),
        r.kind ?? '—',
        r.problem ? el('span', { title: r.problem }, [r.id]) : el('span', { title: runSummary(r) }, [r.name ?? r.id]),
        r.promptFile ? clippable(r.promptFile) : '—',
        r.model ? clippable(r.model) : '—',
        status,
        actions,
      ];
      return cells.filter((_, i) => HISTORY_COLUMNS[layout].keep[i]);
    });
    const hidden = runs.length < this.runs.length ? el('p', { class: 'muted' }, [`${this.runs.length - runs.length} runs hidden by the filters.`]) : null;
    if (layout === 'narrow') {
      replaceChildren(this.list, [el('ul', { class: 'run-cards', 'aria-label': 'Runs' }, rows as HTMLElement[]), hidden]);
      return;
    }
    const columns = HISTORY_COLUMNS[layout];
    replaceChildren(this.list, [makeTable(columns.headers, rows as Node[][], { label: 'Runs', rowHeight: 32, columns: columns.widths }), hidden]);
  }

  openRun(runId: string): void {
    this.state.openRunId = runId;
    this.state.compareOpen = false;
    this.saveState();
    this.requestMissing();
    this.renderDetail();
  }

  /** Shows the comparison of the ticked runs (or of `runIds`). */
  openCompare(runIds?: string[]): void {
    if (runIds) this.state.compareIds = runIds.slice(0, 8);
    this.state.compareOpen = true;
    this.state.openRunId = undefined;
    this.saveState();
    this.renderFilters();
    this.renderList();
    this.requestMissing();
    this.renderDetail();
  }

  /** Asks the extension for the details the current view needs and does not have. */
  private requestMissing(): void {
    const wanted = this.state.compareOpen ? this.state.compareIds : this.state.openRunId ? [this.state.openRunId] : [];
    const missing = wanted.filter((id) => !this.details.has(id) && this.runs.some((r) => r.id === id));
    if (missing.length > 0) post({ type: 'loadRuns', runIds: missing.slice(0, 8) });
  }

  private renderDetail(): void {
    this.disposeDetail?.();
    this.disposeDetail = undefined;
    if (this.state.compareOpen && this.state.compareIds.length >= 2) {
      const details = this.state.compareIds.map((id) => this.details.get(id)).filter((d): d is RunDetailView => d !== undefined);
      if (details.length < this.state.compareIds.length) {
        replaceChildren(this.detailHost, [el('p', { class: 'muted' }, ['Loading runs…'])]);
        return;
      }
      const view = renderCompare(details, this.state.compareMetric, (metric: SeriesMetric) => {
        this.state.compareMetric = metric;
        this.saveState();
        this.renderDetail();
      });
      replaceChildren(this.detailHost, [view.element]);
      this.disposeDetail = view.dispose;
      return;
    }
    const id = this.state.openRunId;
    if (!id) {
      replaceChildren(this.detailHost, []);
      return;
    }
    const detail = this.details.get(id);
    if (!detail) {
      replaceChildren(this.detailHost, [el('p', { class: 'muted' }, ['Loading run…'])]);
      return;
    }
    const view = renderRunDetail(detail, () => {
      this.state.openRunId = undefined;
      this.saveState();
      this.renderDetail();
    });
    replaceChildren(this.detailHost, [view.element]);
    this.disposeDetail = view.dispose;
  }
}

function select(label: string, options: Array<[string, string]>, value: string, onChange: (value: string) => void): HTMLElement {
  const s = el(
    'vscode-single-select',
    { 'aria-label': label },
    options.map(([v, text]) => el('vscode-option', v === value ? { value: v, selected: '' } : { value: v }, [text])),
  );
  s.addEventListener('change', () => onChange((s as HTMLElement & { value: string }).value));
  return s;
}
