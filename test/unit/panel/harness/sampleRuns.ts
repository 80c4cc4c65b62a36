// Sample messages for the harness: a live RL run with many progress events, best prompts, and a
// history with a soft run, an RL run, an evaluation and a damaged folder. Generated from a fixed
// seed (deterministic), shaped like what the trainers emit.
import type { CompareRow } from '../../../../src/protocol/methods/compare';
import type { ExtensionToPanel, RunDetailView } from '../../../../src/protocol/panelMessages';
import { seriesFromEvents } from '../../../../src/protocol/panelMessages';
import type { ProgressEvent, TaskEvent } from '../../../../src/protocol/taskEvents';

function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/** `n` progress events of a run that learns: loss falls, reward and accuracies rise, noisily. */
export function progressEvents(n: number, kind: 'rl' | 'soft', seed = 1): ProgressEvent[] {
  const rand = rng(seed);
  const events: ProgressEvent[] = [];
  for (let i = 1; i <= n; i++) {
    const t = i / n;
    const e: ProgressEvent = { type: 'progress', step: i, totalSteps: n, elapsed_s: i * 0.05, steps_per_s: 20 + rand(), eta_s: (n - i) * 0.05 };
    if (kind === 'soft') e.loss = 0.7 * Math.exp(-3 * t) + 0.08 * rand();
    else e.reward = -20 + 60 * (1 - Math.exp(-4 * t)) + 15 * (rand() - 0.5);
    if (i % 25 === 0) {
      e.train_acc = Math.min(1, 0.5 + 0.4 * t + 0.05 * rand());
      e.dev_acc = Math.min(1, 0.5 + 0.3 * t + 0.05 * rand());
    }
    events.push(e);
  }
  return events;
}

export const bestPromptsEvent: TaskEvent = {
  type: 'bestPrompts',
  step: 400,
  rows: [
    { text: ' Absolutely Review Rating', tokens: [' Absolutely', ' Review', ' Rating'], ids: [4711, 1299, 6431], reward: 31.4, train_acc: 0.91, dev_acc: 0.86 },
    { text: ' The story felt', tokens: [' The', ' story', ' felt'], ids: [450, 5828, 7091], reward: 27.9, train_acc: 0.88, dev_acc: 0.84 },
    { text: ' <script>alert(1)</script>', tokens: [' <', 'script', '>'], ids: [1, 2, 3], reward: 12.2, train_acc: 0.7, dev_acc: 0.66 },
  ],
};

export const liveRunMessage: ExtensionToPanel = {
  type: 'liveRun',
  run: { runId: '20261127-013000-rl-sentiment', label: 'RL prompt · sentiment.prompt', kind: 'rl', model: 'stories260k-hf', device: 'cpu', status: 'running', promptFile: 'examples/sentiment.prompt' },
};

export const historyMessage: ExtensionToPanel = {
  type: 'history',
  runs: [
    { id: '20261127-013000-rl-sentiment', kind: 'rl', name: 'sentiment', promptFile: 'examples/sentiment.prompt', model: 'stories260k-hf', device: 'cpu', status: 'running', createdAt: '2026-11-27T01:30:00Z', interrupted: false, resumable: false },
    { id: '20261127-012000-soft-sentiment', kind: 'soft', name: 'sentiment', promptFile: 'examples/sentiment.prompt', model: 'stories260k-hf', device: 'cpu', status: 'completed', createdAt: '2026-11-27T01:20:00Z', interrupted: false, resumable: false },
    { id: '20261127-011000-eval-sentiment', kind: 'eval', name: 'sentiment', promptFile: 'examples/sentiment.prompt', model: 'stories260k-hf', device: 'cpu', status: 'completed', createdAt: '2026-11-27T01:10:00Z', interrupted: false, resumable: false },
    { id: '20261127-010000-soft-topic', kind: 'soft', name: 'topic', promptFile: 'examples/topic.prompt', model: 'stories260k-hf', device: 'cpu', status: 'running', createdAt: '2026-11-27T01:00:00Z', interrupted: true, resumable: true },
    { id: '20261126-230000-rl-old', interrupted: false, resumable: false, problem: '.promptsmith/runs/20261126-230000-rl-old/run.json: schemaVersion 2 is newer than this Promptsmith supports (1); update the extension to read it' },
  ],
};

export function detailMessage(id: string, kind: 'rl' | 'soft', n: number, seed: number): ExtensionToPanel {
  const events = progressEvents(n, kind, seed);
  const item = historyMessage.type === 'history' ? historyMessage.runs.find((r) => r.id === id)! : { id, interrupted: false, resumable: false };
  const detail: RunDetailView = {
    item,
    series: seriesFromEvents(events),
    bestPrompts: bestPromptsEvent.type === 'bestPrompts' ? bestPromptsEvent.rows.slice(0, 2) : [],
    // A soft run reports test and the hand-written baseline with its data warnings; the RL one has no test split.
    result:
      kind === 'soft'
        ? {
            metrics: { train_acc: 1, dev_acc: 0.984, test_acc: 0.695, manual_train_acc: 0.625, manual_dev_acc: 0.594, manual_test_acc: 0.795 },
            summary: `${n} steps`,
            warnings: ['64 of 64 dev rows (100%) are near-copies of training rows <b>(names differ)</b>'],
          }
        : { metrics: { dev_acc: 0.84, train_acc: 0.9 }, summary: `${n} steps` },
    last: events.at(-1)!,
    warnings: ['metrics.jsonl line 401: truncated last line ignored (the run was interrupted while writing)'],
  };
  return { type: 'runDetail', detail };
}

/** A finished comparison run: four methods on the test split, one that would not fit. */
export function comparisonDetailMessage(): ExtensionToPanel {
  const row = (method: CompareRow['method'], test: number, p: number | null, params: number): CompareRow => ({
    method,
    status: 'done',
    train_acc: 0.7,
    dev_acc: 0.6,
    test_acc: test,
    test_ci: [test - 0.06, test + 0.05],
    vs_manual_p: p,
    trainable_params: params,
    seconds: 12,
    peak_rss_mb: 210,
    artifact: null,
  });
  const rows: CompareRow[] = [
    row('manual', 0.795, null, 0),
    row('soft', 0.78, 0.51, 512),
    row('bbt', 0.62, 0.0002, 500),
    row('lora', 0.85, 0.14, 17920),
    { ...row('finetune', 0, null, 0), status: 'skipped', note: 'the estimate <i>(4 GiB)</i> does not fit', test_acc: null, test_ci: null },
  ];
  const item = { id: '20261205-015137-compare-sentiment', kind: 'compare' as const, name: 'sentiment', status: 'completed' as const, interrupted: false, resumable: false };
  return { type: 'runDetail', detail: { item, series: seriesFromEvents([]), bestPrompts: [], warnings: [], result: { metrics: { manual_test_acc: 0.795 }, comparison: rows, summary: 'best on test: lora 85.0% of 5 methods' } } };
}
