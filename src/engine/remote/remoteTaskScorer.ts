// The TaskScorer of a model behind an OpenAI-compatible endpoint: the rewards of discrete prompt
// search (RL prompt tuning, random search) come from the server's log-probs, with prompts
// batched per request and requests bounded by the client. The policy stays local; only text
// crosses the wire (the prompt's `ids` are the local policy's and are not sent).
//
// When the endpoint goes down (E_ENDPOINT_DOWN after the client's retries), `onEndpointDown`
// is awaited — a task pauses there with the error as its message — and the same call is made
// again once it returns; without it the error is thrown (the task stops and can resume from its
// checkpoint). Either way no score is lost or counted twice.
import type { TaskHooks } from '../tasks/taskHooks';
import type { SlotExample, SlotPrompt, TaskScorer } from '../tasks/taskScorer';
import type { ClientStats, OpenAiClient } from './openAiClient';
import { isEndpointDown, type RemoteError } from './remoteErrors';
import { remoteGenerate } from './remoteGeneration';
import { RemoteScorer, type RemoteScoringOptions } from './remoteScoring';
import { clientFor, type RemoteTarget } from './remoteTarget';

export interface RemoteTaskScorerOptions extends RemoteScoringOptions {
  /** Awaited when the endpoint is down; the call is retried when it resolves (a task: pause until resumed). */
  onEndpointDown?(error: RemoteError): Promise<void>;
}

export interface RemoteScorerStats extends ClientStats {
  /** (prompt, example) pairs scored per second of busy time. */
  evaluationsPerSecond: number;
  /** Top-log-probs mode: verbalizers not listed, scored with an upper bound. */
  approximated: number;
}

export class RemoteTaskScorer implements TaskScorer {
  private count = 0;
  private readonly scorer: RemoteScorer;

  constructor(
    private readonly client: OpenAiClient,
    private readonly model: string,
    readonly verbalizers: readonly string[],
    private readonly options: RemoteTaskScorerOptions = {},
  ) {
    this.scorer = new RemoteScorer(client, model, options);
    verbalizers.forEach((v, c) => {
      if (v.length === 0) throw new Error(`verbalizer ${c} is empty`);
    });
  }

  get evaluations(): number {
    return this.count;
  }

  stats(): RemoteScorerStats {
    const s = this.client.stats();
    return { ...s, evaluationsPerSecond: s.busySeconds > 0 ? this.count / s.busySeconds : 0, approximated: this.scorer.counters.approximated };
  }

  async classScores(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][][]> {
    const C = this.verbalizers.length;
    const texts: string[] = [];
    const continuations: string[] = [];
    for (const p of prompts) {
      for (const e of examples) {
        for (const v of this.verbalizers) {
          texts.push(`${e.before}${p.text}${e.after}`);
          continuations.push(v);
        }
      }
    }
    const flat = await this.untilAnswered(() => this.scorer.score(texts, continuations, signal));
    this.count += prompts.length * examples.length;
    return prompts.map((_, p) => examples.map((_, e) => Array.from({ length: C }, (_, c) => flat[(p * examples.length + e) * C + c]!)));
  }

  async referenceLogprobs(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][]> {
    examples.forEach((e, i) => {
      if (!e.reference) throw new Error(`example ${i + 1}: the reference output is empty`);
    });
    const texts = prompts.flatMap((p) => examples.map((e) => `${e.before}${p.text}${e.after}`));
    const references = prompts.flatMap(() => examples.map((e) => e.reference!));
    const flat = await this.untilAnswered(() => this.scorer.score(texts, references, signal));
    this.count += prompts.length * examples.length;
    return prompts.map((_, p) => examples.map((_, e) => flat[p * examples.length + e]!));
  }

  async generate(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], options: { maxTokens: number; stop?: readonly string[] }, signal?: AbortSignal): Promise<string[][]> {
    const texts = prompts.flatMap((p) => examples.map((e) => `${e.before}${p.text}${e.after}`));
    // Greedy, as the local scorer generates; every text is its own request (the client bounds how many at once).
    const outputs = await this.untilAnswered(() =>
      Promise.all(texts.map(async (t) => (await remoteGenerate(this.client, this.model, t, { greedy: true, maxTokens: options.maxTokens, stop: options.stop, seed: 0, signal })).text)),
    );
    // A cancelled generation ends early with what it has: that is no answer here.
    signal?.throwIfAborted();
    this.count += prompts.length * examples.length;
    return prompts.map((_, p) => outputs.slice(p * examples.length, (p + 1) * examples.length));
  }

  private async untilAnswered<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (err) {
        if (!isEndpointDown(err) || !this.options.onEndpointDown) throw err;
        await this.options.onEndpointDown(err);
      }
    }
  }
}

/**
 * The scorer a long task (RL prompt tuning, random search) uses for a remote model: the shared
 * client of its endpoint (so the concurrency bound holds across tasks), and a pause of the task
 * while the endpoint is down, when the task can pause (`hooks.pauseFor`).
 */
export function remoteTaskScorerFor(target: RemoteTarget, verbalizers: readonly string[], hooks: TaskHooks, options: RemoteScoringOptions & { client?: OpenAiClient } = {}): RemoteTaskScorer {
  const { client, ...scoring } = options;
  const pause = hooks.pauseFor;
  return new RemoteTaskScorer(client ?? clientFor(target), target.name, verbalizers, {
    ...scoring,
    onEndpointDown: pause ? (err) => pause(`${err.message}; resume the task once the server answers again`) : undefined,
  });
}
