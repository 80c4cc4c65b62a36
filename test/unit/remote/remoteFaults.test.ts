// The client's behaviour under real faults: a small proxy in front of the real `serve` server
// answers 429/5xx, hangs, or counts requests in flight; a closed port refuses connections.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { OpenAiClient } from '../../../src/engine/remote/openAiClient';
import { RemoteScorer } from '../../../src/engine/remote/remoteScoring';
import type { RunningServer } from '../../../src/engine/remote/server/openAiServer';
import { STORIES_ABSENT, storiesHfDir } from '../helpers/fixtures';
import { type Fault, faultyProxy, SERVED_NAME, serveStories } from './remoteHelpers';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let server: RunningServer;
before(async () => {
  if (!skip) ({ server } = await serveStories());
});
after(() => server?.close());

const prompts = ['Sam got a puppy. They were', 'Amy was sick in bed. They were', 'Tom lost his ball. He was very', 'Mia won the race. She was very'];
const continuations = [' happy', ' sad', ' sad', ' happy'];
/** Fast retries, so the tests wait milliseconds, not seconds. */
const fast = { retryBaseMs: 10, retryMaxMs: 50 };

async function withProxy<T>(fault: (n: number) => Fault, fn: (proxy: Awaited<ReturnType<typeof faultyProxy>>) => Promise<T>): Promise<T> {
  const proxy = await faultyProxy(server.url, fault);
  try {
    return await fn(proxy);
  } finally {
    await proxy.close();
  }
}

test('429 (with Retry-After), 503 and 502 answers are retried, and the scores equal a clean run', { skip }, async () => {
  const clean = await new RemoteScorer(new OpenAiClient({ endpoint: server.url }), SERVED_NAME, { promptsPerRequest: 4 }).score(prompts, continuations);
  const faults: Fault[] = [{ status: 429, retryAfter: 0 }, { status: 503 }, { status: 502 }];
  await withProxy(
    (n) => faults[n] ?? 'pass',
    async (proxy) => {
      const retried: string[] = [];
      const client = new OpenAiClient({ endpoint: proxy.url, ...fast, onRetry: (r) => retried.push(r.why) });
      const scores = await new RemoteScorer(client, SERVED_NAME, { promptsPerRequest: 4, mode: 'echo' }).score(prompts, continuations);
      assert.deepEqual(scores, clean);
      assert.deepEqual(retried, ['HTTP 429: injected 429', 'HTTP 503: injected 503', 'HTTP 502: injected 502']);
      assert.equal(client.stats().retries, 3);
      assert.equal(proxy.seen, 4);
    },
  );
});

test('a 500 that persists fails with the server\'s message after the retries; a 400 fails at once; a 401 points at the API key', { skip }, async () => {
  await withProxy(
    () => ({ status: 500 }),
    async (proxy) => {
      const client = new OpenAiClient({ endpoint: proxy.url, maxRetries: 2, ...fast });
      await assert.rejects(client.postJson('/completions', { prompt: 'x' }), { code: 'E_REMOTE_HTTP', message: /\/v1\/completions: HTTP 500: injected 500 \(3 attempts\)$/ });
      assert.equal(proxy.seen, 3);
    },
  );
  await withProxy(
    () => ({ status: 400 }),
    async (proxy) => {
      await assert.rejects(new OpenAiClient({ endpoint: proxy.url, ...fast }).postJson('/completions', {}), { code: 'E_REMOTE_HTTP', message: /HTTP 400: injected 400$/ });
      assert.equal(proxy.seen, 1);
    },
  );
  await withProxy(
    () => ({ status: 401 }),
    async (proxy) => {
      await assert.rejects(new OpenAiClient({ endpoint: proxy.url, ...fast }).postJson('/completions', {}), /HTTP 401: injected 401; check the API key \(promptsmith.remote.apiKeyEnv/);
    },
  );
});

test('429s that never stop make the endpoint down, with the endpoint named', { skip }, async () => {
  await withProxy(
    () => ({ status: 429 }),
    async (proxy) => {
      const client = new OpenAiClient({ endpoint: proxy.url, maxRetries: 3, ...fast });
      await assert.rejects(client.postJson('/completions', {}), { code: 'E_ENDPOINT_DOWN', message: `the endpoint ${proxy.url} is not answering: HTTP 429: injected 429 (4 attempts)` });
    },
  );
});

test('no more than maxConcurrency requests are ever in flight, and the bound is used', { skip }, async () => {
  await withProxy(
    () => 'pass',
    async (proxy) => {
      const many = Array.from({ length: 48 }, (_, i) => `${prompts[i % 4]} ${i}. They were`);
      const client = new OpenAiClient({ endpoint: proxy.url, maxConcurrency: 3 });
      await new RemoteScorer(client, SERVED_NAME, { promptsPerRequest: 2, mode: 'echo' }).score(many, many.map(() => ' happy'));
      assert.equal(proxy.seen, 24);
      assert.equal(proxy.maxInFlight, 3);
      assert.equal(client.stats().maxInFlight, 3);
      assert.equal(client.stats().requests, 24);
    },
  );
});

test('cancelling aborts the request on the wire', { skip }, async () => {
  await withProxy(
    () => 'hang',
    async (proxy) => {
      const controller = new AbortController();
      const pending = new OpenAiClient({ endpoint: proxy.url }).postJson('/completions', { prompt: 'x' }, controller.signal);
      while (proxy.seen === 0) await new Promise((r) => setTimeout(r, 5));
      controller.abort();
      await assert.rejects(pending, { code: 'E_CANCELLED' });
      while (proxy.abandoned === 0) await new Promise((r) => setTimeout(r, 5));
      assert.equal(proxy.abandoned, 1);
      // A request still waiting for a place (the bound is 1) is cancelled without being sent.
      const client = new OpenAiClient({ endpoint: proxy.url, maxConcurrency: 1 });
      const holding = new AbortController();
      const waiting = new AbortController();
      const first = client.postJson('/completions', {}, holding.signal).catch((e: Error) => e);
      const second = client.postJson('/completions', {}, waiting.signal);
      waiting.abort();
      await assert.rejects(second, { code: 'E_CANCELLED' });
      // The first one holds the place until it has reached the proxy (a fixed timeout could end it
      // before it was sent, on a busy machine).
      while (proxy.seen < 2) await new Promise((r) => setTimeout(r, 5));
      holding.abort();
      await first;
      assert.equal(proxy.seen, 2);
    },
  );
});

test('an attempt without an answer times out, and after the retries the endpoint is down', { skip }, async () => {
  await withProxy(
    () => 'hang',
    async (proxy) => {
      // Long enough that each attempt reaches the proxy on a busy machine before it times out.
      const client = new OpenAiClient({ endpoint: proxy.url, timeoutMs: 500, maxRetries: 1, ...fast });
      await assert.rejects(client.postJson('/completions', {}), { code: 'E_ENDPOINT_DOWN', message: `the endpoint ${proxy.url} is not answering: no answer within 0.5 s (2 attempts)` });
      assert.equal(proxy.seen, 2);
    },
  );
});

test('a refused connection is the endpoint down, naming it and the system error', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const endpoint = `http://127.0.0.1:${port}/v1`;
  const client = new OpenAiClient({ endpoint, maxRetries: 1, ...fast });
  await assert.rejects(client.getJson('/models'), { code: 'E_ENDPOINT_DOWN', message: new RegExp(`^the endpoint ${endpoint} is not answering: ECONNREFUSED.*\\(2 attempts\\)$`) });
});
