// Steps shared by the soft prompt scenarios (4, 5, 6): start tuning the open .prompt file from
// the palette and follow the run in the runs panel's Live tab.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FinalError, waitFor } from '../lib/workbench.mjs';

/** Text of the Live tab (status, stats, best prompts), or '' while the webview is loading. */
export async function liveText(wb) {
  return wb
    .webview()
    .locator('section.live')
    .textContent({ timeout: 2000 })
    .catch(() => '');
}

/** The status shown in the Live tab's header ("running", "cancelled", …), or ''. */
export async function liveStatus(wb) {
  return wb
    .webview()
    .locator('section.live .run-header .status')
    .first()
    .textContent({ timeout: 2000 })
    .then((s) => (s ?? '').trim())
    .catch(() => '');
}

/** The step number of the Live tab's "step N / M" statistic, or -1. */
export async function liveStep(wb) {
  const text = await liveText(wb);
  const m = text.match(/step\s*(\d+)\s*\/\s*\d+/);
  return m ? Number(m[1]) : -1;
}

/** Starts "Tune soft prompt" on the active .prompt editor and waits for the panel to show the run. */
export async function startSoftPromptTuning(wb) {
  await wb.runCommand('Promptsmith: Tune soft prompt');
  await wb.page.locator('.tab', { hasText: 'Promptsmith Runs' }).first().waitFor({ timeout: 60_000 });
  await waitFor('the tuning run in the Live tab', async () => (await liveStatus(wb)) !== '', 60_000);
}

/** Waits for the Live tab's run to complete; fails at once if it fails or is cancelled. */
export async function waitForCompletion(wb, timeoutMs = 240_000) {
  await waitFor(
    'the soft prompt run to complete',
    async () => {
      const status = await liveStatus(wb);
      if (status === 'failed' || status === 'cancelled') throw new FinalError(`the soft prompt run ended ${status}: ${await liveText(wb)}`);
      return status === 'completed';
    },
    timeoutMs,
    1000,
  );
}

/** The distinct tokens in the Live tab's best prompts table (soft prompts: their nearest tokens). */
export async function bestPromptTokens(wb) {
  const cells = await wb.webview().locator('section.live .prompts .tokens').allTextContents();
  const tokens = cells.flatMap((cell) => [...cell.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`)));
  return [...new Set(tokens.map((t) => t.trim()).filter(Boolean))];
}

/**
 * Tunes the active .prompt file to the end (its front matter keeps the run short) and returns the
 * nearest tokens of the best soft prompt as the panel shows them.
 */
export async function runSoftPromptTuning(wb, { log, timeoutMs = 240_000 }) {
  await startSoftPromptTuning(wb);
  await waitForCompletion(wb, timeoutMs);
  const nearestTokens = await bestPromptTokens(wb);
  log?.(`nearest tokens in the panel: ${nearestTokens.join(' ')}`);
  return { nearestTokens };
}

/**
 * How many pixels of the chart `chartLabel` (e.g. "Loss and reward") have the colour of the
 * VS Code theme variable `colorVar` (the series' stroke): a drawn curve has many.
 */
export async function seriesPixels(wb, chartLabel, colorVar) {
  return wb
    .webview()
    .locator(`figure[aria-label="${chartLabel}"] canvas`)
    .first()
    .evaluate((canvas, colorVar) => {
      const probe = document.createElement('span');
      probe.style.color = `var(--${colorVar})`;
      document.body.append(probe);
      const [r, g, b] = getComputedStyle(probe).color.match(/\d+/g).map(Number);
      probe.remove();
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        if (data[i + 3] > 200 && Math.abs(data[i] - r) < 24 && Math.abs(data[i + 1] - g) < 24 && Math.abs(data[i + 2] - b) < 24) n++;
      }
      return n;
    }, colorVar)
    .catch(() => 0);
}

/** run.json of the newest run of `kind` in the workspace (.promptsmith/runs), or undefined. */
export function newestRunMeta(workspace, kind) {
  const root = join(workspace, '.promptsmith', 'runs');
  if (!existsSync(root)) return undefined;
  const ids = readdirSync(root)
    .filter((id) => id.includes(`-${kind}-`))
    .sort();
  const id = ids.at(-1);
  if (!id) return undefined;
  try {
    return JSON.parse(readFileSync(join(root, id, 'run.json'), 'utf8'));
  } catch {
    return undefined; // being replaced atomically right now: ask again
  }
}
