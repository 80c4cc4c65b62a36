// Scenario 7 (issue 15): Promptsmith beside Google's Dotprompt extension. The test packages a
// stand-in of that extension (same publisher.name, language id `dotprompt`, grammar scope
// `source.dotprompt`), installs it next to Promptsmith, opens a .prompt file in a new window and
// checks: no "Overwriting grammar scope" warning, the file is highlighted by a whole grammar
// (ours or the stand-in's, whichever VS Code registered last), and Promptsmith's diagnostics
// still arrive. The stand-in is uninstalled afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../lib/workbench.mjs';

function buildStandIn(repoRoot) {
  const dir = mkdtempSync(join(tmpdir(), 'dotprompt-standin-'));
  mkdirSync(join(dir, 'syntaxes'));
  const manifest = {
    name: 'dotprompt-vscode',
    displayName: 'Dotprompt (stand-in)',
    description: "A test stand-in with the language and grammar contributions of Google's Dotprompt extension",
    version: '0.2.0',
    publisher: 'google',
    license: 'MIT',
    engines: { vscode: '^1.80.0' },
    contributes: {
      languages: [{ id: 'dotprompt', aliases: ['Dotprompt', 'dotprompt'], extensions: ['.prompt'], configuration: './language-configuration.json' }],
      grammars: [{ language: 'dotprompt', scopeName: 'source.dotprompt', path: './syntaxes/dotprompt.tmLanguage.json' }],
      // Shows in the palette only when this window loaded the stand-in's manifest.
      commands: [{ command: 'dotpromptStandIn.ping', title: 'Dotprompt Stand-in: Ping' }],
    },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  writeFileSync(join(dir, 'README.md'), '# Dotprompt stand-in\n\nBuilt by the Promptsmith end-to-end test.\n');
  writeFileSync(join(dir, 'LICENSE'), 'MIT\n');
  writeFileSync(join(dir, 'language-configuration.json'), JSON.stringify({ brackets: [['{{', '}}']] }));
  writeFileSync(
    join(dir, 'syntaxes', 'dotprompt.tmLanguage.json'),
    JSON.stringify({ scopeName: 'source.dotprompt', patterns: [{ match: '\\{\\{[^}]*\\}\\}', name: 'meta.standin.braces' }] }),
  );
  const vsix = join(dir, 'standin.vsix');
  const vsce = join(repoRoot, 'node_modules', '.bin', 'vsce');
  const r = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '-o', vsix], { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`packaging the stand-in failed: ${r.stderr || r.stdout}`);
  return { dir, vsix };
}

export default {
  name: "scenario 7: beside a stand-in of Google's Dotprompt extension (same language id and scope)",
  needs: ['languageServer'],
  timeoutMs: 180_000,
  async run({ server, repoRoot, openWorkspace, log }) {
    const standIn = buildStandIn(repoRoot);
    const folder = server.installExtension(standIn.vsix, 'google.dotprompt-vscode-');
    log(`installed the stand-in as ${folder}`);
    try {
      const wb = await openWorkspace();
      const warnings = [];
      wb.page.on('console', (m) => {
        if (m.type() === 'warning' || m.type() === 'error') warnings.push(m.text());
      });
      await waitFor('the stand-in loaded in this window', async () => {
        await wb.page.keyboard.press('Escape');
        await wb.page.keyboard.press('F1');
        await wb.page.locator('.quick-input-widget input').fill('>Dotprompt Stand-in: Ping');
        return wb.page
          .locator('.quick-input-list .monaco-list-row', { hasText: 'Dotprompt Stand-in: Ping' })
          .first()
          .waitFor({ state: 'visible', timeout: 3000 })
          .then(() => true, () => false);
      }, 30_000, 500);
      await wb.page.keyboard.press('Escape');
      await wb.openFile('problems.prompt');
      const rows = await waitFor('Promptsmith diagnostics beside the stand-in', async () => {
        const all = await wb.problems();
        return all.some((r) => r.includes("'mood'")) && all;
      }, 45_000, 1000);
      log(`problems: ${rows.join(' | ').replace(/\s+/g, ' ')}`);
      await wb.page.keyboard.press('Control+Shift+M');
      await wb.page.locator('.editor-instance .monaco-editor .view-lines').first().click();
      await wb.runCommand('Developer: Inspect Editor Tokens and Scopes');
      const inspect = await waitFor('the token inspector', async () => {
        const text = await wb.page.locator('.token-inspect-widget').first().textContent({ timeout: 2000 });
        return text && /textmate scopes/i.test(text) && text;
      }, 20_000, 500);
      const root = /source\.dotprompt(\.promptsmith)?/.exec(inspect)?.[0];
      log(`highlighting grammar: ${root}; inspector: ${inspect.replace(/\s+/g, ' ').slice(0, 300)}`);
      await wb.screenshot('token-inspector');
      assert.ok(root, `the editor is highlighted by one of the two grammars: ${inspect}`);
      assert.deepEqual(
        warnings.filter((w) => /Overwriting grammar scope/i.test(w)),
        [],
        'two grammars, two scope names: VS Code replaces neither',
      );
    } finally {
      server.uninstallExtension('google.dotprompt-vscode');
      rmSync(standIn.dir, { recursive: true, force: true });
    }
  },
};
