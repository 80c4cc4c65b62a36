// The runs panel at the widths it gets in VS Code (full editor, half-width group, side panel),
// rendered in headless Chromium under its real CSP: the history list switches from the full
// table to fewer columns to stacked cards, nothing is cut off, and dates show in full on hover.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { AFTER_PAINT, browserUnavailable, type Harness, launchChromium, openPanelPage, type PwBrowser, type PwPage, sendToPanel, startHarness } from './harness/panelHarness';
import { historyMessage } from './harness/sampleRuns';

const repoRoot = resolve(process.cwd());
const unavailable = browserUnavailable(repoRoot);
const skip = unavailable ? `skipped: ${unavailable}` : false;
const shots = join(repoRoot, 'test/e2e/artifacts/panel');

let harness: Harness;
let browser: PwBrowser;

before(async () => {
  if (unavailable) return;
  mkdirSync(shots, { recursive: true });
  harness = await startHarness(repoRoot);
  browser = await launchChromium(repoRoot);
});
after(async () => {
  await browser?.close();
  await harness?.close();
});

interface Seen {
  headers: string[];
  cards: number;
  rows: number;
  dates: { text: string; title: string }[];
  overflowing: string[];
  clipped: { column: string; text: string; title: string }[];
}

async function historyAt(width: number, page?: PwPage): Promise<{ page: PwPage; seen: Seen }> {
  if (!page) {
    ({ page } = await openPanelPage(browser, harness, { width, height: 800 }));
    await sendToPanel(page, [historyMessage]);
    await page.evaluate(`__promptsmithPanel.showTab('history')`);
  } else await page.setViewportSize({ width, height: 800 });
  await page.evaluate(AFTER_PAINT);
  await page.evaluate(AFTER_PAINT);
  const seen = await page.evaluate<Seen>(`(() => {
    const list = document.querySelector('.run-list');
    const cut = (node) => {
      if (node.tagName !== 'VSCODE-TABLE-CELL') return node.scrollWidth > node.clientWidth + 1;
      // Table cells clip with an ellipsis inside their shadow wrapper: compare the content's width with the room there.
      const wrapper = node.shadowRoot?.querySelector('.wrapper') ?? node;
      const style = getComputedStyle(wrapper);
      const room = wrapper.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const range = document.createRange();
      range.selectNodeContents(node);
      return range.getBoundingClientRect().width > room + 1;
    };
    return {
      headers: [...list.querySelectorAll('vscode-table-header-cell')].map((c) => c.textContent),
      cards: list.querySelectorAll('.run-card').length,
      rows: list.querySelectorAll('vscode-table-row').length,
      dates: [...list.querySelectorAll('time')].map((t) => ({ text: t.textContent, title: t.getAttribute('title') })),
      overflowing: [...list.querySelectorAll('.run-card, .run-card *')].filter(cut).map((n) => n.className || n.tagName),
      clipped: [...list.querySelectorAll('vscode-table-row')].flatMap((row) =>
        [...row.querySelectorAll('vscode-table-cell')].map((cell, i) => ({ cell, i })).filter(({ cell }) => cut(cell)).map(({ cell, i }) => ({
          column: [...list.querySelectorAll('vscode-table-header-cell')][i]?.textContent ?? '',
          text: cell.textContent,
          title: cell.querySelector('[title]')?.getAttribute('title') ?? '',
        })),
      ),
    };
  })()`);
  return { page, seen };
}

/** Dates, kinds, statuses and buttons are never cut; long names and paths may be, with the whole text on hover. */
function assertOnlyLongTextClipped(clipped: Seen['clipped']): void {
  for (const c of clipped) {
    assert.ok(['name', 'prompt file', 'model'].includes(c.column), `the ${c.column || 'buttons'} column is cut: ${c.text}`);
    assert.ok(c.title.includes(c.text), `clipped text shows in full on hover: ${c.text} (title: ${c.title})`);
  }
}

test('history: all columns when wide, five in a half-width group, stacked cards when narrow; full dates on hover', { skip }, async () => {
  const wide = await historyAt(1100);
  assert.deepEqual(wide.seen.headers, ['', 'created', 'kind', 'name', 'prompt file', 'model', 'status', '']);
  assert.equal(wide.seen.rows, 5);
  assertOnlyLongTextClipped(wide.seen.clipped);

  const half = await historyAt(640);
  assert.deepEqual(half.seen.headers, ['', 'created', 'name', 'status', '']);
  assert.equal(half.seen.rows, 5);
  assertOnlyLongTextClipped(half.seen.clipped);
  await half.page.screenshot({ path: join(shots, 'history-half-width.png') });

  const narrow = await historyAt(400);
  assert.deepEqual(narrow.seen.headers, []);
  assert.equal(narrow.seen.cards, 5);
  assert.deepEqual(narrow.seen.overflowing, [], 'nothing in a card is cut off');
  await narrow.page.screenshot({ path: join(shots, 'history-narrow.png'), fullPage: true });

  const dated = narrow.seen.dates.filter((d) => d.text !== '—');
  assert.ok(dated.length >= 4);
  for (const d of dated) {
    assert.ok(d.text.length <= 16, `short date: ${d.text}`);
    assert.match(d.title, /2026/, 'the full date, with the year, on hover');
    assert.ok(d.title.length > d.text.length);
  }

  // Resizing the same panel switches the layout without a reload.
  const back = await historyAt(1100, narrow.page);
  assert.equal(back.seen.cards, 0);
  assert.equal(back.seen.headers.length, 8);
});
