// RLPrompt's few-shot classification reward (fsc_reward.PromptedClassificationReward):
// class probabilities = softmax over the class scores; gap = P(label) − max P(other);
// correct = gap > 0; reward = gap · (correct ? λ2 : λ1), averaged over the examples; then, per
// step, a z-score over the step's prompts and a linear shaping ([0,1] → [0,5] is ×5).
// The default preset adds two measured departures (README.md): a floor on the z-score's
// standard deviation and a penalty for prompts that give every example the same label.

export interface GapRewardOptions {
  lambda1: number;
  lambda2: number;
}

export interface PromptReward {
  /** Mean gap reward over the examples (RLPrompt's R). */
  reward: number;
  /** Fraction of examples whose label has the highest probability. */
  accuracy: number;
  /** Mean over labels of per-label accuracy (labels present among the examples). */
  balancedAccuracy: number;
  /** How many distinct labels the prompt predicted. */
  labelsPredicted: number;
}

function softmax(scores: readonly number[]): number[] {
  const max = Math.max(...scores);
  const e = scores.map((s) => Math.exp(s - max));
  const total = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / total);
}

/** `scores[e][c]`: class scores (summed verbalizer log-probs) of example e; `labels[e]`: its class. */
export function classificationReward(scores: readonly (readonly number[])[], labels: readonly number[], options: GapRewardOptions): PromptReward {
  if (scores.length === 0) throw new Error('classification reward: no examples');
  let total = 0;
  let right = 0;
  const predicted = new Set<number>();
  const perLabel = new Map<number, { right: number; n: number }>();
  scores.forEach((row, e) => {
    const p = softmax(row);
    const label = labels[e]!;
    let other = -Infinity;
    let best = 0;
    p.forEach((q, c) => {
      if (c !== label) other = Math.max(other, q);
      if (q > p[best]!) best = c;
    });
    const gap = p[label]! - other;
    const correct = gap > 0;
    total += gap * (correct ? options.lambda2 : options.lambda1);
    if (correct) right++;
    predicted.add(best);
    const stats = perLabel.get(label) ?? { right: 0, n: 0 };
    stats.n++;
    if (correct) stats.right++;
    perLabel.set(label, stats);
  });
  const balanced = [...perLabel.values()].reduce((a, s) => a + s.right / s.n, 0) / perLabel.size;
  return { reward: total / scores.length, accuracy: right / scores.length, balancedAccuracy: balanced, labelsPredicted: predicted.size };
}

export interface ShapingOptions {
  /** RLPrompt: 1e-4, added to the standard deviation. */
  eps: number;
  /** Default preset: the standard deviation is at least this (0 = none, the paper). */
  stdFloor: number;
  /** RLPrompt's reward_shaping [0,1] → [0,5]: ×5. */
  scale: number;
}

/** z-score over the step's prompts (population std), then ×scale: what the SQL loss sees. */
export function shapeRewards(rewards: readonly number[], options: ShapingOptions): { shaped: number[]; mean: number; std: number } {
  const n = rewards.length;
  const mean = rewards.reduce((a, r) => a + r, 0) / n;
  const std = Math.sqrt(rewards.reduce((a, r) => a + (r - mean) ** 2, 0) / n);
  const spread = Math.max(std, options.stdFloor) + options.eps;
  return { shaped: rewards.map((r) => ((r - mean) / spread) * options.scale), mean, std };
}
