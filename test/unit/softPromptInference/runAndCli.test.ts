// The engine method `runPrompt` and the CLI (`run`/`eval --soft-prompt DIR`) with a saved soft
// prompt on the real stories260k: streamed tokens, the same greedy text as the words the adapter
// stands for, the front-matter adapter, and one-line errors for bad adapters and flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import type { RunPromptParams, RunPromptResult } from '../../../src/protocol/methods/runPrompt';
import { callMethod } from '../helpers/engineMethods';
import { storiesHfDir, storiesModel, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';

const skip = storiesHfDir() && tinysentDir() ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';
const tmp = mkdtempSync(join(tmpdir(), 'soft-run-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const STORY = 'Lily found a shiny stone.';
let modelDir: string;
let adapter: string;

before(async () => {
  if (skip) return;
  modelDir = await storiesOnnxDir();
  // A TEXT-style adapter: the embedding rows of " They were" (what PEFT's TEXT init starts from).
  const t = findEmbeddingGather(storiesModel().graph).table;
  const d = t.dims[1]!;
  const ids = loadTokenizer(modelDir).encode(' They were', { addSpecialTokens: false });
  const embeddings = new Float32Array(ids.length * d);
  ids.forEach((id, i) => {
    embeddings.set((t.data as Float32Array).subarray(id * d, (id + 1) * d), i * d);
  });
  adapter = join(tmp, 'adapter');
  saveSoftPrompt(adapter, { numVirtualTokens: ids.length, tokenDim: d, embeddings, init: 'TEXT', initText: ' They were', baseModel: modelDir });
});

function promptFile(name: string, template: string, extra: string[] = []): string {
  const file = join(tmp, `${name}.prompt`);
  const lines = ['---', `model: ${modelDir}`, 'config: { temperature: 0, maxOutputTokens: 12 }', 'input:', '  schema: { text: string }', 'promptsmith.task:'];
  lines.push(`  dev: ${join(tinysentDir()!, 'dev.jsonl')}`, '  labels: { positive: " happy", negative: " sad" }', ...extra, '---', template, '');
  writeFileSync(file, lines.join('\n'));
  return file;
}

async function runPrompt(params: Partial<RunPromptParams> & { promptFile: string }): Promise<{ result: RunPromptResult; streamed: string }> {
  const tokens: string[] = [];
  const result = await callMethod('runPrompt', { input: { text: STORY }, device: 'cpu', ...params }, { onEvent: (e) => e.type === 'token' && tokens.push(e.text) });
  return { result, streamed: tokens.join('') };
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [cliBundle(), ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('runPrompt with the adapter at the slot streams the text that the written " They were" generates', { skip }, async () => {
  const written = await runPrompt({ promptFile: promptFile('written', '{{text}} They were') });
  const slotFile = promptFile('slot', '{{text}}{{softprompt "feel"}}');
  const soft = await runPrompt({ promptFile: slotFile, softPrompt: adapter });
  assert.equal((soft.result.ids as number[]).length, 12);
  assert.deepEqual(soft.result.ids, written.result.ids);
  assert.equal(soft.streamed, soft.result.text);
  assert.equal(soft.result.soft_prompt, adapter);
  assert.equal(soft.result.prompt, STORY, 'the reported prompt has no slot marker');
  // Without an adapter the slot renders empty: the plain prompt is the story alone.
  const plain = await runPrompt({ promptFile: slotFile });
  assert.equal(plain.result.prompt, STORY);
  assert.notDeepEqual(plain.result.ids, soft.result.ids);
});

test('runPrompt uses the front-matter adapter unless noSoftPrompt', { skip }, async () => {
  mkdirSync(join(tmp, 'fm'), { recursive: true });
  const file = promptFile('fm/with-adapter', '{{text}}{{softprompt "feel"}}', ['promptsmith.softPrompt: { adapter: ../adapter }']);
  const withIt = await runPrompt({ promptFile: file });
  assert.equal(withIt.result.soft_prompt, adapter, 'resolved against the .prompt file');
  const written = await runPrompt({ promptFile: promptFile('written', '{{text}} They were') });
  assert.deepEqual(withIt.result.ids, written.result.ids);
  const without = await runPrompt({ promptFile: file, noSoftPrompt: true });
  assert.equal(without.result.soft_prompt, undefined);
  assert.notDeepEqual(without.result.ids, withIt.result.ids);
});

test('CLI: eval and run --soft-prompt DIR --json; bad adapters and clashing flags', { skip }, async () => {
  const slotFile = promptFile('slot', '{{text}}{{softprompt "feel"}}');
  const ev = cli(['eval', slotFile, '--soft-prompt', adapter, '--device', 'cpu', '--json']);
  assert.equal(ev.status, 0, ev.stderr);
  const e = JSON.parse(ev.stdout);
  assert.equal(e.soft_prompt, adapter);
  assert.equal(e.n, 64);
  assert.ok(Math.abs(e.accuracy - 0.594) < 0.008, `the written template's accuracy (tinysent README), got ${e.accuracy}`);
  assert.equal(typeof e.manual_accuracy, 'number');
  assert.deepEqual(Object.keys(e.per_label).sort(), ['negative', 'positive']);

  const run = cli(['run', slotFile, '--input', `text=${STORY}`, '--soft-prompt', adapter, '--json']);
  assert.equal(run.status, 0, run.stderr);
  const r = JSON.parse(run.stdout);
  const written = await runPrompt({ promptFile: promptFile('written', '{{text}} They were') });
  assert.deepEqual(r.ids, written.result.ids);
  assert.equal(r.soft_prompt, adapter);

  const missing = cli(['eval', slotFile, '--soft-prompt', join(tmp, 'nowhere')]);
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.trim(), `promptsmith eval: ${join(tmp, 'nowhere', 'adapter_config.json')}: file not found`);
  const clash = cli(['run', slotFile, '--soft-prompt', adapter, '--no-soft-prompt']);
  assert.equal(clash.status, 2);
  assert.match(clash.stderr, /--soft-prompt and --no-soft-prompt exclude each other/);
});
