import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createRun } from '../../../src/runs/runWriter';
import { listWorkspaceRuns, runDetailView } from '../../../src/extension/panel/runViews';
import { parseExtensionToPanel } from '../../../src/protocol/panelMessages';

test('run folders become panel rows and details that pass the webview validator', () => {
  const ws = mkdtempSync(join(tmpdir(), 'promptsmith-views-'));
  try {
    const run = createRun(ws, { kind: 'rl', name: 'sentiment', promptFile: 'sentiment.prompt', model: 'stories', device: 'cpu' });
    run.setStatus('running');
    for (let step = 1; step <= 20_000; step++) {
      run.appendEvent({ type: 'progress', step, totalSteps: 20_000, reward: Math.sin(step / 100), elapsed_s: step / 50, ...(step % 100 === 0 ? { dev_acc: step / 20_000 } : {}) });
    }
    run.appendEvent({ type: 'bestPrompts', step: 20_000, rows: [{ text: ' Review', tokens: [' Review'], ids: [9] }] });
    run.setStatus('completed');
    const damaged = createRun(ws, { kind: 'soft', name: 'damaged', model: 'm', device: 'cpu' });
    writeFileSync(join(damaged.dir, 'run.json'), '{');
    mkdirSync(join(ws, '.promptsmith/runs/has space'), { recursive: true });

    const { items, dirs } = listWorkspaceRuns([ws]);
    assert.equal(items.length, 2, 'the folder whose name is not a run id is left out');
    assert.ok(!dirs.has('has space'));
    const history = parseExtensionToPanel({ type: 'history', runs: items });
    assert.equal(history.type, 'history');
    const bad = items.find((i) => i.problem);
    assert.match(bad!.problem!, /run\.json: not valid JSON/);

    const started = performance.now();
    const detail = runDetailView(dirs.get(run.id)!);
    const ms = performance.now() - started;
    assert.equal(detail.series.step.length, 20_000);
    assert.equal(detail.series.dev_acc.filter((v) => v !== null).length, 200);
    assert.equal(detail.last?.step, 20_000);
    assert.equal(detail.item.status, 'completed');
    assert.equal(detail.item.promptFile, 'sentiment.prompt');
    assert.deepEqual(detail.bestPrompts.map((r) => r.text), [' Review']);
    // What the webview will receive must validate there.
    const message = parseExtensionToPanel(JSON.parse(JSON.stringify({ type: 'runDetail', detail })));
    assert.equal(message.type, 'runDetail');
    assert.ok(ms < 5000, `reading a 20,000-event run took ${ms.toFixed(0)} ms`);
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
