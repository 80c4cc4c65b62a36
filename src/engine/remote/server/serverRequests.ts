// The request bodies `promptsmith serve` accepts, checked field by field: a bad request gets a
// 400 naming the field (OpenAI's error shape), never a crash or a silent default.
import type { IncomingMessage } from 'node:http';
import type { ChatMessage } from '../../../modelFiles/tokenizer';

export class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly param?: string,
  ) {
    super(message);
  }
}

/** Text, or token ids (as vLLM accepts them). */
export type PromptInput = string | number[];

export interface Sampling {
  maxTokens: number;
  temperature: number;
  topP?: number;
  topK?: number;
  stop: string[];
  seed?: number;
  stream: boolean;
}

export interface CompletionRequest extends Sampling {
  prompts: PromptInput[];
  echo: boolean;
  /** Top alternatives per position (null: no log-probs). */
  logprobs: number | null;
}

export interface ChatRequest extends Sampling {
  messages: ChatMessage[];
}

const MAX_BODY = 16 * 1024 * 1024;

export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest(`the request body is larger than ${MAX_BODY / 1024 / 1024} MB`, 413);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new BadRequest(`the request body is not JSON: ${(err as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequest('the request body must be a JSON object');
  return body as Record<string, unknown>;
}

function numberField(body: Record<string, unknown>, key: string, options: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadRequest(`'${key}' must be a number`, 400, key);
  if (options.integer && !Number.isInteger(v)) throw new BadRequest(`'${key}' must be a whole number`, 400, key);
  if (options.min !== undefined && v < options.min) throw new BadRequest(`'${key}' must be at least ${options.min}`, 400, key);
  if (options.max !== undefined && v > options.max) throw new BadRequest(`'${key}' must be at most ${options.max}`, 400, key);
  return v;
}

function booleanField(body: Record<string, unknown>, key: string): boolean {
  const v = body[key];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new BadRequest(`'${key}' must be true or false`, 400, key);
  return v;
}

function isIds(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x) && (x as number) >= 0);
}

/** The served model's name must match (as OpenAI servers answer 404 for another model). */
export function checkModel(body: Record<string, unknown>, served: string): void {
  if (body.model === undefined) return;
  if (body.model !== served) throw new BadRequest(`the model '${String(body.model)}' does not exist; this server serves '${served}'`, 404, 'model');
}

function sampling(body: Record<string, unknown>, maxTokensKey: string, defaultMax: number): Sampling {
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw new BadRequest("'n' other than 1 is not supported", 400, 'n');
  const stop = body.stop;
  if (stop !== undefined && stop !== null && typeof stop !== 'string' && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) {
    throw new BadRequest("'stop' must be a string or a list of strings", 400, 'stop');
  }
  return {
    maxTokens: numberField(body, maxTokensKey, { min: 0, integer: true }) ?? defaultMax,
    temperature: numberField(body, 'temperature', { min: 0, max: 2 }) ?? 1,
    topP: numberField(body, 'top_p', { min: 0, max: 1 }),
    topK: numberField(body, 'top_k', { min: -1, integer: true }),
    stop: stop === undefined || stop === null ? [] : typeof stop === 'string' ? [stop] : (stop as string[]),
    seed: numberField(body, 'seed', { integer: true }),
    stream: booleanField(body, 'stream'),
  };
}

export function parseCompletionRequest(body: Record<string, unknown>, vocabSize: number): CompletionRequest {
  const p = body.prompt;
  let prompts: PromptInput[];
  if (typeof p === 'string') prompts = [p];
  else if (isIds(p)) prompts = [p];
  else if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string' || isIds(x))) prompts = p as PromptInput[];
  else throw new BadRequest("'prompt' must be a string, a list of strings, or token ids", 400, 'prompt');
  for (const [i, prompt] of prompts.entries()) {
    if (typeof prompt !== 'string' && prompt.some((id) => id >= vocabSize)) throw new BadRequest(`prompt ${i}: token ids must be below the vocabulary size ${vocabSize}`, 400, 'prompt');
  }
  const logprobs = numberField(body, 'logprobs', { min: 0, max: vocabSize, integer: true });
  const request: CompletionRequest = { ...sampling(body, 'max_tokens', 16), prompts, echo: booleanField(body, 'echo'), logprobs: logprobs ?? null };
  if (request.logprobs !== null && request.maxTokens > 1) {
    throw new BadRequest("promptsmith serve gives 'logprobs' with max_tokens 0 or 1 (prompt log-probs with echo, or the next token's); ask for more tokens without logprobs", 400, 'logprobs');
  }
  return request;
}

export function parseChatRequest(body: Record<string, unknown>): ChatRequest {
  const m = body.messages;
  if (!Array.isArray(m) || m.length === 0) throw new BadRequest("'messages' must be a non-empty list", 400, 'messages');
  const messages = m.map((x, i) => {
    const msg = x as { role?: unknown; content?: unknown };
    if (typeof msg !== 'object' || msg === null || typeof msg.role !== 'string') throw new BadRequest(`messages[${i}] needs a 'role'`, 400, 'messages');
    const content = typeof msg.content === 'string' ? msg.content : Array.isArray(msg.content) ? msg.content.map((part: { text?: unknown }) => (typeof part?.text === 'string' ? part.text : '')).join('') : undefined;
    if (content === undefined) throw new BadRequest(`messages[${i}].content must be text`, 400, 'messages');
    return { role: msg.role, content };
  });
  if (body.logprobs === true) throw new BadRequest("promptsmith serve does not give 'logprobs' for chat completions; use /v1/completions", 400, 'logprobs');
  const key = body.max_completion_tokens !== undefined ? 'max_completion_tokens' : 'max_tokens';
  return { ...sampling(body, key, 256), messages };
}
