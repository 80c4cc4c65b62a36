// Scenario 1 (issue 7): a .prompt with an undefined variable and a YAML error — the Problems
// panel shows both on the right lines; hovering a variable shows its schema; the CodeLens line
// is visible.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../lib/workbench.mjs';

/** 1-based line of the first line of `file` that contains `needle`. */
function lineOf(file, needle) {
  const index = readFileSync(file, 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(needle));
  assert.ok(index >= 0, `${needle} not found in ${file}`);
  return index + 1;
}

export default {
  name: 'scenario 1: diagnostics in the Problems panel, variable hover, CodeLens',
  needs: ['languageServer'],
  timeoutMs: 150_000,
  async run({ openWorkspace, log, measure }) {
    const wb = await openWorkspace();
    const file = join(wb.workspace, 'problems.prompt');
    const undefinedLine = lineOf(file, '{{mood}}');
    const yamlLine = lineOf(file, '0.5: 0.7');

    await wb.openFile('problems.prompt');
    await wb.screenshot('file-open');

    const rows = await waitFor(
      'both diagnostics in the Problems panel',
      async () => {
        const all = await wb.problems();
        const mood = all.find((r) => r.includes("'mood'"));
        const yaml = all.find((r) => /YAML/i.test(r) && !r.includes('.prompt'));
        return mood && yaml && { mood, yaml, all };
      },
      45_000,
      1000,
    );
    log(`problems: ${rows.all.join(' | ').replace(/\s+/g, ' ')}`);
    await wb.screenshot('problems');
    assert.match(rows.mood, new RegExp(`Ln ${undefinedLine}\\b`), `the undefined variable should be reported on line ${undefinedLine}: ${rows.mood}`);
    assert.match(rows.yaml, new RegExp(`Ln ${yamlLine}\\b`), `the YAML error should be reported on line ${yamlLine}: ${rows.yaml}`);
    await wb.page.keyboard.press('Control+Shift+M'); // close the panel again: more editor visible
    const lensWaitStart = Date.now();

    const lens = wb.page.locator('.monaco-editor .codelens-decoration', { hasText: 'Run' }).first();
    // Once, in a full CI run (not reproduced in 5 local runs), no lenses showed while the
    // Problems panel held the focus; a person clicks into the editor, and so does the test then.
    let nudged = false;
    await waitFor(
      'the CodeLens line above the template',
      async () => {
        if (await lens.isVisible()) return true;
        if (!nudged && Date.now() - lensWaitStart > 10_000) {
          nudged = true;
          log('no CodeLens after 10 s: clicking into the editor');
          await wb.page.locator('.monaco-editor .view-lines').first().click();
        }
        return false;
      },
      40_000,
      500,
    );
    const lensText = ((await wb.page.locator('.monaco-editor .codelens-decoration').first().textContent()) ?? '').replace(/\s+/g, ' ');
    log(`CodeLens: ${lensText}`);
    assert.match(lensText, /Run/);
    await wb.screenshot('codelens');

    const hover = await wb.hoverText('there was a {{topic}}', 'topic');
    log(`hover: ${hover.replace(/\s+/g, ' ')}`);
    assert.match(hover, /string/, 'the hover shows the schema type of {{topic}}');
    assert.match(hover, /what the story is about/, 'the hover shows the schema description of {{topic}}');
    await wb.screenshot('hover');

    // Opening the .prompt file activated the extension. VS Code's own figure for that is the one
    // its Running Extensions view shows: code loading plus the activate() call (not the host
    // preparing the extension's context, which runs beside the code loading).
    const activationMs = await wb.runningExtensionActivationMs(['Promptsmith', 'promptsmith.promptsmith']);
    measure('activation as VS Code reports it (Running Extensions)', `${activationMs} ms`);
    await wb.screenshot('running-extensions');
  },
};
