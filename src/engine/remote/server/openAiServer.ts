// `promptsmith serve`: one local model behind the OpenAI HTTP API — /v1/models, /v1/completions
// (with echo and logprobs, the scoring path), /v1/chat/completions, streaming over SSE. Scoring
// requests (max_tokens ≤ 1) run as one batched pass over their prompts; longer ones generate
// token by token with the engine's own decode loop, so results equal local runs. A client that
// disconnects stops its generation. Model passes run `parallel` at a time (default 1).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message } from 'dotprompt';
import { messagesToText } from '../../../promptFile/promptFile';
import { RuntimeError } from '../../runtime/errors';
import { decodeLoop, type GenerateResult } from '../../runtime/generation';
import type { LanguageModel } from '../../runtime/languageModel';
import { RequestLimiter } from '../requestLimiter';
import { sseEvent } from '../sse';
import { completionId, errorBody, onePassChoice } from './completionResponses';
import { onePassCompletions } from './promptLogprobs';
import { BadRequest, type ChatRequest, checkModel, parseChatRequest, parseCompletionRequest, readJsonBody, type Sampling } from './serverRequests';

export interface ServeOptions {
  model: LanguageModel;
  /** The id in /v1/models and the `model` requests must name. */
  name: string;
  /** Default 127.0.0.1: only this machine can connect. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Model passes at once (default 1). */
  parallel?: number;
  /** One line per request. */
  log?(line: string): void;
}

