// Scenario 2 (issue 7): run a prompt on the stories260k model (exported to ONNX by the engine on
// first use) — the generated output appears in the editor and names the device. The greedy
// continuation the CLI prints for the same file and input must be what the editor shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../lib/workbench.mjs';

/** Answers the input prompts of "Run Prompt": type the inputs, accepting the prefilled defaults. */
async function acceptInputs(wb) {
  const widget = wb.page.locator('.quick-input-widget');
  const title = async () => ((await widget.locator('.quick-input-title').textContent({ timeout: 1000 }).catch(() => '')) ?? '').trim();
  // Only answer the extension's own prompts: the palette's widget may still be closing.
  const asked = async () => (await widget.isVisible()) && /Inputs for this prompt|Input \d+\/\d+/.test(await title()) && (await title());
  let answered = 0;
  for (;;) {
    const which = await waitFor('an input prompt of Run Prompt', asked, answered === 0 ? 30_000 : 3000, 200).catch(() => undefined);
    if (!which) return answered;
    if (/Inputs for this prompt/.test(which)) await widget.locator('.quick-input-list .monaco-list-row', { hasText: 'Type the inputs' }).click();
    else await wb.page.keyboard.press('Enter'); // keeps the value prefilled from input.default
    answered++;
    await waitFor('the prompt to be answered', async () => (await title()) !== which || !(await widget.isVisible()), 5000, 100).catch(() => {});
  }
}

/** The CLI's greedy generation for the same file and input, or undefined when the CLI cannot run it. */
function cliGeneration(repoRoot, promptFile, cacheDir, log) {
  const cli = join(repoRoot, 'dist', 'cli.js');
  if (!existsSync(cli)) return undefined;
  const r = spawnSync(process.execPath, [cli, 'run', promptFile, '--input', 'topic=dog', '--json', '--device', 'cpu', '--cache-dir', cacheDir], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const last = r.stdout.trim().split('\n').pop() ?? '';
  try {
    const parsed = JSON.parse(last);
    const result = parsed.result ?? parsed;
    if (typeof result.text === 'string') return result.text;
  } catch {}
  log(`CLI run gave no JSON result (exit ${r.status}): ${(r.stderr || last).slice(0, 300)}`);
  return undefined;
}

export default {
  name: 'scenario 2: run the prompt on stories260k — output appears and names the device',
  needs: ['run'],
  needsModel: true,
  timeoutMs: 240_000,
  async run({ openWorkspace, log, repoRoot }) {
    const wb = await openWorkspace();
    const flat = (s) => s.replace(/\s+/g, ' ').trim();
    const expected = cliGeneration(repoRoot, join(wb.workspace, 'run.prompt'), join(wb.workspace, '.cli-cache'), log);
    log(`CLI greedy continuation: ${JSON.stringify(expected)}`);
    await wb.openFile('run.prompt');
    await wb.runCommand('Promptsmith: Run Prompt');
    const answered = await acceptInputs(wb);
    log(`answered ${answered} input prompt(s)`);
    assert.ok(answered > 0, 'Run Prompt asked for the {{topic}} input');

    let seen = [];
    const output = await waitFor(
      'the generated output in an editor beside the prompt',
      async () => {
        seen = await wb.editorTexts();
        const texts = (await wb.editorTexts()).filter((t) => !t.includes('maxOutputTokens'));
        if (expected !== undefined) return texts.find((t) => flat(t).includes(flat(expected)));
        return texts.find((t) => /\bcpu\b/i.test(t) && t.length > 80);
      },
      180_000,
      1000,
    ).catch((err) => {
      throw new Error(`${err.message}; the editors show:\n${seen.join('\n----\n')}`);
    });
    await wb.screenshot('output');
    log(`output: ${flat(output).slice(0, 300)}`);
    assert.match(output, /\bcpu\b/i, 'the output names the device');
    // DESIGN.md: the provider actually used is shown in the status bar.
    const status = await waitFor('the model and device in the status bar', async () => {
      const items = await wb.page.locator('.statusbar-item', { hasText: 'stories260k' }).allTextContents();
      return items.find((text) => /\bcpu\b/.test(text));
    });
    log(`status bar: ${flat(status)}`);
  },
};
