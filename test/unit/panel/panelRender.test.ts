// Renders the built panel in headless Chromium under its real CSP with sample runs, checks what a
// user would see and do (curves drawn, text not turned into markup, keyboard Apply, history,
// comparison), and saves screenshots to test/e2e/artifacts/panel/ for a human look.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import {
  AFTER_PAINT,
  browserUnavailable,
  type Harness,
  launchChromium,
  openPanelPage,
  type PwBrowser,
  type PwPage,
  sendToPanel,
  startHarness,
} from './harness/panelHarness';
import { bestPromptsEvent, comparisonDetailMessage, detailMessage, historyMessage, liveRunMessage, progressEvents } from './harness/sampleRuns';

// Tests run from the repository root (scripts/run-unit-tests.mjs).
const repoRoot = resolve(process.cwd());
const unavailable = browserUnavailable(repoRoot);
const shots = join(repoRoot, 'test/e2e/artifacts/panel');

let harness: Harness;
let browser: PwBrowser;
let page: PwPage;
let problems: string[];

before(async () => {
  if (unavailable) return;
  mkdirSync(shots, { recursive: true });
  harness = await startHarness(repoRoot);
  browser = await launchChromium(repoRoot);
  ({ page, problems } = await openPanelPage(browser, harness));
});

after(async () => {
  await browser?.close();
  await harness?.close();
});

const skip = unavailable ? `skipped: ${unavailable}` : false;

test('live view draws curves, stats and best prompts; prompt text stays text', { skip }, async () => {
  const runId = liveRunMessage.type === 'liveRun' ? liveRunMessage.run.runId : '';
  const events = progressEvents(2000, 'rl', 3);
  await sendToPanel(page, [liveRunMessage, { type: 'taskEvents', runId, events: events.slice(0, 1000) }, { type: 'taskEvents', runId, events: [...events.slice(1000), bestPromptsEvent] }]);
  await page.evaluate(AFTER_PAINT);
  const seen = await page.evaluate<{ canvases: number; stats: string; scripts: number; prompt: string; header: string }>(`(() => ({
    canvases: document.querySelectorAll('.live canvas').length,
    stats: document.querySelector('.live .stats').textContent,
    scripts: document.querySelectorAll('script').length,
    prompt: [...document.querySelectorAll('.live .prompt-text')].map((n) => n.textContent).join('|'),
    header: document.querySelector('.live .run-header').textContent,
  }))()`);
  assert.equal(seen.canvases, 2, 'two charts');
  assert.match(seen.stats, /2000 \/ 2000/);
  assert.match(seen.header, /stories260k-hf/);
  assert.match(seen.header, /device cpu/);
  assert.equal(seen.scripts, 1, 'no script element injected from prompt text');
  assert.match(seen.prompt, /<script>alert\(1\)<\/script>/);
  await page.screenshot({ path: join(shots, 'live.png') });
});

test('the smoothing control redraws the loss and reward chart, and leaves the accuracy chart as measured', { skip }, async () => {
  const pictures = `[...document.querySelectorAll('.live canvas')].map((c) => c.toDataURL())`;
  const before = await page.evaluate<string[]>(pictures);
  await page.evaluate(`(() => {
    const select = document.querySelector('.live vscode-single-select[aria-label="Smoothing of loss and reward"]');
    select.value = '0.9';
    select.dispatchEvent(new Event('change'));
  })()`);
  await page.evaluate(AFTER_PAINT);
  const smoothed = await page.evaluate<string[]>(pictures);
  assert.notEqual(smoothed[0], before[0], 'the loss and reward curves changed');
  assert.equal(smoothed[1], before[1], 'the accuracy chart did not');
  await page.screenshot({ path: join(shots, 'live-smoothed.png') });
  await page.evaluate(`(() => {
    const select = document.querySelector('.live vscode-single-select[aria-label="Smoothing of loss and reward"]');
    select.value = '0';
    select.dispatchEvent(new Event('change'));
  })()`);
  await page.evaluate(AFTER_PAINT);
  assert.equal((await page.evaluate<string[]>(pictures))[0], before[0], 'off draws the raw values again');
});

test('Apply and Pause work from the keyboard and post validated messages', { skip }, async () => {
  await page.evaluate(`(() => { globalThis.__panelPosted = []; [...document.querySelectorAll('.live vscode-button')].find((b) => b.textContent === 'Apply').focus(); })()`);
  await page.keyboard.press('Enter');
  await page.evaluate(`(() => [...document.querySelectorAll('.live vscode-button')].find((b) => b.textContent === 'Pause').focus())()`);
  await page.keyboard.press('Space');
  const posted = await page.evaluate<unknown[]>('globalThis.__panelPosted');
  assert.deepEqual(posted, [
    { type: 'applyPrompt', runId: '20261127-013000-rl-sentiment', text: ' Absolutely Review Rating' },
    { type: 'taskControl', action: 'pause', runId: '20261127-013000-rl-sentiment' },
  ]);
});

