// Scenario 6 (issue 7): reload the window — the runs panel and the inline results come back.
// The workspace holds one finished run written through the project's run store; when soft
// prompt tuning is in the tree, a short real tuning run adds the inline results (CodeLens with
// the nearest tokens) that must also survive the reload.
import { join } from 'node:path';
import { waitFor } from '../lib/workbench.mjs';
import { runSoftPromptTuning } from './softPromptSteps.mjs';

/** Text of the runs panel's webview document, or '' while it is not there. */
async function panelText(wb) {
  return wb
    .webview()
    .locator('body')
    .textContent({ timeout: 2000 })
    .catch(() => '');
}

export default {
  name: 'scenario 6: reload the window — the runs panel and the inline results come back',
  needs: ['panel', 'panelRestore'],
  needsModel: true,
  timeoutMs: 300_000,
  async run({ openWorkspace, seedRun, missing, log, t }) {
    const wb = await openWorkspace();
    const seeded = await seedRun(wb.workspace, join(wb.workspace, 'sentiment.prompt'));
    log(`seeded run ${seeded.id}`);
    await wb.openFile('sentiment.prompt');

    const tuned = missing.softPrompt ? undefined : await runSoftPromptTuning(wb, { log });

    await wb.runCommand('Promptsmith: Show Runs');
    await wb.page.locator('.tab', { hasText: 'Promptsmith Runs' }).first().waitFor({ timeout: 30_000 });
    await wb.webview().locator('vscode-tab-header', { hasText: 'History' }).click({ timeout: 30_000 });
    await waitFor('the seeded run in the History tab', async () => (await panelText(wb)).includes(seeded.name), 30_000);
    await wb.webview().getByRole('button', { name: `Open run ${seeded.id}` }).click();
    await waitFor('the seeded run detail', async () => /30 \/ 30 steps/.test(await panelText(wb)), 20_000);
    await wb.screenshot('panel-before-reload');
    const lensesBefore = tuned ? await wb.codeLensTexts() : [];

    const reloaded = performance.now();
    await wb.reloadWindow();
    await wb.page.locator('.tab', { hasText: 'Promptsmith Runs' }).first().waitFor({ timeout: 60_000 });
    let restored = '';
    // The window restarts its extension host first: on a loaded machine that alone took 8–19 s,
    // and the panel came back 15–19 s after the extension activated (both the same before and
    // after the task-pipeline change), so 30 s was too tight.
    await waitFor('the runs panel with the open run detail after the reload', async () => {
      restored = await panelText(wb);
      return restored.includes(seeded.name) && /30 \/ 30 steps/.test(restored);
    }, 90_000).catch((err) => {
      throw new Error(`${err.message}; the panel shows: ${restored.slice(0, 600)}`);
    });
    log(`panel restored ${((performance.now() - reloaded) / 1000).toFixed(1)} s after the reload`);
    await wb.screenshot('panel-after-reload');

    await t.test('inline results come back after the reload', { skip: missing.softPrompt }, async () => {
      // The editor of sentiment.prompt is restored with the window (not reopened here).
      const lensesAfter = await waitFor('the inline results after the reload', async () => {
        const lenses = await wb.codeLensTexts();
        return lenses.some((l) => tuned.nearestTokens.some((tok) => l.includes(tok))) && lenses;
      });
      log(`CodeLens before: ${lensesBefore.join(' | ')}; after: ${lensesAfter.join(' | ')}`);
      await wb.screenshot('inline-after-reload');
    });
  },
};
