import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError } from '../../../src/protocol/guards';
import { MAX_APPLY_TEXT, parseExtensionToPanel, parsePanelToExtension, seriesFromEvents } from '../../../src/protocol/panelMessages';
import { parseTaskEvent } from '../../../src/protocol/taskEvents';

test('well-formed webview messages parse to exactly their fields', () => {
  assert.deepEqual(parsePanelToExtension({ type: 'ready' }), { type: 'ready' });
  assert.deepEqual(parsePanelToExtension({ type: 'applyPrompt', runId: '20261127-011500-rl-sent', text: ' great movie', extra: 'dropped' }), {
    type: 'applyPrompt',
    runId: '20261127-011500-rl-sent',
    text: ' great movie',
  });
  assert.deepEqual(parsePanelToExtension({ type: 'taskControl', action: 'pause', runId: 'a' }), { type: 'taskControl', action: 'pause', runId: 'a' });
  assert.deepEqual(parsePanelToExtension({ type: 'loadRuns', runIds: ['a', 'b-2'] }), { type: 'loadRuns', runIds: ['a', 'b-2'] });
});

test('malformed webview messages are rejected with the field named', () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /panel message: expected an object/],
    ['ready', /expected an object/],
    [{ type: 'deleteEverything' }, /panel message\.type: expected one of/],
    [{ type: 'applyPrompt', runId: 'a' }, /\.text: expected a string/],
    [{ type: 'applyPrompt', runId: 'a', text: '' }, /\.text: expected 1 to/],
    [{ type: 'applyPrompt', runId: 'a', text: 'x'.repeat(MAX_APPLY_TEXT + 1) }, /\.text: expected 1 to/],
    [{ type: 'applyPrompt', runId: '../../etc', text: 'x' }, /\.runId: not a run id/],
    [{ type: 'resumeRun', runId: 'a/b' }, /\.runId: not a run id/],
    [{ type: 'resumeRun', runId: 'a..b' }, /\.runId: not a run id/],
    [{ type: 'taskControl', action: 'kill', runId: 'a' }, /\.action: expected one of pause, resume, cancel/],
    [{ type: 'taskControl', action: 'cancel', runId: 7 }, /\.runId: expected a string/],
    [{ type: 'loadRuns', runIds: 'a' }, /\.runIds: expected an array/],
    [{ type: 'loadRuns', runIds: [] }, /\.runIds: expected 1 to 8/],
    [{ type: 'loadRuns', runIds: ['ok', '/abs'] }, /\.runIds\[1\]\.id: not a run id/],
  ];
  for (const [raw, message] of bad) assert.throws(() => parsePanelToExtension(raw), (err: unknown) => err instanceof ProtocolError && message.test(err.message), JSON.stringify(raw)?.slice(0, 80));
});

test('extension-to-panel messages are validated too, including series columns', () => {
  const detail = {
    item: { id: 'r1', kind: 'soft', status: 'completed', interrupted: false, resumable: false },
    series: { step: [1, 2], loss: [0.5, null], reward: [null, null], train_acc: [0.1, 0.2], dev_acc: [null, 0.3] },
    bestPrompts: [{ text: 'a', tokens: ['a'], ids: [1] }],
    warnings: [],
  };
  const ok = parseExtensionToPanel({ type: 'runDetail', detail });
  assert.equal(ok.type, 'runDetail');
  assert.throws(() => parseExtensionToPanel({ type: 'runDetail', detail: { ...detail, series: { ...detail.series, loss: [1] } } }), /series\.loss: length differs/);
  assert.throws(() => parseExtensionToPanel({ type: 'runDetail', detail: { ...detail, series: { ...detail.series, loss: ['x', 1] } } }), /series\.loss\[0\]/);
  assert.throws(() => parseExtensionToPanel({ type: 'taskEvents', runId: 'r', events: [{ type: 'progress', step: 1 }] }), /events\[0\]\.totalSteps/);
  assert.throws(() => parseExtensionToPanel({ type: 'liveRun', run: { runId: 'r', label: 'l', kind: 'soft', model: 'm', device: 'cpu', status: 'exploded' } }), /run\.status/);
  assert.deepEqual(parseExtensionToPanel({ type: 'openRun', runId: '20261127-011500-rl-sent' }), { type: 'openRun', runId: '20261127-011500-rl-sent' });
  assert.throws(() => parseExtensionToPanel({ type: 'openRun', runId: '../../etc' }), /runId: not a run id/);
});

test('task events: every type validates; bad rows and statuses are named', () => {
  assert.deepEqual(parseTaskEvent({ type: 'progress', step: 3, totalSteps: 10, reward: 1.5, elapsed_s: 2, junk: 1 }), {
    type: 'progress',
    step: 3,
    totalSteps: 10,
    reward: 1.5,
    elapsed_s: 2,
  });
  assert.throws(() => parseTaskEvent({ type: 'bestPrompts', step: 1, rows: [{ text: 'a', tokens: ['a'], ids: ['1'] }] }), /rows\[0\]\.ids\[0\]: expected a finite number/);
  assert.throws(() => parseTaskEvent({ type: 'status', status: 'done', at: 'now' }), /event\.status: expected one of queued/);
  assert.throws(() => parseTaskEvent({ type: 'result', result: { metrics: { acc: 'high' } } }), /result\.metrics\.acc/);
  const series = seriesFromEvents([
    { type: 'progress', step: 1, totalSteps: 2, loss: 2, elapsed_s: 0 },
    { type: 'status', status: 'running', at: 'x' },
    { type: 'progress', step: 2, totalSteps: 2, dev_acc: 0.5, elapsed_s: 1 },
  ]);
  assert.deepEqual(series, { step: [1, 2], loss: [2, null], reward: [null, null], train_acc: [null, null], dev_acc: [null, 0.5] });
});

test('series keep increasing steps: replayed events and resumed runs replace points instead of drawing back', () => {
  const progress = (step: number, loss: number) => ({ type: 'progress' as const, step, totalSteps: 10, loss, elapsed_s: step });
  // A panel reopened mid-run receives the replay of steps it already has.
  const replayed = seriesFromEvents([progress(1, 0.9), progress(2, 0.8), progress(3, 0.7), progress(2, 0.8), progress(3, 0.7), progress(4, 0.6)]);
  assert.deepEqual(replayed.step, [1, 2, 3, 4]);
  assert.deepEqual(replayed.loss, [0.9, 0.8, 0.7, 0.6]);
  // A run resumed from its step-2 checkpoint re-runs step 3 with a new value: the new one wins.
  const resumed = seriesFromEvents([progress(1, 0.9), progress(2, 0.8), progress(3, 0.7), progress(3, 0.65), progress(4, 0.5)]);
  assert.deepEqual(resumed.step, [1, 2, 3, 4]);
  assert.deepEqual(resumed.loss, [0.9, 0.8, 0.65, 0.5]);
  assert.equal(resumed.dev_acc.length, 4, 'every column is cut to the same length');
});
