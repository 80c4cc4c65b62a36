// The TaskScorer of a local model. Causal LMs: each example's text before the slot is run once
// and its KV cache kept for the whole search; every (prompt, example) then feeds only the prompt,
// the text after the slot and the verbalizer tokens, many rows per ORT run. Masked LMs score
// the verbalizer at the <mask> (the paper's `{sentence} {prompt} <mask> .` when the template
// has none), through the engine's masked-LM scoring.
import { generate } from '../runtime/generation';
import type { LanguageModel } from '../runtime/languageModel';
import { classifyMaskedScores } from '../runtime/maskedLm';
import { type CachedPrefix, type ContinuationRow, computePrefixes, runContinuations } from './prefixBatch';
import type { SlotExample, SlotPrompt, TaskScorer } from './taskScorer';

const MASK_SLOT = /<mask>|\[MASK\]|\{mask\}/;

export interface LocalScorerOptions {
  /** Rows per ORT run (default 256). */
  batchRows?: number;
}

/** A continuation to score after before + prompt + after. */
interface Job {
  prompt: number;
  example: number;
  tokens: number[];
}

export class LocalTaskScorer implements TaskScorer {
  private count = 0;
  private readonly prefixes = new Map<string, CachedPrefix>();
  private readonly verbalizerIds: number[][];
  private readonly batchRows: number;

  constructor(
    private readonly model: LanguageModel,
    readonly verbalizers: readonly string[],
    options: LocalScorerOptions = {},
  ) {
    this.verbalizerIds = verbalizers.map((v, c) => {
      const ids = model.tokenizer.encode(v, { addSpecialTokens: false });
      if (ids.length === 0) throw new Error(`verbalizer ${c} (${JSON.stringify(v)}) encodes to no tokens`);
      return ids;
    });
    this.batchRows = Math.max(1, options.batchRows ?? 256);
  }

  get evaluations(): number {
    return this.count;
  }

  private promptIds(p: SlotPrompt): number[] {
    return p.ids ? [...p.ids] : this.model.tokenizer.encode(p.text, { addSpecialTokens: false });
  }

  private afterIds(e: SlotExample): number[] {
    return e.after === '' ? [] : this.model.tokenizer.encode(e.after, { addSpecialTokens: false });
  }

  async prepare(examples: readonly SlotExample[]): Promise<void> {
    if (this.model.kind === 'causal') await this.prefixesOf(examples);
  }

  /** The cached prefixes of the examples' `before` texts (new ones computed now). */
  private async prefixesOf(examples: readonly SlotExample[]): Promise<CachedPrefix[]> {
    const missing = [...new Set(examples.map((e) => e.before).filter((b) => !this.prefixes.has(b)))];
    if (missing.length > 0) {
      const computed = await this.model.withSession((active) => computePrefixes(active, missing.map((b) => this.model.encodePrompt(b)), this.model.padId()));
      for (const [i, b] of missing.entries()) this.prefixes.set(b, computed[i]!);
    }
    return examples.map((e) => this.prefixes.get(e.before)!);
  }

  /**
   * Summed log-prob of each job's continuation after its example's prefix + tail. Jobs of one
   * (prompt, example) whose continuations extend one another share a row: ` happy` is read from
   * the row that feeds ` sad`'s first token.
   */
  private async continuationLogprobs(examples: readonly SlotExample[], tails: (prompt: number, example: number) => number[], jobs: readonly Job[], signal?: AbortSignal): Promise<number[]> {
    const prefixes = await this.prefixesOf(examples);
    const totals = new Array<number>(jobs.length).fill(0);
    const rows: (ContinuationRow & { tail: number; jobs: number[] })[] = [];
    const rowOf = new Map<string, number>();
    // Longest continuations first, so shorter ones find the row that already covers them.
    const order = jobs.map((_, j) => j).sort((a, b) => jobs[b]!.tokens.length - jobs[a]!.tokens.length);
    for (const j of order) {
      const job = jobs[j]!;
      const tail = tails(job.prompt, job.example);
      if (tail.length === 0) totals[j] = prefixes[job.example]!.lastLogProbs[job.tokens[0]!]!;
      const own = job.tokens.slice(0, -1);
      const key = `${job.prompt}:${job.example}`;
      const existing = rowOf.get(key);
      const fits = existing !== undefined && own.every((t, k) => rows[existing]!.tokens[tail.length + k] === t);
      if (fits) rows[existing!]!.jobs.push(j);
      else if (tail.length + own.length > 0) {
        rowOf.set(key, rows.length);
        rows.push({ prefix: prefixes[job.example]!, tokens: [...tail, ...own], tail: tail.length, jobs: [j] });
      }
    }
    await this.model.withSession(async (active) => {
      for (let start = 0; start < rows.length; start += this.batchRows) {
        signal?.throwIfAborted();
        const chunk = rows.slice(start, start + this.batchRows);
        await runContinuations(active, chunk, this.model.padId(), (b, position, logProbs, offset) => {
          const row = chunk[b]!;
          const k = position - row.tail + 1;
          if (k < 0) return;
          for (const j of row.jobs) {
            const tokens = jobs[j]!.tokens;
            if (k >= tokens.length || (row.tail === 0 && k === 0)) continue;
            totals[j]! += logProbs[offset + tokens[k]!]!;
          }
        });
      }
    });
    return totals;
  }

