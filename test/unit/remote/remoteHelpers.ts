// Real servers for the remote tests: stories260k behind `promptsmith serve`'s HTTP server in
// this process, a .prompt file on the tinysent task, and a small HTTP proxy that puts real
// faults (429 with Retry-After, 503, hangs) in front of a real server and counts what passes.
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { startOpenAiServer, type RunningServer } from '../../../src/engine/remote/server/openAiServer';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { storiesOnnxDir, tinysentDir } from '../helpers/fixtures';

export const SERVED_NAME = 'stories260k';

export async function serveStories(): Promise<{ model: LanguageModel; server: RunningServer }> {
  const model = await LanguageModel.load(await storiesOnnxDir(), { device: 'cpu' });
  return { model, server: await startOpenAiServer({ model, name: SERVED_NAME }) };
}

/** A tinysent .prompt file in `dir` (dev set, happy/sad) with the given model and front-matter lines. */
export function tinysentPrompt(dir: string, model: string, extra: string[] = [], template = '{{text}} They were'): string {
  const file = join(dir, 'sentiment.prompt');
  const lines = ['---', `model: ${model}`, ...extra, 'input:', '  schema: { text: string }', 'promptsmith.task:', `  dev: ${join(tinysentDir()!, 'dev.jsonl')}`, '  labels: { positive: " happy", negative: " sad" }', '---', template, ''];
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** What the proxy does with the n-th request (0-based): pass it on, or answer with a fault. */
export type Fault = 'pass' | { status: number; retryAfter?: number } | 'hang';

export interface FaultyProxy {
  url: string;
  /** Requests seen, and the most in flight at once (forwarded ones, until their answer ends). */
  seen: number;
  maxInFlight: number;
  /** Requests whose client went away before the answer was complete. */
  abandoned: number;
  close(): Promise<void>;
}

export async function faultyProxy(target: string, fault: (n: number) => Fault): Promise<FaultyProxy> {
  const upstream = new URL(target);
  let inFlight = 0;
  const state = { seen: 0, maxInFlight: 0, abandoned: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const n = state.seen++;
    const f = fault(n);
    res.on('close', () => {
      if (!res.writableFinished) state.abandoned++;
    });
    if (f === 'hang') return;
    if (f !== 'pass') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (f.retryAfter !== undefined) headers['retry-after'] = String(f.retryAfter);
      res.writeHead(f.status, headers);
      res.end(JSON.stringify({ error: { message: `injected ${f.status}` } }));
      return;
    }
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    res.on('close', finish);
    const path = upstream.pathname.replace(/\/v1$/, '') + (req.url ?? '/');
    const forward = request({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get seen() {
      return state.seen;
    },
    get maxInFlight() {
      return state.maxInFlight;
    },
    get abandoned() {
      return state.abandoned;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