export interface RunningServer {
  /** Base URL with /v1, as clients take it. */
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

export async function startOpenAiServer(options: ServeOptions): Promise<RunningServer> {
  const lock = new RequestLimiter(options.parallel ?? 1);
  const server = createServer((req, res) => {
    const started = performance.now();
    void route(req, res, options, lock).finally(() => options.log?.(`${req.method} ${req.url} ${res.statusCode} ${(performance.now() - started).toFixed(0)} ms`));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shown}:${port}/v1`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function route(req: IncomingMessage, res: ServerResponse, options: ServeOptions, lock: RequestLimiter): Promise<void> {
  // A client that goes away cancels its work.
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  try {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    const key = `${req.method} ${path}`;
    if (key === 'GET /v1/models') return sendJson(res, 200, { object: 'list', data: [{ id: options.name, object: 'model', created: 0, owned_by: 'promptsmith' }] });
    if (key === 'GET /health') return sendJson(res, 200, { status: 'ok' });
    if (key === 'POST /v1/completions') return await completions(req, res, options, lock, controller.signal);
    if (key === 'POST /v1/chat/completions') return await chat(req, res, options, lock, controller.signal);
    throw new BadRequest(`no route ${key} (this server answers GET /v1/models, POST /v1/completions, POST /v1/chat/completions)`, 404);
  } catch (err) {
    if (controller.signal.aborted) return;
    const status = err instanceof BadRequest ? err.status : err instanceof RuntimeError && err.code === 'E_BAD_INPUT' ? 400 : 500;
    const message = err instanceof Error ? err.message : String(err);
    if (res.headersSent) {
      // Mid-stream: the error goes in the stream, as vLLM does.
      res.end(sseEvent(JSON.stringify(errorBody(message, status))));
    } else sendJson(res, status, errorBody(message, status, err instanceof BadRequest ? err.param : undefined));
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function startStream(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
}

async function completions(req: IncomingMessage, res: ServerResponse, options: ServeOptions, lock: RequestLimiter, signal: AbortSignal): Promise<void> {
  const { model, name } = options;
  const body = await readJsonBody(req);
  checkModel(body, name);
  const r = parseCompletionRequest(body, model.tokenizer.vocabSize);
  const ids = r.prompts.map((p) => (typeof p === 'string' ? model.encodePrompt(p) : p));
  const texts = r.prompts.map((p) => (typeof p === 'string' ? p : model.tokenizer.decode(p, { skipSpecialTokens: true })));
  const id = completionId('cmpl');
  const created = Math.floor(Date.now() / 1000);
  const usage = (completion: number) => {
    const prompt = ids.reduce((a, x) => a + x.length, 0);
    return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  };
  if (!r.stream && r.maxTokens <= 1) {
    const results = await lock.run(() => onePassCompletions(model, ids, { echoLogprobs: r.echo && r.logprobs !== null, top: r.logprobs ?? 0, sampling: r, signal }), signal);
    const choices = results.map((result, i) => onePassChoice(i, texts[i]!, result, r));
    const generated = results.filter((x) => x.generated && !x.generated.stop).length;
    return sendJson(res, 200, { id, object: 'text_completion', created, model: name, choices, usage: usage(generated) });
  }
  if (r.logprobs !== null) throw new BadRequest("'logprobs' cannot be streamed by promptsmith serve; ask without stream", 400, 'logprobs');
  const chunk = (index: number, text: string, finish: string | null) => ({ id, object: 'text_completion', created, model: name, choices: [{ index, text, logprobs: null, finish_reason: finish }] });
  if (r.stream) startStream(res);
  const choices = [];
  let completion = 0;
  for (const [i, promptIds] of ids.entries()) {
    if (r.stream && r.echo) res.write(sseEvent(JSON.stringify(chunk(i, texts[i]!, null))));
    const g = await generateFor(model, promptIds, r, lock, signal, (text) => {
      if (r.stream) res.write(sseEvent(JSON.stringify(chunk(i, text, null))));
    });
    completion += g.ids.length;
    if (r.stream) res.write(sseEvent(JSON.stringify(chunk(i, '', finishOf(g)))));
    else choices.push({ index: i, text: (r.echo ? texts[i]! : '') + g.text, logprobs: null, finish_reason: finishOf(g) });
  }
  if (r.stream) res.end(sseEvent('[DONE]'));
  else sendJson(res, 200, { id, object: 'text_completion', created, model: name, choices, usage: usage(completion) });
}

async function chat(req: IncomingMessage, res: ServerResponse, options: ServeOptions, lock: RequestLimiter, signal: AbortSignal): Promise<void> {
  const { model, name } = options;
  const body = await readJsonBody(req);
  checkModel(body, name);
  const r: ChatRequest = parseChatRequest(body);
  // A model without a chat template sees the messages' text, as the engine gives a base model a .prompt file.
  const promptIds = model.tokenizer.hasChatTemplate ? model.encodePrompt(r.messages) : model.encodePrompt(messagesToText(r.messages.map((m) => ({ role: m.role, content: [{ text: m.content }] }) as Message)));
  const id = completionId('chatcmpl');
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: Record<string, string>, finish: string | null) => ({ id, object: 'chat.completion.chunk', created, model: name, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  if (r.stream) {
    startStream(res);
    res.write(sseEvent(JSON.stringify(chunk({ role: 'assistant', content: '' }, null))));
  }
  const g = await generateFor(model, promptIds, r, lock, signal, (text) => {
    if (r.stream) res.write(sseEvent(JSON.stringify(chunk({ content: text }, null))));
  });
  if (r.stream) {
    res.write(sseEvent(JSON.stringify(chunk({}, finishOf(g)))));
    res.end(sseEvent('[DONE]'));
    return;
  }
  sendJson(res, 200, {
    id,
    object: 'chat.completion',
    created,
    model: name,
    choices: [{ index: 0, message: { role: 'assistant', content: g.text }, logprobs: null, finish_reason: finishOf(g) }],
    usage: { prompt_tokens: promptIds.length, completion_tokens: g.ids.length, total_tokens: promptIds.length + g.ids.length },
  });
}

/** The engine's decode loop (the same as local generation), streaming pieces to `onText`. */
function generateFor(model: LanguageModel, promptIds: number[], s: Sampling, lock: RequestLimiter, signal: AbortSignal, onText: (text: string) => void): Promise<GenerateResult> {
  const context = model.contextLength();
  if (context !== undefined && promptIds.length >= context) throw new BadRequest(`the prompt has ${promptIds.length} tokens; the model's context is ${context}`);
  const options = { maxTokens: s.maxTokens, temperature: s.temperature, topK: s.topK, topP: s.topP, stop: s.stop, seed: s.seed, signal, onToken: (piece: { text: string }) => onText(piece.text) };
  return lock.run(() => model.withSession((active) => decodeLoop(model, active.session, active.io, promptIds, options, active.provider)), signal);
}

function finishOf(g: GenerateResult): 'stop' | 'length' {
  return g.finishReason === 'length' ? 'length' : 'stop';
}

