// log p(continuation | prompt) from an OpenAI-compatible server, as the local `score` computes
// it: prompts are batched several to a request (where the server takes a list of prompts) and
// requests run concurrently up to the client's bound. Two ways, chosen on the first answer:
// `echo` (the prompt's token log-probs; vLLM, `promptsmith serve`) for any continuation, or the
// next token's top log-probs (servers without echo) for single-token verbalizers.
import { type CompletionChoice, WireReader } from './completionWire';
import { echoedContinuation, hasPromptLogprobs, topLogprobFloor, topLogprobOf } from './echoScoring';
import type { OpenAiClient } from './openAiClient';
import { RemoteError } from './remoteErrors';

export type ScoringMode = 'echo' | 'top-logprobs';

export interface RemoteScoringOptions {
  /** Prompts per /completions request (default 16); 1 for servers that take one prompt only. */
  promptsPerRequest?: number;
  /** 'auto' (default): echo, or top log-probs when the server returns no prompt log-probs. */
  mode?: 'auto' | ScoringMode;
  /** How many next-token log-probs to ask for in top-log-probs mode (default 20, vLLM's default limit). */
  topLogprobs?: number;
}

export interface ScoringCounters {
  /** Texts scored. */
  scored: number;
  /** Top-log-probs mode: verbalizers not among the listed tokens, scored with the lowest listed log-prob (an upper bound). */
  approximated: number;
}

export class RemoteScorer {
  mode: ScoringMode | undefined;
  private promptsPerRequest: number;
  readonly counters: ScoringCounters = { scored: 0, approximated: 0 };

  constructor(
    private readonly client: OpenAiClient,
    private readonly model: string,
    private readonly options: RemoteScoringOptions = {},
  ) {
    this.mode = options.mode === 'auto' ? undefined : options.mode;
    this.promptsPerRequest = Math.max(1, options.promptsPerRequest ?? 16);
  }

  /** Summed log-prob of each continuation after its prompt (same-length arrays). */
  async score(prompts: readonly string[], continuations: readonly string[], signal?: AbortSignal): Promise<number[]> {
    if (prompts.length !== continuations.length) throw new Error(`score: ${prompts.length} prompts but ${continuations.length} continuations`);
    continuations.forEach((c, i) => {
      if (c.length === 0) throw new RemoteError('E_REMOTE_UNSUPPORTED', `continuations[${i}] is empty`, this.client.endpoint);
    });
    if (prompts.length === 0) return [];
    // The first request decides the mode; the rest follow it.
    if (this.mode === undefined) await this.detectMode(prompts[0]!, continuations[0]!, signal);
    const out = this.mode === 'echo' ? await this.echoScores(prompts, continuations, signal) : await this.topScores(prompts, continuations, signal);
    this.counters.scored += prompts.length;
    return out;
  }

  private async detectMode(prompt: string, continuation: string, signal?: AbortSignal): Promise<void> {
    const [choice] = await this.complete([prompt + continuation], { echo: true, logprobs: 1 }, signal);
    if (hasPromptLogprobs(choice!.logprobs)) this.mode = 'echo';
    else if (this.options.mode === 'echo') throw this.noEcho();
    else this.mode = 'top-logprobs';
  }

  private noEcho(): RemoteError {
    return new RemoteError(
      'E_REMOTE_UNSUPPORTED',
      `${this.client.endpoint}: the server returns no log-probs of prompt tokens (echo), so only single-token verbalizers can be scored, from the next token's top log-probs`,
      this.client.endpoint,
    );
  }

  private async echoScores(prompts: readonly string[], continuations: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const texts = prompts.map((p, i) => p + continuations[i]!);
    const choices = await this.completeAll(texts, { echo: true, logprobs: 1 }, signal);
    return choices.map((choice, i) => {
      if (!hasPromptLogprobs(choice.logprobs)) throw this.noEcho();
      const found = echoedContinuation(choice.logprobs!, continuations[i]!);
      if (!found) {
        const tail = choice.logprobs!.tokens.slice(-6).map((t) => JSON.stringify(t)).join(' ');
        throw new RemoteError('E_REMOTE_RESPONSE', `${this.client.endpoint}: the echoed tokens do not end with the continuation ${JSON.stringify(continuations[i])} (last tokens: ${tail})`, this.client.endpoint);
      }
      return found.logprob;
    });
  }

  /** Single-token verbalizers: each distinct prompt once, the verbalizers read from its next-token top log-probs. */
  private async topScores(prompts: readonly string[], continuations: readonly string[], signal?: AbortSignal): Promise<number[]> {
    const distinct = [...new Set(prompts)];
    const k = this.options.topLogprobs ?? 20;
    const choices = await this.completeAll(distinct, { logprobs: k }, signal);
    const tops = new Map(distinct.map((p, i) => [p, choices[i]!.logprobs?.topLogprobs[0] ?? null]));
    const found = new Set<string>();
    const out = prompts.map((p, i) => {
      const top = tops.get(p);
      if (!top) throw new RemoteError('E_REMOTE_RESPONSE', `${this.client.endpoint}: the answer has no top log-probs for the next token (asked for ${k})`, this.client.endpoint);
      const value = topLogprobOf(top, continuations[i]!);
      if (value !== undefined) {
        found.add(continuations[i]!);
        return value;
      }
      this.counters.approximated++;
      return topLogprobFloor(top);
    });
    const never = [...new Set(continuations)].filter((c) => !found.has(c));
    if (never.length > 0 && distinct.length >= 8) {
      throw new RemoteError(
        'E_REMOTE_UNSUPPORTED',
        `${this.client.endpoint}: ${never.map((c) => JSON.stringify(c)).join(', ')} never appeared among the top ${k} next tokens of ${distinct.length} prompts: probably more than one token, which needs prompt log-probs (echo) that this server does not return (vLLM and promptsmith serve do)`,
        this.client.endpoint,
      );
    }
    return out;
  }

  /** All texts, `promptsPerRequest` to a request, the requests concurrently. */
  private async completeAll(texts: readonly string[], extra: Record<string, unknown>, signal?: AbortSignal): Promise<CompletionChoice[]> {
    const groups: string[][] = [];
    for (let i = 0; i < texts.length; i += this.promptsPerRequest) groups.push(texts.slice(i, i + this.promptsPerRequest));
    const answers = await Promise.all(groups.map((g) => this.complete(g, extra, signal)));
    return answers.flat();
  }

  private async complete(texts: string[], extra: Record<string, unknown>, signal?: AbortSignal): Promise<CompletionChoice[]> {
    const body = { model: this.model, prompt: texts.length === 1 ? texts[0] : texts, max_tokens: 1, temperature: 0, ...extra };
    const wire = new WireReader(this.client.endpoint, '/completions');
    try {
      return wire.completionChoices(await this.client.postJson('/completions', body, signal), texts.length);
    } catch (err) {
      // A server that takes one prompt per request refuses a list (400/422), or answers it with one choice.
      const refused = err instanceof RemoteError && (err.status === 400 || err.status === 422 || err.code === 'E_REMOTE_RESPONSE');
      if (!refused || texts.length === 1) throw err;
      this.promptsPerRequest = 1;
      return (await Promise.all(texts.map((t) => this.complete([t], extra, signal)))).flat();
    }
  }
}
