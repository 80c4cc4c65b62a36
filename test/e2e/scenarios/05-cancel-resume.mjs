// Scenario 5 (issue 7): cancel a running task from the panel — it stops within a few seconds and is
// marked cancelled; "Resume run" continues it from its last checkpoint (not from step 0).
import assert from 'node:assert/strict';
import { FinalError, waitFor } from '../lib/workbench.mjs';
import { liveStatus, liveStep, newestRunMeta, startSoftPromptTuning } from './softPromptSteps.mjs';

const CANCEL_WITHIN_S = 10;

export default {
  name: 'scenario 5: cancel a running task from the panel; Resume continues it',
  needs: ['cancelResume', 'panel'],
  needsModel: true,
  timeoutMs: 300_000,
  async run({ openWorkspace, log }) {
    const wb = await openWorkspace();
    await wb.openFile('long-tune.prompt'); // thousands of steps: still running when we cancel
    await startSoftPromptTuning(wb);

    // Wait until a checkpoint is on disk, so there is something to resume from.
    const running = await waitFor(
      'a checkpoint of the running task',
      async () => {
        const meta = newestRunMeta(wb.workspace, 'soft');
        if (meta && ['failed', 'completed', 'cancelled'].includes(meta.status)) throw new FinalError(`the run ended ${meta.status} before it was cancelled: ${meta.message ?? ''}`);
        return meta?.status === 'running' && meta.lastCheckpoint && meta;
      },
      180_000,
      1000,
    );
    log(`run ${running.id} running, checkpoint at step ${running.lastCheckpoint.step}`);
    await wb.screenshot('running');

    await wb.webview().getByRole('button', { name: 'Cancel the task' }).click();
    const clicked = performance.now();
    await waitFor('the task to be marked cancelled', async () => (await liveStatus(wb)) === 'cancelled' && newestRunMeta(wb.workspace, 'soft')?.status === 'cancelled', 30_000, 200);
    const stopSeconds = (performance.now() - clicked) / 1000;
    log(`cancelled after ${stopSeconds.toFixed(1)} s`);
    await wb.screenshot('cancelled');
    assert.ok(stopSeconds <= CANCEL_WITHIN_S, `the task stopped within ${CANCEL_WITHIN_S} s (took ${stopSeconds.toFixed(1)} s)`);
    const cancelled = newestRunMeta(wb.workspace, 'soft');
    const fromStep = cancelled.lastCheckpoint?.step ?? 0;
    assert.ok(fromStep > 0, 'the cancelled run has a checkpoint to resume from');

    await wb.webview().getByRole('button', { name: 'Resume from the last checkpoint' }).click();
    const resumedStep = await waitFor(
      'the resumed task to make progress past its checkpoint',
      async () => {
        const step = await liveStep(wb);
        return (await liveStatus(wb)) === 'running' && step > fromStep && step;
      },
      120_000,
      500,
    );
    const resumed = newestRunMeta(wb.workspace, 'soft');
    log(`resumed from step ${fromStep}, now at step ${resumedStep} (run ${resumed.id}, attempts ${resumed.attempts ?? '?'})`);
    await wb.screenshot('resumed');
    assert.equal(resumed.id, cancelled.id, 'Resume continues the same run instead of starting a new one');

    // Stop the long task again so it does not compete with the next scenarios for the CPU.
    await wb.webview().getByRole('button', { name: 'Cancel the task' }).click();
    await waitFor('the task to be cancelled again', async () => (await liveStatus(wb)) === 'cancelled', 30_000, 200).catch(() => {});
  },
};
