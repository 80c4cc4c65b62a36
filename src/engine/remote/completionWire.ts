// The parts of OpenAI completion answers the client reads, checked as they arrive: a server that
// answers with something else gets an error naming the endpoint and the field, never a NaN.
import { RemoteError } from './remoteErrors';

/** `logprobs` of a /v1/completions choice (the legacy format vLLM and `serve` return). */
export interface CompletionLogprobs {
  tokens: string[];
  /** null for the first prompt token (nothing predicts it). */
  tokenLogprobs: (number | null)[];
  /** Per position: the most likely next tokens (text → log-prob), when asked for. */
  topLogprobs: (Record<string, number> | null)[];
}

export interface CompletionChoice {
  index: number;
  text: string;
  finishReason: string | null;
  logprobs?: CompletionLogprobs;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class WireReader {
  constructor(
    readonly endpoint: string,
    readonly path: string,
  ) {}

  fail(why: string): never {
    throw new RemoteError('E_REMOTE_RESPONSE', `${this.endpoint}${this.path}: unexpected answer: ${why}`, this.endpoint);
  }

  /** `choices` of a completion (or a stream chunk), each with its index. */
  choices(raw: unknown): Obj[] {
    if (!isObj(raw)) this.fail('expected a JSON object');
    if (isObj(raw.error)) this.fail(`error ${JSON.stringify(raw.error.message ?? raw.error)}`);
    if (!Array.isArray(raw.choices)) this.fail('no `choices` list');
    return raw.choices.map((c, i) => (isObj(c) ? c : this.fail(`choices[${i}] is not an object`)));
  }

  completionChoice(c: Obj, where: string): CompletionChoice {
    const index = typeof c.index === 'number' ? c.index : this.fail(`${where}.index is missing`);
    const text = typeof c.text === 'string' ? c.text : this.fail(`${where}.text is missing`);
    const finishReason = typeof c.finish_reason === 'string' ? c.finish_reason : null;
    const choice: CompletionChoice = { index, text, finishReason };
    if (c.logprobs !== undefined && c.logprobs !== null) choice.logprobs = this.logprobs(c.logprobs, `${where}.logprobs`);
    return choice;
  }

  /** The legacy format ({tokens, token_logprobs, top_logprobs}) or the chat-style one ({content: [{token, logprob, top_logprobs}]}), which llama.cpp and Ollama return. */
  logprobs(raw: unknown, where: string): CompletionLogprobs {
    if (!isObj(raw)) this.fail(`${where} is not an object`);
    if (Array.isArray(raw.content)) {
      const entries = raw.content.map((e, i) => (isObj(e) ? e : this.fail(`${where}.content[${i}] is not an object`)));
      return {
        tokens: entries.map((e, i) => (typeof e.token === 'string' ? e.token : this.fail(`${where}.content[${i}].token is missing`))),
        tokenLogprobs: entries.map((e) => (typeof e.logprob === 'number' ? e.logprob : null)),
        topLogprobs: entries.map((e) => (Array.isArray(e.top_logprobs) ? Object.fromEntries(e.top_logprobs.filter(isObj).map((t) => [String(t.token), Number(t.logprob)])) : null)),
      };
    }
    const tokens = Array.isArray(raw.tokens) ? raw.tokens : this.fail(`${where}.tokens is missing`);
    const logprobs = Array.isArray(raw.token_logprobs) ? raw.token_logprobs : this.fail(`${where}.token_logprobs is missing`);
    if (logprobs.length !== tokens.length) this.fail(`${where}: ${tokens.length} tokens but ${logprobs.length} token_logprobs`);
    const top = Array.isArray(raw.top_logprobs) ? raw.top_logprobs : [];
    return {
      tokens: tokens.map((t, i) => (typeof t === 'string' ? t : this.fail(`${where}.tokens[${i}] is not a string`))),
      tokenLogprobs: logprobs.map((l) => (typeof l === 'number' && Number.isFinite(l) ? l : null)),
      topLogprobs: tokens.map((_, i) => (isObj(top[i]) ? numbers(top[i] as Obj) : null)),
    };
  }

  /** Choices of a non-streamed completion, in prompt order: exactly one per prompt. */
  completionChoices(raw: unknown, prompts: number): CompletionChoice[] {
    const choices = this.choices(raw).map((c, i) => this.completionChoice(c, `choices[${i}]`));
    if (choices.length !== prompts) this.fail(`${prompts} prompts sent, ${choices.length} choices returned`);
    const ordered = new Array<CompletionChoice>(prompts);
    for (const c of choices) {
      if (c.index < 0 || c.index >= prompts || ordered[c.index]) this.fail(`choice index ${c.index} is out of place`);
      ordered[c.index] = c;
    }
    return ordered;
  }
}

function numbers(o: Obj): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (typeof v === 'number') out[k] = v;
  return out;
}
