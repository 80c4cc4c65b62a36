// The extension manifest as the Marketplace and VS Code read it: every %key% has its English
// string in package.nls.json, every file it names exists and ships in the .vsix (.vscodeignore),
// every command it contributes is implemented, and the settings carry scope and descriptions.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { PROMPT_TEMPLATES } from '../../../src/extension/gettingStarted/promptTemplates';
import { parsePromptFile } from '../../../src/promptFile/promptFile';
import { renderPromptFile } from '../../../src/promptFile/render';

const root = resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nls = JSON.parse(readFileSync(join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;

/** .vscodeignore: everything is excluded, then `!pattern` lines put files back (`**` any depth, `*` within a name). */
function ships(path: string): boolean {
  const lines = readFileSync(join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
  const toRegex = (glob: string) => new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\/?/g, '§').replace(/\*/g, '[^/]*').replace(/§/g, '.*')}$`);
  return lines.filter((l) => l.startsWith('!')).some((l) => toRegex(l.slice(1)).test(path));
}

function filesNamed(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string' && /^\.?\/?(media|snippets|syntaxes|examples|dist)\/|\.(png|svg|md|json|code-snippets)$/.test(value) && !value.includes(' ')) out.push(value.replace(/^\.\//, ''));
  else if (Array.isArray(value)) for (const v of value) filesNamed(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) filesNamed(v, out);
  return out;
}

test('every %key% of the manifest has a string in package.nls.json, and every string is used', () => {
  const text = readFileSync(join(root, 'package.json'), 'utf8');
  const keys = [...text.matchAll(/"%([\w.-]+)%"/g)].map((m) => m[1]!);
  assert.ok(keys.length > 40);
  for (const key of keys) assert.ok(nls[key], `package.nls.json lacks ${key}`);
  assert.deepEqual(Object.keys(nls).filter((k) => !keys.includes(k)), []);
});

test('files the manifest names exist and ship in the .vsix', () => {
  const named = filesNamed(manifest.contributes).concat(manifest.icon, manifest.contributes.languages[0].configuration.replace('./', ''));
  assert.ok(named.includes('media/icon.png') && named.includes('snippets/dotprompt.code-snippets') && named.includes('media/walkthrough/run.md'), named.join(' '));
  for (const file of named) {
    assert.ok(existsSync(join(root, file)), `${file} is missing`);
    assert.ok(ships(file), `${file} is excluded by .vscodeignore`);
  }
  const png = readFileSync(join(root, 'media/icon.png'));
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], 'the icon is 128×128');
  for (const f of readdirSync(join(root, 'examples/sentiment'), { recursive: true }) as string[]) {
    if (statSync(join(root, 'examples/sentiment', f)).isFile()) assert.ok(ships(`examples/sentiment/${f}`), f);
  }
  assert.ok(ships('CHANGELOG.md') && ships('package.nls.json'));
  JSON.parse(readFileSync(join(root, 'snippets/dotprompt.code-snippets'), 'utf8'));
});

test('every contributed command is registered by the extension code; settings have a scope and markdown descriptions', () => {
  const sources = (dir: string): string => readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? readFileSync(join(dir, e.name), 'utf8') : '')).join('\n');
  const code = sources(join(root, 'src/extension'));
  for (const { command } of manifest.contributes.commands as { command: string }[]) {
    assert.ok(code.includes(`'${command}'`), `${command} is contributed but never registered`);
  }
  for (const [name, setting] of Object.entries(manifest.contributes.configuration.properties as Record<string, Record<string, unknown>>)) {
    assert.ok(typeof setting.scope === 'string', `${name} has no scope`);
    assert.ok(typeof setting.markdownDescription === 'string', `${name} has no markdownDescription`);
    if (Array.isArray(setting.enum)) assert.equal((setting.enumDescriptions as unknown[] | undefined)?.length, setting.enum.length, `${name}: one enumDescription per value`);
  }
  assert.deepEqual(manifest.extensionKind, ['workspace']);
  assert.equal(manifest.capabilities.virtualWorkspaces.supported, 'limited');
  const steps = manifest.contributes.walkthroughs[0].steps.map((s: { id: string }) => s.id);
  assert.deepEqual(steps, ['openExample', 'run', 'evaluate', 'tune', 'compare']);
});

test('each New .prompt File template opens without errors or warnings and renders', async () => {
  assert.deepEqual(
    PROMPT_TEMPLATES.map((t) => t.id),
    ['classification', 'chat', 'extraction'],
  );
  for (const template of PROMPT_TEMPLATES) {
    const problems = analyzePromptSource(template.text).problems.filter((p) => p.severity === 'error' || p.severity === 'warning');
    assert.deepEqual(problems, [], template.id);
    const rendered = await renderPromptFile(parsePromptFile(template.text), { text: 'Ann is 7.', question: 'Why?' });
    assert.ok(rendered.messages.length >= 1, template.id);
  }
});
