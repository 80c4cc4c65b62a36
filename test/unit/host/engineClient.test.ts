import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { after, before, test } from 'node:test';
import { EngineClient, EngineClientError } from '../../../src/engine/client/engineClient';
import { parseModelEvent } from '../../../src/protocol/modelApi';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';
import { storiesReference } from '../runtime/sharedModels';
import { engineBundle } from './engineBundle';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let enginePath: string;
let model: string;
const logs: string[] = [];
const clients: EngineClient[] = [];

function newClient(cancelGraceMs = 5000): EngineClient {
  const client = new EngineClient({ enginePath, cancelGraceMs, onLog: (t) => logs.push(t) });
  clients.push(client);
  return client;
}

before(async () => {
  enginePath = engineBundle();
  if (!skip) model = await storiesOnnxDir();
});
after(async () => {
  await Promise.all(clients.map((c) => c.dispose()));
});

const isCode = (code: string) => (err: unknown) => {
  assert.ok(err instanceof EngineClientError, String(err));
  assert.equal(err.code, code, err.message);
  return true;
};

test('ping answers from a forked engine process; bad requests are named', async () => {
  const client = newClient();
  const pong = await client.request('ping', null);
  assert.equal(pong.pong, true);
  assert.equal(pong.pid, client.pid);
  assert.notEqual(pong.pid, process.pid);
  // A client built from another version could ask for a method this engine does not have.
  const anyMethod = client.request.bind(client) as (method: string, params: null) => Promise<unknown>;
  await assert.rejects(anyMethod('noSuchMethod', null), isCode('E_UNKNOWN_METHOD'));
  // Names from Object.prototype are not methods either.
  await assert.rejects(anyMethod('constructor', null), isCode('E_UNKNOWN_METHOD'));
  await assert.rejects(anyMethod('toString', null), isCode('E_UNKNOWN_METHOD'));
  await assert.rejects(client.request('generate', { model: 'x', prompt: 'hi', maxTokens: 'lots' } as never), (err: Error) => {
    isCode('E_BAD_REQUEST')(err);
    assert.match(err.message, /params\.maxTokens/);
    return true;
  });
  await assert.rejects(client.request('generate', { model: '/definitely/not/here', prompt: 'x' }), isCode('E_MODEL_NOT_FOUND'));
});

test('generate streams token events and loads the model once', { skip }, async () => {
  const client = newClient();
  const pieces: string[] = [];
  const result = await client.request('generate', { model, device: 'cpu', prompt: '', greedy: true, maxTokens: 64 }, { onEvent: (e) => pieces.push((parseModelEvent(e) as { text: string }).text) });
  const ref = storiesReference();
  assert.deepEqual(result.ids, ref.greedy_from_bos);
  assert.equal(result.text, ref.greedy_text);
  assert.equal(pieces.join(''), result.text);
  assert.equal(result.device, 'cpu');
  const scored = await client.request('score', { model, device: 'cpu', prompts: ['Lily got a new toy. She was very'], continuations: [' happy'] });
  assert.ok(Math.abs(scored.items[0]!.logprob - ref.prompt_logprob_case.next_token_logprobs_top5[0]![1]) < 1e-4);
  const stats = await client.request('stats', null);
  assert.equal(stats.models.length, 1, 'generate and score share one loaded model');
  assert.ok(stats.maxRss >= stats.rss && stats.rss > 0);
});

