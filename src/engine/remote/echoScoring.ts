// Reading a continuation's log-probability out of a completion answer, without the server's
// tokenizer. With `echo`, the answer lists every prompt token with its log-prob (then the one
// token generated, as max_tokens is 1); the continuation is the run of tokens at the end of the
// prompt whose texts spell it. Offsets are not used: servers count them differently (vLLM adds
// the length of `<s>` to every offset), while the token texts end the prompt the same way.
// Without echo (llama.cpp, Ollama), a single-token verbalizer's log-prob is read from the top
// log-probs of the next token.
import type { CompletionLogprobs } from './completionWire';

/** Raw SentencePiece / byte-level BPE pieces as text (for servers that return pieces, not text). */
function pieceText(token: string): string {
  return token.replace(/\u2581/g, ' ').replace(/\u0120/g, ' ').replace(/\u010a/g, '\n');
}

export interface LocatedContinuation {
  logprob: number;
  /** Tokens summed. */
  tokens: number;
}

/**
 * The summed log-prob of the prompt's last tokens that spell `continuation`, with `generated`
 * tokens after them; undefined when they do not spell it. A token straddling the boundary (the
 * prompt and continuation tokenized jointly) counts in full: it is needed to spell it.
 */
function continuationAt(lp: CompletionLogprobs, continuation: string, generated: number, text: (t: string) => string): LocatedContinuation | undefined {
  const end = lp.tokens.length - generated;
  let joined = '';
  let sum = 0;
  let k = end;
  while (k > 0 && joined.length < continuation.length) {
    k--;
    const logprob = lp.tokenLogprobs[k];
    // The first token has no log-prob: the continuation would have to be the whole prompt.
    if (logprob === null || logprob === undefined) return undefined;
    joined = text(lp.tokens[k]!) + joined;
    sum += logprob;
  }
  if (joined.length < continuation.length || !joined.endsWith(continuation)) return undefined;
  return { logprob: sum, tokens: end - k };
}

/** The continuation's log-prob in an echo answer (max_tokens 1, or 0 where the server stops at once). */
export function echoedContinuation(lp: CompletionLogprobs, continuation: string): LocatedContinuation | undefined {
  for (const generated of [1, 0]) {
    const found = continuationAt(lp, continuation, generated, (t) => t) ?? continuationAt(lp, continuation, generated, pieceText);
    if (found) return found;
  }
  return undefined;
}

/** Whether the answer carries prompt log-probs at all (a server without echo returns one entry). */
export function hasPromptLogprobs(lp: CompletionLogprobs | undefined): boolean {
  return lp !== undefined && lp.tokens.length >= 2 && lp.tokenLogprobs.slice(1).some((l) => l !== null);
}

/** A verbalizer's log-prob among the next token's top log-probs, or undefined when absent. */
export function topLogprobOf(top: Record<string, number> | null | undefined, verbalizer: string): number | undefined {
  if (!top) return undefined;
  if (Object.hasOwn(top, verbalizer)) return top[verbalizer];
  for (const [token, logprob] of Object.entries(top)) if (pieceText(token) === verbalizer) return logprob;
  return undefined;
}

/** The lowest listed log-prob: an upper bound for any token not listed. */
export function topLogprobFloor(top: Record<string, number> | null | undefined): number {
  const values = Object.values(top ?? {});
  return values.length > 0 ? Math.min(...values) : Number.NEGATIVE_INFINITY;
}
