// The Live tab: the running task's curves, speed, elapsed and ETA, best prompts, model and
// device, and pause/resume/cancel.
import { isFinalStatus } from '../src/protocol/taskEvents';
import { button, el, replaceChildren } from './dom';
import { fmtDuration, fmtNumber } from './format';
import { formatPercent } from '../src/protocol/format';
import { bestPromptsTable } from './bestPromptsTable';
import { generalizationSection } from './generalizationTable';
import type { LiveRun, LiveRuns } from './liveRuns';
import { RunCharts } from './runCharts';
import { post } from './vscodeApi';

export class LiveView {
  readonly element = el('section', { class: 'live', 'aria-label': 'Live run' });
  private selectedId: string | undefined;
  private charts: RunCharts | undefined;
  private chartsFor: string | undefined;
  private readonly picker = el('div', { class: 'run-picker', role: 'group', 'aria-label': 'Live runs' });
  private readonly header = el('div', { class: 'run-header' });
  private readonly stats = el('dl', { class: 'stats', 'aria-live': 'off' });
  private readonly controls = el('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Task controls' });
  private readonly chartHost = el('div');
  private readonly prompts = el('div', { class: 'prompts' });
  private readonly outcome = el('div', { class: 'outcome' });
  private outcomeShown: unknown;
  private promptsShown = -1;
  /** Header and buttons are rebuilt only when they change, so keyboard focus is not lost per frame. */
  private headerKey = '';

  constructor(private readonly live: LiveRuns) {
    this.element.append(this.picker, this.header, this.controls, this.stats, this.outcome, this.chartHost, el('h3', {}, ['Best prompts']), this.prompts);
    this.render();
  }

  /** Called once per animation frame with the runs whose events were applied. */
  update(changed: Set<string>): void {
    const newest = [...this.live.runs.keys()].at(-1);
    if (this.selectedId === undefined || !this.live.runs.has(this.selectedId)) this.selectedId = newest;
    if (this.selectedId !== undefined && (changed.has(this.selectedId) || this.chartsFor !== this.selectedId)) this.render();
    else this.renderPicker();
  }

  private select(runId: string): void {
    this.selectedId = runId;
    this.render();
  }

  private renderPicker(): void {
    const runs = [...this.live.runs.values()];
    if (runs.length < 2) {
      replaceChildren(this.picker, []);
      return;
    }
    replaceChildren(
      this.picker,
      runs.map((r) => {
        const b = button(`${r.info.label} (${r.status})`, () => this.select(r.info.runId), { secondary: r.info.runId !== this.selectedId });
        b.setAttribute('aria-pressed', String(r.info.runId === this.selectedId));
        return b;
      }),
    );
  }

  private render(): void {
    this.renderPicker();
    const run = this.selectedId ? this.live.runs.get(this.selectedId) : undefined;
    if (!run) {
      replaceChildren(this.header, [el('p', { class: 'muted' }, ['No task is running. Start an evaluation or a tuning run from a .prompt file; past runs are in History.'])]);
      replaceChildren(this.stats, []);
      replaceChildren(this.controls, []);
      replaceChildren(this.prompts, []);
      replaceChildren(this.outcome, []);
      this.outcomeShown = undefined;
      this.headerKey = '';
      return;
    }
    this.renderHeader(run);
    this.renderStats(run);
    if (this.outcomeShown !== run.result) {
      this.outcomeShown = run.result;
      replaceChildren(this.outcome, run.result ? generalizationSection(run.result) : []);
    }
    if (this.chartsFor !== run.info.runId) {
      this.charts?.destroy();
      this.charts = new RunCharts();
      this.chartsFor = run.info.runId;
      replaceChildren(this.chartHost, [this.charts.element]);
      this.promptsShown = -1;
    }
    this.charts!.update(run.series);
    if (this.promptsShown !== run.promptsVersion) {
      this.promptsShown = run.promptsVersion;
      replaceChildren(this.prompts, [bestPromptsTable(run.info.runId, run.bestPrompts, { canApply: true })]);
    }
  }

  private renderHeader(run: LiveRun): void {
    const { info } = run;
    const key = JSON.stringify([info, run.status, run.message]);
    if (key === this.headerKey) return;
    this.headerKey = key;
    replaceChildren(this.header, [
      el('h2', {}, [info.label]),
      el('span', { class: `status status-${run.status}`, role: 'status' }, [run.status]),
      el('span', { class: 'meta' }, [`${info.kind} · model ${info.model} · device ${info.device}${info.promptFile ? ` · ${info.promptFile}` : ''}`]),
      run.message ? el('p', { class: run.status === 'failed' ? 'error' : 'muted' }, [run.message]) : null,
    ]);
    const id = info.runId;
    const final = isFinalStatus(run.status);
    replaceChildren(this.controls, [
      run.status === 'paused'
        ? button('Resume', () => post({ type: 'taskControl', action: 'resume', runId: id }), { title: 'Resume the task' })
        : button('Pause', () => post({ type: 'taskControl', action: 'pause', runId: id }), { secondary: true, disabled: run.status !== 'running', title: 'Pause the task' }),
      button('Cancel', () => post({ type: 'taskControl', action: 'cancel', runId: id }), { secondary: true, disabled: final, title: 'Cancel the task' }),
      final && run.status !== 'completed' ? button('Resume run', () => post({ type: 'resumeRun', runId: id }), { title: 'Resume from the last checkpoint' }) : null,
    ]);
  }

  private renderStats(run: LiveRun): void {
    const p = run.last;
    const item = (label: string, value: string) => [el('dt', {}, [label]), el('dd', {}, [value])];
    replaceChildren(this.stats, [
      ...item('step', p ? `${p.step} / ${p.totalSteps}` : '—'),
      ...item('steps/s', fmtNumber(p?.steps_per_s, 3)),
      ...item('elapsed', fmtDuration(p?.elapsed_s)),
      ...item('ETA', fmtDuration(p?.eta_s)),
      ...item('loss', fmtNumber(p?.loss)),
      ...item('reward', fmtNumber(p?.reward)),
      ...item('train acc', formatPercent(p?.train_acc)),
      ...item('dev acc', formatPercent(p?.dev_acc)),
    ]);
  }
}