test('a request no one listens to is answered without events; with a listener, each token streams', { skip }, async () => {
  // At the IPC level, where the client would drop unheard events: the engine must not send them.
  const child = fork(enginePath, [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
  try {
    const run = (id: number, events?: false) =>
      new Promise<{ events: number; tokens: number }>((resolve) => {
        let count = 0;
        const onMessage = (m: { kind: string; id: number; result?: { ids: number[] } }) => {
          if (m.id !== id) return;
          if (m.kind === 'event') count++;
          else {
            child.off('message', onMessage);
            resolve({ events: count, tokens: m.result!.ids.length });
          }
        };
        child.on('message', onMessage);
        child.send({ kind: 'request', id, method: 'generate', params: { model, device: 'cpu', prompt: '', greedy: true, maxTokens: 16 }, ...(events === false ? { events } : {}) });
      });
    assert.deepEqual(await run(1, false), { events: 0, tokens: 16 });
    assert.deepEqual(await run(2), { events: 16, tokens: 16 });
  } finally {
    child.kill();
  }
});

test('cancel: the engine stops cooperatively and answers with what it has', { skip }, async () => {
  const client = newClient();
  const controller = new AbortController();
  let tokens = 0;
  const result = await client.request('generate', { model, device: 'cpu', prompt: '', greedy: true, maxTokens: 400 }, {
    signal: controller.signal,
    onEvent: () => {
      if (++tokens === 2) controller.abort();
    },
  });
  assert.equal(result.finishReason, 'cancelled');
  assert.ok(result.ids.length < 400);
  assert.equal((await client.request('ping', null)).pid, client.pid, 'no restart was needed');
});

test('cancel of an engine that does not answer: killed after the grace period, then restarted', { skip }, async () => {
  const client = newClient(300);
  await client.request('loadModel', { model, device: 'cpu' });
  const pid = client.pid!;
  const controller = new AbortController();
  const pending = client.request('generate', { model, device: 'cpu', prompt: '', greedy: true, maxTokens: 400 }, { signal: controller.signal });
  // Freeze the engine so it cannot react to the cancel message.
  process.kill(pid, 'SIGSTOP');
  const started = Date.now();
  controller.abort();
  await assert.rejects(pending, isCode('E_CANCELLED'));
  assert.ok(Date.now() - started >= 250, 'waited for the grace period');
  const pong = await client.request('ping', null);
  assert.notEqual(pong.pid, pid);
});

test('kill -9 mid-request: every pending request fails with E_ENGINE_CRASHED, the next one works', { skip }, async () => {
  const client = newClient();
  await client.request('loadModel', { model, device: 'cpu' });
  const pid = client.pid!;
  let killed = false;
  const first = client.request('generate', { model, device: 'cpu', prompt: '', greedy: true, maxTokens: 400 }, {
    onEvent: () => {
      if (!killed) {
        killed = true;
        process.kill(pid, 'SIGKILL');
      }
    },
  });
  const second = client.request('score', { model, device: 'cpu', prompts: Array(200).fill('Once upon a time there was'), continuations: Array(200).fill(' a dog') });
  await assert.rejects(first, (err: Error) => {
    isCode('E_ENGINE_CRASHED')(err);
    assert.match(err.message, /killed \(SIGKILL\) while 'generate' was running; it restarts on the next request/);
    return true;
  });
  await assert.rejects(second, isCode('E_ENGINE_CRASHED'));
  const result = await client.request('generate', { model, device: 'cpu', prompt: '', greedy: true, maxTokens: 5 });
  assert.deepEqual(result.ids, storiesReference().greedy_from_bos.slice(0, 5));
  assert.notEqual(client.pid, pid);
});

test('dispose ends the process; later requests are refused', async () => {
  const client = newClient();
  await client.request('ping', null);
  const pid = client.pid!;
  await client.dispose();
  assert.throws(() => process.kill(pid, 0), 'the engine process is gone');
  await assert.rejects(client.request('ping', null), isCode('E_DISPOSED'));
});

test('a missing engine bundle is a clear error', async () => {
  const client = new EngineClient({ enginePath: '/nowhere/engine.js' });
  await assert.rejects(client.request('ping', null), (err: Error) => {
    isCode('E_ENGINE_MISSING')(err);
    assert.match(err.message, /^\/nowhere\/engine\.js: the engine bundle is missing/);
    return true;
  });
});