test('history lists runs (a damaged one with its message), opens a run and compares two', { skip }, async () => {
  await sendToPanel(page, [historyMessage]);
  await page.evaluate(`(() => { globalThis.__panelPosted = []; __promptsmithPanel.showTab('history'); __promptsmithPanel.openRun('20261127-012000-soft-sentiment'); })()`);
  const asked = await page.evaluate<unknown[]>('globalThis.__panelPosted');
  assert.deepEqual(asked, [{ type: 'loadRuns', runIds: ['20261127-012000-soft-sentiment'] }]);
  await sendToPanel(page, [detailMessage('20261127-012000-soft-sentiment', 'soft', 400, 5)]);
  await page.evaluate(AFTER_PAINT);
  const detail = await page.evaluate<{ rows: number; damaged: string; canvases: number; warning: string; generalization: string[]; dataWarning: string; bold: number }>(`(() => ({
    rows: document.querySelectorAll('.run-list vscode-table-row').length,
    damaged: document.querySelector('.run-list .error')?.getAttribute('title') ?? '',
    canvases: document.querySelectorAll('.run-detail canvas').length,
    warning: document.querySelector('.run-detail .warning')?.textContent ?? '',
    generalization: [...document.querySelectorAll('.run-detail vscode-table[aria-label="Accuracy by split"] vscode-table-row, .run-detail vscode-table[aria-label="Accuracy by split"] vscode-table-header')].map((r) => [...r.children].map((c) => c.textContent.trim()).join('|')),
    dataWarning: [...document.querySelectorAll('.run-detail .warning')].map((p) => p.textContent).join('|'),
    bold: document.querySelectorAll('.run-detail b').length,
  }))()`);
  assert.equal(detail.rows, 5);
  assert.match(detail.damaged, /run\.json: schemaVersion 2 is newer/);
  assert.equal(detail.canvases, 2);
  assert.match(detail.warning, /truncated last line/);
  // Generalisation: train, dev, test and the gap for the tuned and the hand-written prompt.
  assert.deepEqual(detail.generalization, [
    'prompt|train|dev|test|gap (train − test)',
    'this run|100.0%|98.4%|69.5%|+30.5 pts',
    'hand-written|62.5%|59.4%|79.5%|−17.0 pts',
  ]);
  assert.match(detail.dataWarning, /near-copies of training rows <b>\(names differ\)<\/b>/);
  assert.equal(detail.bold, 0, 'warning text stays text');
  await page.screenshot({ path: join(shots, 'history.png'), fullPage: true });

  await page.evaluate(`__promptsmithPanel.compare(['20261127-012000-soft-sentiment', '20261127-013000-rl-sentiment'])`);
  await sendToPanel(page, [detailMessage('20261127-013000-rl-sentiment', 'rl', 600, 9)]);
  await page.evaluate(AFTER_PAINT);
  const compare = await page.evaluate<{ canvases: number; rows: number }>(`(() => ({
    canvases: document.querySelectorAll('.compare canvas').length,
    rows: document.querySelectorAll('.compare vscode-table-row').length,
  }))()`);
  assert.equal(compare.canvases, 1);
  assert.equal(compare.rows, 2);
  await page.screenshot({ path: join(shots, 'compare.png'), fullPage: true });
});

test('a comparison run shows one row per method with the test interval and the paired test, and bars on one scale', { skip }, async () => {
  await sendToPanel(page, [comparisonDetailMessage()]);
  await page.evaluate(`__promptsmithPanel.openRun('20261205-015137-compare-sentiment')`);
  await page.evaluate(AFTER_PAINT);
  const seen = await page.evaluate<{ rows: string[]; bars: { label: string; width: string }[]; italic: number }>(`(() => ({
    rows: [...document.querySelectorAll('.run-detail vscode-table[aria-label="Comparison of adaptation methods"] vscode-table-row')].map((r) => [...r.children].map((c) => c.textContent.trim()).join('|')),
    bars: [...document.querySelectorAll('.comparison-bars .bar-row')].map((r) => ({ label: r.querySelector('.bar-label').textContent, width: r.querySelector('.bar').style.width })),
    italic: document.querySelectorAll('.run-detail i').length,
  }))()`);
  assert.deepEqual(seen.rows, [
    'manual|79.5%|73.5%–84.5%||60.0%|70.0%|0|12 s|210 MiB',
    'soft|78.0%|72.0%–83.0%|worse, but within noise (p = 0.510)|60.0%|70.0%|512|12 s|210 MiB',
    'bbt|62.0%|56.0%–67.0%|worse (p < 0.001)|60.0%|70.0%|500|12 s|210 MiB',
    'lora|85.0%|79.0%–90.0%|better, but within noise (p = 0.140)|60.0%|70.0%|17,920|12 s|210 MiB',
    'finetune|skipped||the estimate <i>(4 GiB)</i> does not fit|||||',
  ]);
  assert.deepEqual(
    seen.bars.map((b) => `${b.label} ${parseFloat(b.width)}`),
    ['manual 79.5', 'soft 78', 'bbt 62', 'lora 85'],
  );
  assert.equal(seen.italic, 0, 'a note stays text');
  await page.screenshot({ path: join(shots, 'comparison.png'), fullPage: true });
});

test('the extension can open one run: the History tab shows its details', { skip }, async () => {
  await page.evaluate(`__promptsmithPanel.showTab('live')`);
  await sendToPanel(page, [historyMessage, { type: 'openRun', runId: '20261127-012000-soft-sentiment' }]);
  await page.evaluate(AFTER_PAINT);
  const seen = await page.evaluate<{ tab: number; detail: string | null }>(
    `({ tab: document.querySelector('vscode-tabs').selectedIndex, detail: document.querySelector('.run-detail')?.getAttribute('aria-label') ?? null })`,
  );
  assert.deepEqual(seen, { tab: 1, detail: 'Run 20261127-012000-soft-sentiment' });
});

test('a malformed message from the extension is dropped with a warning, and nothing broke the CSP', { skip }, async () => {
  await page.evaluate(`window.postMessage({ type: 'taskEvents', runId: '../x', events: [] }, '*')`);
  await page.evaluate(AFTER_PAINT);
  assert.ok(problems.some((p) => /dropped malformed message: extension message\.runId: not a run id/.test(p)), problems.join('\n'));
  const bad = problems.filter((p) => /Content Security Policy|Refused to|pageerror/.test(p));
  assert.deepEqual(bad, []);
});
