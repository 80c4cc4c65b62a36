// Scenario 3 (issue 7): select a span → context menu "Optimize this prompt with RL" with a small
// step budget: the runs panel opens, the reward chart gets points, the best-prompts table fills,
// the inline CodeLens shows a prompt, and "Apply" changes the document text; the hover lists the
// prompts beside the hand-written one, and the CodeLens comes back after a reload. The fixture's
// promptsmith.rl keeps the search short (60 steps of 8 prompts × 16 examples).
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';
import { liveStatus, seriesPixels, waitForCompletion } from './softPromptSteps.mjs';

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
    const lensTitle = await waitFor('the RL CodeLens at the slot', async () => (await wb.codeLensTexts()).find((l) => l.includes('RL ▸')));
    log(`CodeLens: ${lensTitle}`);
    // The template line as shown (an inlay hint with the best prompt may follow the slot's text).
    const slotLine = async () => (await wb.editorTexts()).join('\n').split('\n').find((l) => l.startsWith('{{text}}')) ?? '';
    const apply = page.locator('.monaco-editor .codelens-decoration a', { hasText: 'Apply' }).first();
    await apply.waitFor({ timeout: 60_000 });
    await apply.click();
    await waitFor('the applied prompt in the document', async () => !(await slotLine()).startsWith('{{text}} They were'));
    await wb.screenshot('applied');

    // Once the search has finished, Apply writes its best prompt exactly; the CodeLens says it is in the file.
    await waitForCompletion(wb);
    const best = JSON.parse(await wb.webview().locator('section.live .prompts .prompt-text').first().textContent());
    await waitFor('the finished run in the CodeLens', async () => (await wb.codeLensTexts()).some((l) => l.includes('RL ▸') && !/step \d+\/\d+/.test(l)));
    await apply.click();
    const applied = await waitFor('the best prompt in the slot', async () => ((await slotLine()) === `{{text}} ${best}` ? (await wb.codeLensTexts()).find((l) => l.includes('(in the file)')) : false));
    log(`best prompt ${JSON.stringify(best)} applied; CodeLens: ${applied}`);
    const hover = await wb.hoverText(`{{text}} ${best}`, best);
    assert.match(hover, /hand-written/, hover);
    assert.match(hover, /They were/, hover);
    await wb.screenshot('hover');

    // After saving and reloading the window, the CodeLens comes back from the run store, on the applied text.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+S');
    await waitFor('the saved document', async () => (await page.locator('.tabs-container .tab.active.dirty').count()) === 0);
    await wb.reloadWindow();
    const restored = await waitFor('the RL CodeLens after the reload', async () => (await wb.codeLensTexts()).find((l) => l.includes('RL ▸') && l.includes('(in the file)')), 90_000);
    log(`CodeLens after the reload: ${restored}`);
    await wb.screenshot('after-reload');
  },
};
