// Generation on an OpenAI-compatible server, streamed (SSE): a text prompt through
// /v1/completions, chat messages through /v1/chat/completions (the server applies its own chat
// template). Cancelling aborts the request on the wire and keeps the text received so far.
import type { ChatMessage } from '../../modelFiles/tokenizer';
import { WireReader } from './completionWire';
import type { OpenAiClient } from './openAiClient';
import { RemoteError } from './remoteErrors';

export interface RemoteGenerateOptions {
  maxTokens?: number;
  /** 0 or `greedy` = the most likely token each step. */
  temperature?: number;
  greedy?: boolean;
  topP?: number;
  /** Not in OpenAI's API; vLLM, llama.cpp and `serve` read it. Sent only when set. */
  topK?: number;
  stop?: readonly string[];
  seed?: number;
  signal?: AbortSignal;
  onText?(text: string): void;
}

export interface RemoteGenerateResult {
  text: string;
  /** 'length', 'stop' (stop string or end of sequence, OpenAI does not tell them apart) or 'cancelled'. */
  finishReason: 'length' | 'stop' | 'cancelled';
  /** Streamed pieces (one per token on vLLM and `serve`). */
  pieces: number;
  piecesPerS: number;
}

export async function remoteGenerate(client: OpenAiClient, model: string, prompt: string | readonly ChatMessage[], options: RemoteGenerateOptions = {}): Promise<RemoteGenerateResult> {
  const chat = typeof prompt !== 'string';
  const path = chat ? '/chat/completions' : '/completions';
  const body: Record<string, unknown> = {
    model,
    ...(chat ? { messages: prompt } : { prompt }),
    max_tokens: options.maxTokens ?? 64,
    temperature: options.greedy ? 0 : (options.temperature ?? 1),
    stream: true,
  };
  if (options.topP !== undefined) body.top_p = options.topP;
  if (options.topK !== undefined && options.topK > 0) body.top_k = options.topK;
  if (options.stop && options.stop.length > 0) body.stop = [...options.stop];
  if (options.seed !== undefined) body.seed = options.seed;
  const wire = new WireReader(client.endpoint, path);
  const started = performance.now();
  let text = '';
  let pieces = 0;
  let finish: string | null = null;
  try {
    await client.postStream(path, body, options.signal, (data) => {
      const choice = wire.choices(data)[0];
      // A final usage-only chunk has no choices.
      if (!choice) return;
      const delta = chat ? (choice.delta as { content?: unknown } | undefined)?.content : choice.text;
      if (typeof delta === 'string' && delta !== '') {
        text += delta;
        pieces++;
        options.onText?.(delta);
      }
      if (typeof choice.finish_reason === 'string') finish = choice.finish_reason;
    });
  } catch (err) {
    if (!(err instanceof RemoteError && err.code === 'E_CANCELLED')) throw err;
    finish = 'cancelled';
  }
  const seconds = (performance.now() - started) / 1000;
  const finishReason = finish === 'cancelled' ? 'cancelled' : finish === 'length' ? 'length' : 'stop';
  return { text, finishReason, pieces, piecesPerS: seconds > 0 ? pieces / seconds : 0 };
}
