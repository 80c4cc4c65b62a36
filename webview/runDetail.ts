// One past run opened from History: its record, problems, curves, final metrics and best prompts.
import type { RunDetailView } from '../src/protocol/panelMessages';
import { bestPromptsTable } from './bestPromptsTable';
import { button, el } from './dom';
import { fmtDate, fmtDuration, fmtNumber } from './format';
import { comparisonSection } from './comparisonView';
import { generalizationSection } from './generalizationTable';
import { RunCharts } from './runCharts';
import { makeTable } from './table';
import { post } from './vscodeApi';

/** Builds the detail section; returns it with a disposer for its charts. */
export function renderRunDetail(detail: RunDetailView, onClose: () => void): { element: HTMLElement; dispose: () => void } {
  const { item } = detail;
  const element = el('section', { class: 'run-detail', 'aria-label': `Run ${item.id}` });
  element.append(
    el('div', { class: 'run-header' }, [
      el('h2', {}, [item.name ?? item.id]),
      item.status ? el('span', { class: `status status-${item.status}` }, [item.interrupted ? 'interrupted' : item.status]) : null,
      el('span', { class: 'meta' }, [
        [item.kind, item.model && `model ${item.model}`, item.device && `device ${item.device}`, item.promptFile, fmtDate(item.createdAt)].filter(Boolean).join(' · '),
      ]),
    ]),
    el('div', { class: 'controls' }, [
      button('Close', onClose, { secondary: true, title: 'Close this run' }),
      item.resumable ? button('Resume run', () => post({ type: 'resumeRun', runId: item.id }), { title: 'Resume from the last checkpoint' }) : null,
    ]),
  );
  if (item.problem) element.append(el('p', { class: 'error', role: 'alert' }, [item.problem]));
  for (const warning of detail.warnings) element.append(el('p', { class: 'warning' }, [warning]));

  const last = detail.last;
  if (last) element.append(el('p', { class: 'muted' }, [`${last.step} / ${last.totalSteps} steps in ${fmtDuration(last.elapsed_s)}`]));
  let charts: RunCharts | undefined;
  if (detail.series.step.length > 0) {
    charts = new RunCharts();
    element.append(charts.element);
    // Draw after insertion so the charts know their width.
    queueMicrotask(() => charts?.update(detail.series));
  }
  if (detail.result) {
    const metrics = Object.entries(detail.result.metrics);
    element.append(el('h3', {}, ['Result']));
    if (detail.result.summary) element.append(el('p', {}, [detail.result.summary]));
    if (detail.result.comparison) element.append(...comparisonSection(detail.result.comparison));
    element.append(...generalizationSection(detail.result));
    if (metrics.length > 0) element.append(makeTable(['metric', 'value'], metrics.map(([k, v]) => [k, fmtNumber(v, 5)]), { label: 'Result metrics' }));
  }
  element.append(el('h3', {}, ['Best prompts']), bestPromptsTable(item.id, detail.bestPrompts, { canApply: !item.problem }));
  return { element, dispose: () => charts?.destroy() };
}
