// Steps shared by the soft prompt scenarios (4, 5, 6): start tuning the open .prompt file from
// the palette and follow the run in the runs panel's Live tab.
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

/**
 * Tunes the active .prompt file to the end (its front matter keeps the run short) and returns the
 * nearest tokens of the best soft prompt as the panel shows them.
 */
export async function runSoftPromptTuning(wb, { log, timeoutMs = 240_000 }) {
  await startSoftPromptTuning(wb);
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
  const tokenCells = await wb.webview().locator('section.live .prompts .tokens').allTextContents();
  const nearestTokens = [...new Set(tokenCells.flatMap((cell) => [...cell.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`).trim())))].filter(Boolean);
  log?.(`nearest tokens in the panel: ${nearestTokens.join(' ')}`);
  return { nearestTokens };
}
