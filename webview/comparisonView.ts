// A comparison run's view: one row per method with its test accuracy, the 95 % interval, what
// McNemar's test against the hand-written prompt says, dev and train beside it, and the cost;
// then horizontal bars of test accuracy with the interval drawn across each (plain DOM, no chart
// library: a handful of rows). Everything goes in through textContent.
import { formatPercent } from '../src/protocol/format';
import { baselineRow, type CompareRow, rowLabel, verdict } from '../src/protocol/methods/compare';
import { el } from './dom';
import { makeTable } from './table';

/** Bars of test accuracy on one 0–100 % scale, the interval as a line across each. */
function testBars(rows: readonly CompareRow[]): HTMLElement {
  const list = el('div', { class: 'comparison-bars', role: 'img', 'aria-label': 'Test accuracy by method, with 95 % intervals' });
  for (const row of rows) {
    if (row.test_acc === null) continue;
    const track = el('div', { class: 'bar-track' });
    const bar = el('div', { class: `bar bar-${row.method === 'manual' ? 'manual' : 'method'}` });
    bar.style.width = `${(row.test_acc * 100).toFixed(1)}%`;
    track.append(bar);
    if (row.test_ci) {
      const ci = el('div', { class: 'bar-ci', title: `95 % interval ${formatPercent(row.test_ci[0])}–${formatPercent(row.test_ci[1])}` });
      ci.style.left = `${(row.test_ci[0] * 100).toFixed(1)}%`;
      ci.style.width = `${((row.test_ci[1] - row.test_ci[0]) * 100).toFixed(1)}%`;
      track.append(ci);
    }
    list.append(el('div', { class: 'bar-row' }, [el('span', { class: 'bar-label' }, [rowLabel(row)]), track, el('span', { class: 'bar-value' }, [formatPercent(row.test_acc)])]));
  }
  return list;
}

export function comparisonSection(rows: readonly CompareRow[]): HTMLElement[] {
  const manual = baselineRow(rows);
  const cells = rows.map((r) =>
    r.status === 'done'
      ? [
          rowLabel(r),
          formatPercent(r.test_acc),
          r.test_ci ? `${formatPercent(r.test_ci[0])}–${formatPercent(r.test_ci[1])}` : '—',
          verdict(r, manual),
          formatPercent(r.dev_acc),
          formatPercent(r.train_acc),
          r.trainable_params.toLocaleString('en-US'),
          `${r.seconds.toFixed(0)} s`,
          `${r.peak_rss_mb.toFixed(0)} MiB`,
        ]
      : [rowLabel(r), r.status, '', r.note ?? '', '', '', '', '', ''],
  );
  return [
    el('h3', {}, ['Methods compared on the test split']),
    el('p', { class: 'muted' }, ['Test: held out, used by no method to train, select or stop. The interval is 95 % (Wilson); "vs hand-written" is McNemar\'s exact test on the same rows.']),
    testBars(rows),
    makeTable(['method', 'test', '95 % interval', 'vs hand-written', 'dev', 'train', 'trainable', 'time', 'peak RSS'], cells, { label: 'Comparison of adaptation methods' }),
  ];
}
