// Scenario 3 (issue 7): select a span → context menu "Optimize this prompt with RL" with a small
// step budget: the runs panel opens, the reward chart gets points, the best-prompts table fills,
// the inline CodeLens shows a prompt, and "Apply" changes the document text. The fixture's
// promptsmith.rl keeps the search short (60 steps of 8 prompts × 16 examples).
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';
import { liveStatus, seriesPixels } from './softPromptSteps.mjs';

export default {
  name: 'scenario 3: optimize a selected span with RL — reward chart, best prompts, CodeLens, Apply',
  needs: ['rl', 'panel'],
  needsModel: true,
  timeoutMs: 300_000,
  async run({ openWorkspace, log }) {
    const wb = await openWorkspace();
    await wb.openFile('sentiment.prompt');
    const page = wb.page;
    const at = await wb.wordPosition('They were', 'They were');
    assert.ok(at, 'the template line is visible');
    await page.mouse.dblclick(at.x, at.y);
    await page.keyboard.press('Shift+End');
    await page.mouse.click(at.x, at.y, { button: 'right' });
    await page.locator('.context-view .action-label', { hasText: 'Optimize this prompt with RL' }).click({ timeout: 15_000 });
    await page.locator('.tab', { hasText: 'Promptsmith Runs' }).first().waitFor({ timeout: 60_000 });
    await waitFor('reward points in the chart', async () => (await seriesPixels(wb, 'Loss and reward', 'vscode-charts-blue')) > 30, 240_000, 1000);
    const rows = await waitFor('the best prompts table', async () => {
      const n = await wb.webview().locator('section.live .prompts .prompt-text').count();
      return n > 0 && n;
    });
    log(`${rows} best prompts; status ${await liveStatus(wb)}`);
    await wb.screenshot('rl-panel');
    const before = (await wb.editorTexts()).join('\n');
    const lens = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Apply' }).first();
    await lens.waitFor({ timeout: 60_000 });
    await lens.click();
    await waitFor('the applied prompt in the document', async () => (await wb.editorTexts()).join('\n') !== before);
    await wb.screenshot('applied');
  },
};
