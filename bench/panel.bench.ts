// Runs panel throughput: how long the built panel takes, in headless Chromium under its real CSP,
// to show a 20,000-step run from history, and what each animation frame costs while 20,000 live
// events stream in (50 per message). The downsampler is also timed on its own in node.
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import {
  AFTER_PAINT,
  browserUnavailable,
  launchChromium,
  openPanelPage,
  sendToPanel,
  startHarness,
} from '../test/unit/panel/harness/panelHarness';
import { detailMessage, historyMessage, liveRunMessage, progressEvents } from '../test/unit/panel/harness/sampleRuns';
import { seriesFromEvents } from '../src/protocol/panelMessages';
import { downsampleMinMax } from '../webview/downsample';
import type { BenchRow } from './benchRow';

const N = 20_000;
const BENCH = 'panel';

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function downsampleRow(): BenchRow {
  const series = seriesFromEvents(progressEvents(N, 'soft', 2));
  const times: number[] = [];
  let points = 0;
  for (let i = 0; i < 20; i++) {
    const t0 = performance.now();
    points = downsampleMinMax({ x: series.step, ys: [series.loss, series.reward, series.train_acc, series.dev_acc] }, 2000).x.length;
    times.push(performance.now() - t0);
  }
  return { bench: BENCH, metric: `downsample ${N} steps × 4 series (node)`, value: Number(median(times).toFixed(2)), unit: 'ms', note: `${points} points kept` };
}

export default async function panelBench(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [downsampleRow()];
  // Shared machines make browser timings noisy: say how busy this one was.
  const load = `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  const repoRoot = resolve(process.cwd());
  const unavailable = browserUnavailable(repoRoot);
  if (unavailable) {
    rows.push({ bench: BENCH, metric: `render ${N}-point history (Chromium)`, value: Number.NaN, unit: 'ms', note: `not measured: ${unavailable}` });
    return rows;
  }
  const harness = await startHarness(repoRoot);
  const browser = await launchChromium(repoRoot);
  try {
    const { page, problems } = await openPanelPage(browser, harness, { width: 1200, height: 900 });
    const runId = '20261127-012000-soft-sentiment';
    await sendToPanel(page, [historyMessage]);
    await page.evaluate(`(() => { __promptsmithPanel.showTab('history'); __promptsmithPanel.openRun('${runId}'); })()`);
    const detail = JSON.stringify(detailMessage(runId, 'soft', N, 4));

    // History: validate the message, build the view, downsample, draw both charts; then paint.
    const history = await page.evaluate<{ script: number[]; paint: number[]; points: number }>(`(async () => {
      const msg = ${detail};
      const script = [], paint = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        __promptsmithPanel.receive(msg);
        // The charts are built and drawn in microtasks; wait for those, not for a timer.
        await new Promise((r) => queueMicrotask(r));
        const t1 = performance.now();
        await ${AFTER_PAINT};
        script.push(t1 - t0);
        paint.push(performance.now() - t0);
      }
      return { script, paint, points: document.querySelectorAll('.run-detail canvas').length };
    })()`);
    if (history.points !== 2) throw new Error(`history view drew ${history.points} charts, expected 2`);
    rows.push({ bench: BENCH, metric: `render ${N}-point history: validate + build + draw (Chromium)`, value: Number(median(history.script).toFixed(1)), unit: 'ms', target: '< 100', note: load });
    rows.push({ bench: BENCH, metric: `render ${N}-point history: to next paint (Chromium)`, value: Number(median(history.paint).toFixed(1)), unit: 'ms', note: `includes waiting for two animation frames; ${load}` });

    // Live: 400 messages of 50 events; each message followed by the frame's flush (worst case).
    await page.evaluate(`__promptsmithPanel.showTab('live')`);
    await sendToPanel(page, [liveRunMessage]);
    const liveId = liveRunMessage.type === 'liveRun' ? liveRunMessage.run.runId : '';
    const events = JSON.stringify(progressEvents(N, 'rl', 6));
    const live = await page.evaluate<{ frames: number[]; total: number }>(`(async () => {
      const events = ${events};
      const frames = [];
      const t0 = performance.now();
      for (let i = 0; i < events.length; i += 50) {
        const f0 = performance.now();
        __promptsmithPanel.receive({ type: 'taskEvents', runId: '${liveId}', events: events.slice(i, i + 50) });
        __promptsmithPanel.flush();
        // uPlot draws in a microtask: wait for it, but not for a timer (nested timers clamp to 4 ms).
        await new Promise((r) => queueMicrotask(r));
        frames.push(performance.now() - f0);
        if (i % 1000 === 0) await new Promise((r) => setTimeout(r, 0));
      }
      await ${AFTER_PAINT};
      return { frames, total: performance.now() - t0 };
    })()`);
    const late = live.frames.slice(-100);
    rows.push({
      bench: BENCH,
      metric: `live frame cost at ${N - 5000}–${N} points (50 events/frame, Chromium)`,
      value: Number(median(late).toFixed(2)),
      unit: 'ms',
      target: '< 16',
      note: `p95 ${late.sort((a, b) => a - b)[Math.floor(late.length * 0.95)]!.toFixed(2)} ms; ${load}`,
    });
    rows.push({ bench: BENCH, metric: `live: ingest ${N} events in 400 messages (Chromium)`, value: Number(live.total.toFixed(0)), unit: 'ms' });
    const csp = problems.filter((p) => /Content Security Policy|Refused to|pageerror/.test(p));
    if (csp.length > 0) throw new Error(`panel problems during the benchmark: ${csp.join('; ')}`);
  } finally {
    await browser.close();
    await harness.close();
  }
  return rows;
}
