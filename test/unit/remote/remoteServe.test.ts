// The remote client against `promptsmith serve`'s server over loopback, both real: evaluation,
// runs, task scores and generation through the endpoint equal the same work done locally.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { OpenAiClient } from '../../../src/engine/remote/openAiClient';
import { RemoteTaskScorer } from '../../../src/engine/remote/remoteTaskScorer';
import type { RunningServer } from '../../../src/engine/remote/server/openAiServer';
import { generate } from '../../../src/engine/runtime/generation';
import type { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { evaluatePromptFile } from '../../../src/engine/tasks/evaluatePromptFile';
import { LocalTaskScorer } from '../../../src/engine/tasks/localTaskScorer';
import { runPromptFile } from '../../../src/engine/tasks/runPromptFile';
import type { SlotExample } from '../../../src/engine/tasks/taskScorer';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { SERVED_NAME, serveStories, tinysentPrompt } from './remoteHelpers';

const skip = storiesHfDir() && tinysentDir() ? false : STORIES_ABSENT;
let model: LanguageModel;
let server: RunningServer;
before(async () => {
  if (skip) return;
  ({ model, server } = await serveStories());
});
after(() => server?.close());

const remoteModel = `openai-compatible/${SERVED_NAME}`;

test('evaluation through the endpoint gives exactly the local accuracy on tinysent dev', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'remote-eval-'));
  const local = await evaluatePromptFile({ promptFile: tinysentPrompt(dir, await storiesOnnxDir()), device: 'cpu' });
  const remoteDir = mkdtempSync(join(tmpdir(), 'remote-eval-'));
  const events: string[] = [];
  const remote = await evaluatePromptFile({
    promptFile: tinysentPrompt(remoteDir, remoteModel, [`promptsmith.endpoint: ${server.url}`]),
    emit: (e) => {
      if (e.type === 'device') events.push(e.device);
    },
  });
  assert.equal(remote.n, 64);
  assert.equal(remote.accuracy, local.accuracy);
  assert.equal(remote.calibrated.accuracy, local.calibrated.accuracy);
  assert.deepEqual(remote.confusion, local.confusion);
  for (const [i, w] of local.worst.entries()) {
    assert.equal(remote.worst[i]!.line, w.line);
    for (const label of ['positive', 'negative']) assert.ok(Math.abs(remote.worst[i]!.probs[label]! - w.probs[label]!) < 1e-6, `line ${w.line} ${label}`);
  }
  assert.equal(remote.model, remoteModel);
  assert.equal(remote.device, `remote ${server.url}`);
  assert.deepEqual(events, [`remote ${server.url}`]);
});

test('--model openai-compatible/<name> with --endpoint overrides a local file', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'remote-override-'));
  const file = tinysentPrompt(dir, await storiesOnnxDir(), [], '{{text}} He was very');
  const local = await evaluatePromptFile({ promptFile: file, device: 'cpu' });
  const remote = await evaluatePromptFile({ promptFile: file, model: remoteModel, endpoint: server.url });
  assert.equal(remote.accuracy, local.accuracy);
  assert.equal(remote.device, `remote ${server.url}`);
});

test('a streamed run through the endpoint equals local greedy generation, token pieces included', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'remote-run-'));
  const file = tinysentPrompt(dir, remoteModel, [`promptsmith.endpoint: ${server.url}`, 'config: { temperature: 0, maxOutputTokens: 40 }'], 'Once upon a time, {{text}}');
  const pieces: string[] = [];
  const run = await runPromptFile({ promptFile: file, input: { text: 'there was a dog' } }, { emit: (e) => e.type === 'token' && pieces.push(e.text), signal: new AbortController().signal });
  const local = await generate(model, 'Once upon a time, there was a dog', { greedy: true, maxTokens: 40 });
  assert.equal(run.text, local.text);
  assert.equal(pieces.join(''), local.text);
  assert.ok(pieces.length > 10, `${pieces.length} pieces streamed`);
  assert.equal(run.prompt, 'Once upon a time, there was a dog');
  assert.equal(run.finishReason, local.finishReason === 'length' ? 'length' : 'stop');
});

test('a file with roles goes through chat completions; a model without a chat template sees the joined text', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'remote-chat-'));
  const template = '{{role "system"}}Once upon a time,\n{{role "user"}}{{text}}';
  const file = tinysentPrompt(dir, remoteModel, [`promptsmith.endpoint: ${server.url}`, 'config: { temperature: 0, maxOutputTokens: 20 }'], template);
  const run = await runPromptFile({ promptFile: file, input: { text: 'there was a cat' } }, { emit: () => {}, signal: new AbortController().signal });
  const local = await generate(model, 'Once upon a time,\n\nthere was a cat', { greedy: true, maxTokens: 20 });
  assert.equal(run.text, local.text);
});

