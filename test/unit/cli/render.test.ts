// `promptsmith render` as a user runs it: the bundled CLI in its own process, on files that
// name models which do not exist here, with a preload that records every module the process
// loads, so "never loads a model or onnxruntime" is observed, not assumed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { cliBundle } from '../host/engineBundle';

let cli: string;
const dir = mkdtempSync(join(tmpdir(), 'render-cli-'));
const loadedLog = join(dir, 'loaded.txt');
const preload = join(dir, 'recordLoads.cjs');

before(() => {
  cli = cliBundle();
  writeFileSync(
    preload,
    `const Module = require('node:module'); const fs = require('node:fs'); const load = Module._load;
Module._load = function (request, ...rest) { fs.appendFileSync(${JSON.stringify(loadedLog)}, request + '\\n'); return load.call(this, request, ...rest); };`,
  );
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, HOME: dir, HF_HUB_OFFLINE: '1', NODE_OPTIONS: `--require ${preload}` };
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

test('render --json prints Dotprompt messages and config for a Genkit file, without loading onnxruntime or a model', async () => {
  const file = join(dir, 'support.prompt');
  writeFileSync(
    file,
    `---
model: googleai/gemini-2.5-flash
config: { temperature: 0.7 }
input:
  schema:
    name: string
    tags: string[]
---
{{#role "system"}}
You help {{name}}.
{{/role}}
{{history}}
{{#role "user"}}
Tags: {{#each tags}}{{this}} {{/each}}
{{/role}}
`,
  );
  writeFileSync(loadedLog, '');
  const data = JSON.stringify({ input: { tags: ['a', 'b'] }, messages: [{ role: 'user', content: [{ text: 'earlier' }] }] });
  const r = await runCli(['render', file, '--data', data, '--input', 'name=Ann', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.deepEqual(out, {
    messages: [
      { role: 'system', content: [{ text: 'You help Ann.\n' }] },
      { role: 'user', content: [{ text: 'earlier' }], metadata: { purpose: 'history' } },
      { role: 'user', content: [{ text: 'Tags: a b \n' }] },
    ],
    config: { temperature: 0.7 },
  });
  const loaded = readFileSync(loadedLog, 'utf8').split('\n');
  assert.ok(loaded.length > 5, 'the preload recorded the module loads');
  assert.deepEqual(
    loaded.filter((m) => /onnxruntime|engine\.js|transformers/.test(m)),
    [],
  );
});

test('render without --json shows each message under its role; a data file works like inline JSON', async () => {
  const file = join(dir, 'plain.prompt');
  writeFileSync(file, '{{role "System"}}Be brief.\n{{role "user"}}{{question}}\n{{media url=photo contentType="image/png"}}');
  const dataFile = join(dir, 'data.json');
  writeFileSync(dataFile, JSON.stringify({ input: { question: 'Why?', photo: 'https://example.com/a.png' } }));
  const r = await runCli(['render', file, '--data', dataFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '── system ──\nBe brief.\n\n── user ──\nWhy?\n[media https://example.com/a.png (image/png)]\n');
});

test('render errors name the file and line; bad --data is a usage error naming the field', async () => {
  const file = join(dir, 'broken.prompt');
  writeFileSync(file, '---\nmodel: x\n---\nHello\n{{json}}\n');
  const r = await runCli(['render', file]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`${file.replace(/[/\\.]/g, '\\$&')}:5: \\{\\{json\\}\\} takes one value to serialize, got none`));

  const bad = await runCli(['render', file, '--data', '{"messages": [{"role": "assistant", "content": []}]}']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--data\.messages\[0\]\.role: expected one of system, user, model, tool, got the string "assistant"/);

  const notJson = await runCli(['render', file, '--data', '{oops']);
  assert.equal(notJson.code, 2);
  assert.match(notJson.stderr, /--data: invalid JSON/);
});
