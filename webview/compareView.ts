// Several runs side by side: one chart (a chosen metric, one line per run) and one table.
import uPlot from 'uplot';
import { type MetricSeries, type RunDetailView, SERIES_METRICS, type SeriesMetric } from '../src/protocol/panelMessages';
import { LineChart, PALETTE } from './chart';
import { el } from './dom';
import { downsampleMinMax } from './downsample';
import { fmtNumber } from './format';
import { accuracyGap, formatPercent, formatPoints } from '../src/protocol/format';
import { makeTable } from './table';

const METRIC_LABEL: Record<SeriesMetric, string> = { loss: 'loss', reward: 'reward', train_acc: 'train accuracy', dev_acc: 'dev accuracy' };

function lastValue(series: MetricSeries, metric: SeriesMetric): number | undefined {
  const values = series[metric];
  for (let i = values.length - 1; i >= 0; i--) if (values[i] !== null) return values[i]!;
  return undefined;
}

export function renderCompare(
  details: RunDetailView[],
  metric: SeriesMetric,
  onMetric: (metric: SeriesMetric) => void,
): { element: HTMLElement; dispose: () => void } {
  const select = el('vscode-single-select', { 'aria-label': 'Metric to compare' }, SERIES_METRICS.map((m) => el('vscode-option', m === metric ? { value: m, selected: '' } : { value: m }, [METRIC_LABEL[m]])));
  select.addEventListener('change', () => {
    const value = (select as HTMLElement & { value: string }).value as SeriesMetric;
    if (SERIES_METRICS.includes(value)) onMetric(value);
  });
  const percent = metric === 'train_acc' || metric === 'dev_acc';
  const names = details.map((d) => `${d.item.kind ?? '?'} · ${d.item.name ?? d.item.id}`);
  const chart = new LineChart(
    `Compare: ${METRIC_LABEL[metric]}`,
    details.map((_, i) => ({ label: names[i]!, colorVar: PALETTE[i % PALETTE.length]!, percent })),
  );
  // Each run downsampled on its own, then aligned on the union of their steps.
  const tables = details.map((d) => {
    const s = downsampleMinMax({ x: d.series.step, ys: [d.series[metric]] }, 2000);
    return [s.x, s.ys[0]!] as uPlot.AlignedData;
  });
  const table = makeTable(
    ['run', 'kind', 'status', 'steps', 'loss', 'reward', 'train acc', 'dev acc', 'test acc', 'gap', 'best prompt'],
    details.map((d, i) => {
      const final = d.result?.metrics ?? {};
      const pick = (m: SeriesMetric) => final[m] ?? lastValue(d.series, m);
      return [
        names[i]!,
        d.item.kind ?? '—',
        d.item.status ?? '—',
        String(d.series.step.at(-1) ?? 0),
        fmtNumber(pick('loss')),
        fmtNumber(pick('reward')),
        formatPercent(pick('train_acc')),
        formatPercent(pick('dev_acc')),
        formatPercent(final.test_acc),
        formatPoints(accuracyGap({ train: pick('train_acc') ?? null, dev: pick('dev_acc') ?? null, test: final.test_acc ?? null }).value),
        d.bestPrompts[0] ? JSON.stringify(d.bestPrompts[0].text) : '—',
      ];
    }),
    { label: 'Compared runs' },
  );
  const element = el('section', { class: 'compare', 'aria-label': 'Compare runs' }, [el('h2', {}, [`Comparing ${details.length} runs`]), el('label', { class: 'inline' }, ['Metric ', select]), chart.element, table]);
  queueMicrotask(() => {
    const joined = tables.length === 1 ? tables[0]! : uPlot.join(tables);
    chart.setColumns(joined[0] as number[], joined.slice(1) as (number | null)[][]);
  });
  return { element, dispose: () => chart.destroy() };
}
