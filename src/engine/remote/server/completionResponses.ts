// OpenAI response bodies built from the model's results: completion choices with legacy
// `logprobs` ({tokens, token_logprobs, top_logprobs, text_offset}, offsets counted from 0 over
// the listed token texts as vLLM counts them), chat messages, stream chunks and errors.
import { randomUUID } from 'node:crypto';
import type { OnePassResult, PositionLogprob } from './promptLogprobs';

export function completionId(kind: 'cmpl' | 'chatcmpl'): string {
  return `${kind}-${randomUUID().replace(/-/g, '')}`;
}

export function legacyLogprobs(entries: readonly PositionLogprob[], firstOffset: number) {
  const offsets: number[] = [];
  let offset = firstOffset;
  for (const e of entries) {
    offsets.push(offset);
    offset += e.text.length;
  }
  return {
    tokens: entries.map((e) => e.text),
    token_logprobs: entries.map((e) => e.logprob),
    top_logprobs: entries.map((e) => e.top),
    text_offset: offsets,
  };
}

export interface OnePassChoiceOptions {
  echo: boolean;
  logprobs: number | null;
  maxTokens: number;
  stop: readonly string[];
}

/** A /v1/completions choice from a one-pass result (max_tokens 0 or 1). */
export function onePassChoice(index: number, promptText: string, result: OnePassResult, options: OnePassChoiceOptions) {
  const generated = result.generated;
  let text = generated?.text ?? '';
  let finish: 'stop' | 'length' = generated?.stop ? 'stop' : 'length';
  const hit = options.stop.map((s) => text.indexOf(s)).filter((i) => i >= 0);
  if (hit.length > 0) {
    text = text.slice(0, Math.min(...hit));
    finish = 'stop';
  }
  let logprobs: ReturnType<typeof legacyLogprobs> | null = null;
  if (options.logprobs !== null) {
    const entries = [...(options.echo ? result.prompt : []), ...(generated ? [generated] : [])];
    logprobs = legacyLogprobs(entries, options.echo ? 0 : promptText.length);
  }
  return { index, text: options.echo ? promptText + text : text, logprobs, finish_reason: finish };
}

export function errorBody(message: string, status: number, param?: string) {
  const type = status === 404 ? 'not_found_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
  return { error: { message, type, param: param ?? null, code: null } };
}
