// How discrete-prompt search (RL prompt tuning, random search) queries the task model: ONE
// interface, so the reward loop never knows whether scores come from the local engine or a
// remote OpenAI-compatible endpoint. Every method takes the prompts being compared and the
// examples, each example's rendered template split at the slot the prompt fills.

/** One dataset row rendered through the template, split at the slot. */
export interface SlotExample {
  /** The model input before the slot (starts the sequence). */
  before: string;
  /** The model input after the slot (the verbalizer or generation follows it). */
  after: string;
  /** Class index into the scorer's verbalizers (classification). */
  label?: number;
  /** The expected output (generation tasks). */
  reference?: string;
}

/** A candidate prompt: the text written into the slot. */
export interface SlotPrompt {
  text: string;
  /**
   * The text's token ids in the task model's vocabulary, when the caller has them (the policy
   * shares the task model's tokenizer): a local scorer then joins ids instead of re-tokenizing.
   */
  ids?: readonly number[];
}

export interface TaskScorer {
  /** Class verbalizers (continuations), in class order. */
  readonly verbalizers: readonly string[];
  /** (prompt, example) pairs scored so far: the cost measure of prompt search. */
  readonly evaluations: number;
  /** Optional: precompute per-example work (local: each example's prefix) in a fixed order, so results never depend on call order. */
  prepare?(examples: readonly SlotExample[]): Promise<void>;
  /** scores[p][e][c]: summed log-prob of verbalizer c after before + prompt p + after. */
  classScores(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][][]>;
  /** logprobs[p][e]: log-prob of example e's reference after before + prompt p + after. */
  referenceLogprobs(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], signal?: AbortSignal): Promise<number[][]>;
  /** outputs[p][e]: the model's greedy continuation of before + prompt p + after. */
  generate(prompts: readonly SlotPrompt[], examples: readonly SlotExample[], options: { maxTokens: number; stop?: readonly string[] }, signal?: AbortSignal): Promise<string[][]>;
}
