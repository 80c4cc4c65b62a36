// Scenario 4 (issue 7): tune a soft prompt briefly — the runs panel draws the loss curve while it
// trains, and the nearest vocabulary tokens of the learned virtual tokens appear.
import assert from 'node:assert/strict';
import { waitFor } from '../lib/workbench.mjs';
import { bestPromptTokens, liveStep, liveText, seriesPixels, startSoftPromptTuning, waitForCompletion } from './softPromptSteps.mjs';

export default {
  name: 'scenario 4: tune a soft prompt — loss curve in the panel, nearest-token hint',
  needs: ['softPrompt', 'panel'],
  needsModel: true,
  timeoutMs: 300_000,
  async run({ openWorkspace, log }) {
    const wb = await openWorkspace();
    await wb.openFile('sentiment.prompt');
    await startSoftPromptTuning(wb);

    const pixels = await waitFor(
      'the loss curve in the runs panel',
      async () => {
        const n = await seriesPixels(wb, 'Loss and reward', 'vscode-charts-red');
        return (await liveStep(wb)) >= 2 && n > 30 && n;
      },
      180_000,
      1000,
    );
    log(`loss curve drawn (${pixels} pixels of the loss colour) at step ${await liveStep(wb)}`);
    // The header names the execution provider the engine opened, not the 'auto' setting.
    assert.match(await liveText(wb), /device cpu/, 'the live run names the device actually used');
    await wb.screenshot('loss-curve');

    await waitForCompletion(wb);
    await wb.screenshot('completed');
    const tokens = await bestPromptTokens(wb);
    log(`nearest tokens in the panel: ${tokens.join(' | ')}`);
    assert.ok(tokens.length > 0, 'the best prompts table shows the nearest tokens of the soft prompt');

    // The hint in the editor (CodeLens above the prompt) names the same tokens.
    const lenses = await waitFor('the nearest-token hint in the editor', async () => {
      const texts = await wb.codeLensTexts();
      return texts.some((l) => tokens.some((tok) => l.includes(tok))) && texts;
    });
    log(`CodeLens: ${lenses.join(' | ')}`);
    await wb.screenshot('nearest-token-hint');
  },
};
