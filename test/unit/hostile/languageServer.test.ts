// The real language server process with a hostile workspace. Untrusted (as the extension says at
// start): hover renders nothing and runs no chat template, model folders outside the workspace
// are not even looked at. Once the user grants trust (a notification), the same hover works and
// a runaway chat template is stopped by its bounds. Files with prototype-polluting keys, numeric
// keys or 5,000 nested blocks get diagnostics quickly and never silence the other documents.
import assert from 'node:assert/strict';
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection, type PublishDiagnosticsParams } from 'vscode-languageserver/node';
import { WORKSPACE_TRUST_NOTIFICATION } from '../../../src/protocol/workspaceTrust';
import { repoRoot, storiesHfDir } from '../helpers/fixtures';

const stories = storiesHfDir();
const ws = mkdtempSync(join(tmpdir(), 'ps-untrusted-'));
const outsideModel = join(mkdtempSync(join(tmpdir(), 'ps-outside-')), 'no-such-model');
let child: ChildProcess;
let rpc: MessageConnection;
const published: PublishDiagnosticsParams[] = [];

function uriOf(name: string): string {
  return pathToFileURL(join(ws, name)).href;
}

before(async () => {
  mkdirSync(join(ws, 'model'));
  if (stories) copyFileSync(join(stories, 'tokenizer.json'), join(ws, 'model', 'tokenizer.json'));
  // A chat template with 10^10 steps: it would hang the server for good if it ever ran unbounded.
  writeFileSync(join(ws, 'model', 'tokenizer_config.json'), JSON.stringify({ chat_template: '{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}' }));
  const out = join(mkdtempSync(join(tmpdir(), 'ps-server-')), 'server.js');
  const esbuild = join(repoRoot(), 'node_modules/.bin/esbuild');
  const built = spawnSync(esbuild, ['src/language/server.ts', '--bundle', '--platform=node', '--format=cjs', '--target=node20', `--outfile=${out}`, '--log-level=warning', '--external:vscode', '--external:onnxruntime-node'], {
    cwd: repoRoot(),
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);
  child = fork(out, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  rpc = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  rpc.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    published.push(params);
  });
  rpc.onNotification('window/logMessage', () => {});
  rpc.listen();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: pathToFileURL(ws).href, workspaceFolders: [{ uri: pathToFileURL(ws).href, name: 'ws' }], capabilities: {}, initializationOptions: { model: '', trusted: false } });
  await rpc.sendNotification('initialized', {});
});

after(() => {
  rpc?.dispose();
  child?.kill();
});

/** The first diagnostics for `uri` published after `since` (an index into `published`). */
async function nextDiagnostics(uri: string, since: number, timeoutMs = 30_000): Promise<PublishDiagnosticsParams> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = published.slice(since).find((p) => p.uri === uri);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function open(name: string, text: string): Promise<PublishDiagnosticsParams> {
  const since = published.length;
  await rpc.sendNotification('textDocument/didOpen', { textDocument: { uri: uriOf(name), languageId: 'dotprompt', version: 1, text } });
  return nextDiagnostics(uriOf(name), since);
}

async function hoverText(name: string, line: number, character: number): Promise<{ text: string; ms: number }> {
  const started = Date.now();
  const hover = (await rpc.sendRequest('textDocument/hover', { textDocument: { uri: uriOf(name) }, position: { line, character } })) as { contents: { value: string } } | null;
  return { text: hover?.contents.value ?? '', ms: Date.now() - started };
}

const TASK = `---\nmodel: ./model\ninput:\n  default: { text: hi }\npromptsmith.task:\n  labels: { a: " yes", b: " no" }\n---\n{{text}} They were\n`;

test('untrusted: no rendering, no chat template, nothing outside the workspace; trusted: bounded', { skip: stories ? false : 'needs ../shared/models/stories260k-hf' }, async () => {
  await open('task.prompt', TASK);
  const untrusted = await hoverText('task.prompt', 7, 12);
  assert.match(untrusted.text, /Token count: not read in an untrusted workspace \(Restricted Mode\)/);
  const outside = await open('outside.prompt', `---\nmodel: ${outsideModel}\n---\nhi\n`);
  assert.deepEqual(
    outside.diagnostics.map((d) => d.code),
    [],
  );

  const since = published.length;
  await rpc.sendNotification(WORKSPACE_TRUST_NOTIFICATION, { trusted: true });
  assert.deepEqual(
    (await nextDiagnostics(uriOf('outside.prompt'), since)).diagnostics.map((d) => d.code),
    ['model-not-found'],
  );
  const trusted = await hoverText('task.prompt', 7, 12);
  console.log(`hover with a 10^10-step chat template: answered in ${trusted.ms} ms`);
  assert.match(trusted.text, /Token count unavailable: .*chat_template failed \(the template ran more than 50,000 steps/);
  // The server is alive and answers the next request.
  assert.match((await hoverText('task.prompt', 1, 2)).text, /Model/);
});

test('polluting keys, numeric keys and 5,000 nested blocks: diagnostics within seconds, other documents unaffected', async () => {
  const started = Date.now();
  const polluted = await open('polluted.prompt', '---\n__proto__.polluted: yes\nconstructor.prototype.x: 1\n---\nHi {{name}}\n');
  assert.deepEqual(
    polluted.diagnostics.map((d) => d.code),
    ['unsafe-key', 'unsafe-key'],
  );
  const numeric = await open('numeric.prompt', '---\n7: x\npromptsmith.softPrompt: {7: 8}\n---\nhi\n');
  for (const d of numeric.diagnostics) assert.ok(Number.isInteger(d.range.start.character) && Number.isInteger(d.range.end.line), JSON.stringify(d));
  assert.deepEqual(
    numeric.diagnostics.map((d) => d.code),
    ['unknown-key', 'promptsmith-unknown-key'],
  );
  const symbols = (await rpc.sendRequest('textDocument/documentSymbol', { textDocument: { uri: uriOf('numeric.prompt') } })) as unknown[];
  assert.ok(symbols.length > 0);
  const deep = await open('deep.prompt', `${'{{#if a}}'.repeat(5000)}x${'{{/if}}'.repeat(5000)}`);
  assert.deepEqual(
    deep.diagnostics.map((d) => d.code),
    ['template-too-deep'],
  );
  const fine = await open('fine.prompt', '---\ninput:\n  schema: { name: string }\n---\nHi {{nmae}}\n');
  assert.deepEqual(
    fine.diagnostics.map((d) => d.code),
    ['unused-variable', 'undefined-variable'],
  );
  console.log(`hostile documents: all diagnostics in ${Date.now() - started} ms`);
  assert.equal(child.exitCode, null);
});
