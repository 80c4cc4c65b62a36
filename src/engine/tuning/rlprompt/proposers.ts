// Where a search step's prompts come from. RL: the policy samples them and learns from their
// rewards by soft Q-learning (target network, Polyak averaging, clipped Adam). Random search:
// tokens drawn uniformly from the same vocabulary, nothing learned: the honest baseline.
import { Adam } from '../optim/adam';
import type { OptimizerState } from '../optim/optimizer';
import type { Rng } from '../optim/rng';
import type { MlpParams } from './mlpParams';
import { polyakUpdate } from './mlpParams';
import type { RlPolicy, SampledPrompts } from './policy';
import { type ShapingOptions, shapeRewards } from './reward';
import { argmaxRow } from './sampler';
import { sqlUpdate } from './softQLearning';
import type { PromptVocabulary } from './vocabulary';

export interface LearnResult {
  loss: number;
  gradNorm: number;
}

export interface Replay {
  ids: number[][];
  rewards: number[];
}

export interface Proposer {
  /** Called at the start of every step (RLPrompt syncs its target network there). */
  beginStep(): void;
  propose(count: number): Promise<number[][]>;
  /**
   * Learns from the last proposals' rewards (one per prompt, before shaping), and from `replay`:
   * earlier prompts with known rewards on the same examples (off-policy; no new evaluations).
   */
  learn(rewards: readonly number[], replay?: Replay): Promise<LearnResult | undefined>;
  /** The policy's most likely prompt, if it has one. */
  greedy(): Promise<number[] | undefined>;
}

export class RandomProposer implements Proposer {
  constructor(
    private readonly vocabulary: PromptVocabulary,
    private readonly promptLength: number,
    private readonly rng: Rng,
  ) {}

  beginStep(): void {}

  async propose(count: number): Promise<number[][]> {
    const allowed = this.vocabulary.allowed;
    return Array.from({ length: count }, () => Array.from({ length: this.promptLength }, () => allowed[this.rng.int(allowed.length)]!));
  }

  async learn(): Promise<undefined> {
    return undefined;
  }

  async greedy(): Promise<undefined> {
    return undefined;
  }
}

export interface RlProposerOptions {
  topK: number;
  polyak: number;
  gradClip: number;
  lr: number;
  shaping: ShapingOptions;
}

export class RlProposer implements Proposer {
  private last?: SampledPrompts;
  readonly optimizer: Adam;
  private readonly bias: Float32Array;

  constructor(
    private readonly policy: RlPolicy,
    readonly params: MlpParams,
    readonly target: MlpParams,
    vocabulary: PromptVocabulary,
    private readonly rng: Rng,
    private readonly options: RlProposerOptions,
    optimizerState?: OptimizerState,
  ) {
    this.optimizer = new Adam(params.flat.length, { lr: options.lr });
    if (optimizerState) this.optimizer.setState(optimizerState);
    this.bias = vocabulary.logitBias();
    // More than the allowed tokens would "keep" blocked ones (at probability 0).
    this.options = { ...options, topK: Math.min(options.topK, vocabulary.allowed.length) };
  }

  beginStep(): void {
    polyakUpdate(this.target, this.params, this.options.polyak);
  }

  async propose(count: number): Promise<number[][]> {
    this.last = await this.policy.sample(this.params, count, this.options.topK, this.bias, this.rng);
    return this.last.ids;
  }

  async learn(rewards: readonly number[], replay?: Replay): Promise<LearnResult> {
    if (!this.last) throw new Error('RL prompt tuning: learn() before propose()');
    let batch = this.last;
    let all = rewards;
    if (replay && replay.ids.length > 0) {
      // Soft Q-learning is off-policy: replayed prompts are teacher-forced through the frozen LM for their states.
      const forced = await this.policy.rollout(this.params, replay.ids.length, this.bias, (_l, _o, b, t) => replay.ids[b]![t]!);
      const states = new Float32Array(batch.states.length + forced.states.length);
      states.set(batch.states);
      states.set(forced.states, batch.states.length);
      batch = { ids: [...batch.ids, ...forced.ids], states };
      all = [...rewards, ...replay.rewards];
    }
    const { shaped } = shapeRewards(all, this.options.shaping);
    const r = await sqlUpdate(this.policy, this.params, this.target, this.optimizer, batch, shaped, this.bias, this.options.gradClip);
    return { loss: r.loss, gradNorm: r.gradNorm };
  }

  async greedy(): Promise<number[]> {
    const { ids } = await this.policy.rollout(this.params, 1, this.bias, (logits, offset) => argmaxRow(logits, offset, this.policy.vocab));
    return ids[0]!;
  }
}
