// Initial soft prompt, as PEFT's PromptTuningInit:
//   RANDOM       N(0, 1) per value (torch.nn.Embedding's default init, which PEFT keeps)
//   SAMPLE_VOCAB rows of the embedding table at uniformly drawn token ids
//   TEXT         the embeddings of the init text's tokens, cut or repeated to n tokens
import type { Rng } from '../optim/rng';
import type { PromptTuningInit } from '../../../promptFile/promptsmithSettings';

export interface InitContext {
  numVirtualTokens: number;
  hidden: number;
  vocabSize: number;
  /** The embedding table [V, d], row-major. */
  table: Float32Array;
  rng: Rng;
  /** TEXT: the init text's token ids (no special tokens). */
  textIds?: number[];
}

export function initialSoftPrompt(init: PromptTuningInit, ctx: InitContext): Float32Array {
  const { numVirtualTokens: n, hidden: d } = ctx;
  const p = new Float32Array(n * d);
  const copyRow = (i: number, id: number) => p.set(ctx.table.subarray(id * d, (id + 1) * d), i * d);
  switch (init) {
    case 'RANDOM':
      for (let k = 0; k < p.length; k++) p[k] = ctx.rng.normal();
      return p;
    case 'SAMPLE_VOCAB':
      for (let i = 0; i < n; i++) copyRow(i, ctx.rng.int(ctx.vocabSize));
      return p;
    case 'TEXT': {
      const ids = ctx.textIds ?? [];
      if (ids.length === 0) throw new Error('prompt_tuning_init TEXT needs a non-empty prompt_tuning_init_text (initText)');
      for (let i = 0; i < n; i++) copyRow(i, ids[i % ids.length]!);
      return p;
    }
    default:
      throw new Error(`prompt_tuning_init must be RANDOM, SAMPLE_VOCAB or TEXT, got ${JSON.stringify(init)}`);
  }
}