  async classScores(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][][]> {
    this.count += prompts.length * examples.length;
    if (this.model.kind === 'masked') return this.maskedScores(prompts, examples, signal);
    const promptIds = prompts.map((p) => this.promptIds(p));
    const afterIds = examples.map((e) => this.afterIds(e));
    const C = this.verbalizerIds.length;
    const jobs: Job[] = [];
    for (let p = 0; p < prompts.length; p++) for (let e = 0; e < examples.length; e++) for (let c = 0; c < C; c++) jobs.push({ prompt: p, example: e, tokens: this.verbalizerIds[c]! });
    const flat = await this.continuationLogprobs(examples, (p, e) => [...promptIds[p]!, ...afterIds[e]!], jobs, signal);
    return prompts.map((_, p) => examples.map((_, e) => Array.from({ length: C }, (_, c) => flat[(p * examples.length + e) * C + c]!)));
  }

  async referenceLogprobs(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][]> {
    this.count += prompts.length * examples.length;
    if (this.model.kind === 'masked') throw new Error(`${this.model.folder.spec} is a masked LM: it cannot score a reference's log-likelihood (use a causal LM or a classification task)`);
    const promptIds = prompts.map((p) => this.promptIds(p));
    const afterIds = examples.map((e) => this.afterIds(e));
    const references = examples.map((e, i) => {
      const ids = this.model.tokenizer.encode(e.reference ?? '', { addSpecialTokens: false });
      if (ids.length === 0) throw new Error(`example ${i + 1}: the reference output is empty`);
      return ids;
    });
    const jobs: Job[] = [];
    for (let p = 0; p < prompts.length; p++) for (let e = 0; e < examples.length; e++) jobs.push({ prompt: p, example: e, tokens: references[e]! });
    const flat = await this.continuationLogprobs(examples, (p, e) => [...promptIds[p]!, ...afterIds[e]!], jobs, signal);
    return prompts.map((_, p) => examples.map((_, e) => flat[p * examples.length + e]!));
  }

  async generate(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], options: { maxTokens: number; stop?: readonly string[] }, signal?: AbortSignal): Promise<string[][]> {
    this.count += prompts.length * examples.length;
    const out: string[][] = [];
    for (const p of prompts) {
      const row: string[] = [];
      for (const e of examples) {
        signal?.throwIfAborted();
        row.push((await generate(this.model, `${e.before}${p.text}${e.after}`, { greedy: true, maxTokens: options.maxTokens, stop: options.stop, seed: 0, signal })).text);
      }
      out.push(row);
    }
    return out;
  }

  private async maskedScores(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][][]> {
    const texts = prompts.flatMap((p) => examples.map((e) => {
      const text = `${e.before}${p.text}${e.after}`;
      return MASK_SLOT.test(text) ? text : `${text} <mask> .`;
    }));
    const scores = await this.model.withSession((active) => classifyMaskedScores(this.model, active, texts, this.verbalizerIds, { batchSize: 32, signal }));
    return prompts.map((_, p) => examples.map((_, e) => scores[p * examples.length + e]!));
  }
}