const examples: SlotExample[] = [
  { before: 'Ben got wet and cold in the storm.', after: '', label: 1 },
  { before: 'Max made a new friend at the park. Then', after: ' he was', label: 0 },
  { before: 'Amy ate a big piece of cake.', after: ' She felt very', label: 0 },
];
const prompts = [{ text: ' They were' }, { text: ' It was a' }, { text: '' }];

test('the remote task scorer gives the local scorer\'s class scores, reference log-probs and generations', { skip }, async () => {
  const verbalizers = [' happy', ' sad', ' scared and sad'];
  const client = new OpenAiClient({ endpoint: server.url, maxConcurrency: 3 });
  const remote = new RemoteTaskScorer(client, SERVED_NAME, verbalizers, { promptsPerRequest: 4 });
  const local = new LocalTaskScorer(model, verbalizers);
  const [got, want] = [await remote.classScores(prompts, examples), await local.classScores(prompts, examples)];
  for (const [p, row] of want.entries()) {
    for (const [e, scores] of row.entries()) {
      for (const [c, s] of scores.entries()) assert.ok(Math.abs(got[p]![e]![c]! - s) < 2e-4, `prompt ${p} example ${e} class ${c}: ${got[p]![e]![c]} vs ${s}`);
    }
  }
  assert.equal(remote.evaluations, prompts.length * examples.length);
  const refs = [{ before: 'Once upon a time, there was a', after: ' little', reference: ' girl named Lily.' }];
  const [[gotRef]] = await remote.referenceLogprobs([{ text: ' very' }], refs);
  const [[wantRef]] = await local.referenceLogprobs([{ text: ' very' }], refs);
  assert.ok(Math.abs(gotRef! - wantRef!) < 2e-4, `${gotRef} vs ${wantRef}`);
  const gen = [{ before: 'Once upon a time,', after: ' a' }];
  assert.deepEqual(await remote.generate([{ text: ' there was' }], gen, { maxTokens: 8 }), await local.generate([{ text: ' there was' }], gen, { maxTokens: 8 }));
  const stats = remote.stats();
  assert.ok(stats.requests > 0 && stats.maxInFlight <= 3 && stats.requestsPerSecond > 0);
});

test('without echo, single-token verbalizers are read from the next token\'s top log-probs with the same scores', { skip }, async () => {
  const verbalizers = [' happy', ' little'];
  const echo = new RemoteTaskScorer(new OpenAiClient({ endpoint: server.url }), SERVED_NAME, verbalizers, { mode: 'echo' });
  const top = new RemoteTaskScorer(new OpenAiClient({ endpoint: server.url }), SERVED_NAME, verbalizers, { mode: 'top-logprobs', topLogprobs: 512 });
  const [a, b] = [await echo.classScores(prompts, examples), await top.classScores(prompts, examples)];
  for (const [p, row] of a.entries()) for (const [e, scores] of row.entries()) for (const [c, s] of scores.entries()) assert.ok(Math.abs(b[p]![e]![c]! - s) < 1e-9, `${p}/${e}/${c}`);
  assert.equal(top.stats().approximated, 0);
  // ' sad' is two tokens (▁sa, d): the next token's log-probs cannot score it, and saying so beats a wrong number.
  const sad = new RemoteTaskScorer(new OpenAiClient({ endpoint: server.url }), SERVED_NAME, [' happy', ' sad'], { mode: 'top-logprobs', topLogprobs: 512 });
  await assert.rejects(sad.classScores(prompts, examples), { code: 'E_REMOTE_UNSUPPORTED', message: /" sad" never appeared among the top 512 next tokens of 9 prompts/ });
});

test('serve answers /v1/models with its name, and bad requests with a 400 or 404 naming the field', { skip }, async () => {
  const client = new OpenAiClient({ endpoint: server.url, maxRetries: 0 });
  assert.deepEqual(((await client.getJson('/models')) as { data: { id: string }[] }).data.map((m) => m.id), [SERVED_NAME]);
  await assert.rejects(client.postJson('/completions', { model: 'other', prompt: 'x' }), /HTTP 404: the model 'other' does not exist; this server serves 'stories260k'/);
  await assert.rejects(client.postJson('/completions', { model: SERVED_NAME, prompt: 'x', temperature: 'hot' }), /HTTP 400: 'temperature' must be a number/);
  await assert.rejects(client.postJson('/completions', { model: SERVED_NAME }), /HTTP 400: 'prompt' must be/);
  await assert.rejects(client.postJson('/completions', { model: SERVED_NAME, prompt: 'x', logprobs: 1, max_tokens: 5 }), /HTTP 400: .*max_tokens 0 or 1/);
  await assert.rejects(client.getJson('/nowhere'), /HTTP 404: no route GET \/v1\/nowhere/);
});
