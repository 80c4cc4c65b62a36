// The real language server process over IPC: diagnostics arrive for an opened document, features
// answer, and a 5 MB document, binary garbage and an empty file neither crash nor hang it.
import assert from 'node:assert/strict';
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, IPCMessageReader, IPCMessageWriter, type MessageConnection, type PublishDiagnosticsParams } from 'vscode-languageserver/node';

const repoRoot = resolve(__dirname, '../../..');
let child: ChildProcess;
let rpc: MessageConnection;
const published = new Map<string, PublishDiagnosticsParams[]>();
const waiters: (() => void)[] = [];

before(async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'ps-server-')), 'server.js');
  // esbuild's JS API cannot run from inside a bundle, so its CLI builds the server from source.
  const esbuildBin = join(repoRoot, 'node_modules/.bin/esbuild');
  const built = spawnSync(esbuildBin, ['src/language/server.ts', '--bundle', '--platform=node', '--format=cjs', '--target=node20', `--outfile=${out}`, '--log-level=warning', '--external:vscode', '--external:onnxruntime-node'], { cwd: repoRoot, encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  child = fork(out, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  rpc = createMessageConnection(new IPCMessageReader(child), new IPCMessageWriter(child));
  rpc.onNotification('textDocument/publishDiagnostics', (params: PublishDiagnosticsParams) => {
    published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
    for (const w of waiters.splice(0)) w();
  });
  rpc.onNotification('window/logMessage', () => {});
  rpc.listen();
  await rpc.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
  await rpc.sendNotification('initialized', {});
});

after(() => {
  rpc?.dispose();
  child?.kill();
});

async function diagnosticsFor(uri: string, version: number, timeoutMs = 30_000): Promise<PublishDiagnosticsParams> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hit = published.get(uri)?.find((p) => p.version === version);
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`no diagnostics for ${uri} v${version} within ${timeoutMs} ms`);
    await new Promise<void>((r) => {
      waiters.push(r);
      setTimeout(r, 200);
    });
  }
}

function open(uri: string, text: string, version = 1): Promise<void> {
  return rpc.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'dotprompt', version, text } });
}

test('diagnostics with exact ranges, incremental edits, hover, completion, code lens', async () => {
  const uri = pathToFileURL(join(repoRoot, 'examples/virtual-test.prompt')).href;
  await open(uri, '---\ninput:\n  schema: { name: string }\nconfig: {temperature: 1\n---\nHi {{nmae}}');
  const first = await diagnosticsFor(uri, 1);
  assert.deepEqual(
    first.diagnostics.map((d) => [d.code, d.severity, d.range.start.line]),
    [
      ['unused-variable', 4, 2],
      ['yaml-syntax', 1, 3],
      ['undefined-variable', 2, 5],
    ],
  );
  // Incremental change: fix the YAML (close the brace at the end of line 3).
  await rpc.sendNotification('textDocument/didChange', {
    textDocument: { uri, version: 2 },
    contentChanges: [{ range: { start: { line: 3, character: 23 }, end: { line: 3, character: 23 } }, text: '}' }],
  });
  const second = await diagnosticsFor(uri, 2);
  assert.deepEqual(
    second.diagnostics.map((d) => [d.code, d.range]),
    [
      ['unused-variable', { start: { line: 2, character: 12 }, end: { line: 2, character: 16 } }],
      ['undefined-variable', { start: { line: 5, character: 5 }, end: { line: 5, character: 9 } }],
    ],
  );
  const hover = await rpc.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 1, character: 2 } });
  assert.match(JSON.stringify(hover), /Input variables/);
  const completion = (await rpc.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: 5, character: 5 } })) as { label: string }[];
  assert.ok(completion.some((c) => c.label === 'name'));
  const actions = (await rpc.sendRequest('textDocument/codeAction', {
    textDocument: { uri },
    range: second.diagnostics[1]!.range,
    context: { diagnostics: [second.diagnostics[1]] },
  })) as { title: string }[];
  assert.deepEqual(
    actions.map((a) => a.title),
    ["Add 'nmae' to input.schema"],
  );
  const lenses = (await rpc.sendRequest('textDocument/codeLens', { textDocument: { uri } })) as { command: { command: string } }[];
  assert.equal(lenses.length, 4);
});

test('a 5 MB file, binary garbage and an empty file: diagnostics still come, the server stays up', async () => {
  const big = `---\ninput: { schema: { name: string } }\n---\n${'Hello {{name}}, {{#if name}}yes{{/if}}\n'.repeat(130_000)}`;
  const garbage = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 2654435761) % 256)).toString('latin1');
  const start = Date.now();
  await open('untitled:big', big);
  await open('untitled:garbage', garbage);
  await open('untitled:empty', '');
  const bigDiagnostics = await diagnosticsFor('untitled:big', 1);
  console.log(`5 MB document: diagnostics after ${Date.now() - start} ms`);
  assert.deepEqual(
    bigDiagnostics.diagnostics.map((d) => d.code),
    ['analysis-limited'],
  );
  await diagnosticsFor('untitled:garbage', 1);
  assert.deepEqual((await diagnosticsFor('untitled:empty', 1)).diagnostics, []);
  const symbols = await rpc.sendRequest('textDocument/documentSymbol', { textDocument: { uri: 'untitled:garbage' } });
  assert.ok(Array.isArray(symbols));
  const hover = await rpc.sendRequest('textDocument/hover', { textDocument: { uri: 'untitled:empty' }, position: { line: 0, character: 0 } });
  assert.match(JSON.stringify(hover), /Token count/);
  assert.equal(child.exitCode, null, 'server still running');
});

test('a dataset created on disk clears its diagnostic after a watched-files notification, and its data warnings appear', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-watch-'));
  const file = join(dir, 'task.prompt');
  const uri = pathToFileURL(file).href;
  await open(uri, '---\npromptsmith.task:\n  dev: dev.jsonl\n  labels: { a: " yes", b: " no" }\n---\nx');
  assert.deepEqual(
    (await diagnosticsFor(uri, 1)).diagnostics.map((d) => d.code),
    ['dataset-missing'],
  );
  writeFileSync(join(dir, 'dev.jsonl'), '{"text":"x","label":"a"}\n');
  published.delete(uri);
  await rpc.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: pathToFileURL(join(dir, 'dev.jsonl')).href, type: 1 }] });
  // The one-row dev set is read now: too small to separate prompts, and no test split beside it.
  const after = (await diagnosticsFor(uri, 1)).diagnostics;
  assert.deepEqual(after.map((d) => d.code), ['small-eval-set', 'no-test-split']);
  assert.match(String(after[0]!.message), /dev has 1 row: an accuracy of 50% on 1 rows is \d+%–\d+% at 95%/);
});

test('the promptsmith.model setting gives files without model: a token count', async () => {
  const models = resolve(repoRoot, '../shared/models/stories260k-hf');
  const { existsSync } = await import('node:fs');
  if (!existsSync(join(models, 'tokenizer.json'))) return;
  await rpc.sendNotification('workspace/didChangeConfiguration', { settings: { promptsmith: { model: models } } });
  await open('untitled:setting', 'Once upon a time');
  await diagnosticsFor('untitled:setting', 1);
  const hover = await rpc.sendRequest('textDocument/hover', { textDocument: { uri: 'untitled:setting' }, position: { line: 0, character: 3 } });
  assert.match(JSON.stringify(hover), /\*\*\d+ tokens\*\* for the default model/);
  await rpc.sendNotification('workspace/didChangeConfiguration', { settings: { promptsmith: { model: '' } } });
});
