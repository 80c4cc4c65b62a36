// The distinct prompts a search has seen: train statistics of the prompts sampled since the
// last evaluation (the pool candidates are picked from) and the prompts scored on the selection
// split, ranked by selection accuracy, then train reward. Plain data, so a checkpoint holds it.

export interface PromptRecord {
  ids: number[];
  /** Sum and count of the prompt's mean train reward (RLPrompt's R) over the steps it was sampled. */
  rewardSum: number;
  rewardCount: number;
  /** Train examples classified right / scored, over those steps. */
  trainRight: number;
  trainSeen: number;
  /** Accuracy and mean reward on the selection split (dev), once scored. */
  devAcc?: number;
  devReward?: number;
  /** The step that first sampled it. */
  step: number;
}

export interface PromptTableState {
  pending: PromptRecord[];
  scored: PromptRecord[];
}

export const promptKey = (ids: readonly number[]): string => ids.join(',');

export const meanReward = (r: PromptRecord): number => (r.rewardCount > 0 ? r.rewardSum / r.rewardCount : Number.NEGATIVE_INFINITY);
export const trainAccuracy = (r: PromptRecord): number => (r.trainSeen > 0 ? r.trainRight / r.trainSeen : 0);

/** Better first: higher dev accuracy, then higher train reward, then earlier. */
export function compareRecords(a: PromptRecord, b: PromptRecord): number {
  return (b.devAcc ?? -1) - (a.devAcc ?? -1) || meanReward(b) - meanReward(a) || a.step - b.step;
}

export class PromptTable {
  private pending = new Map<string, PromptRecord>();
  private scored = new Map<string, PromptRecord>();

  constructor(state?: PromptTableState) {
    for (const r of state?.pending ?? []) this.pending.set(promptKey(r.ids), structuredClone(r));
    for (const r of state?.scored ?? []) this.scored.set(promptKey(r.ids), structuredClone(r));
  }

  state(): PromptTableState {
    return { pending: structuredClone([...this.pending.values()]), scored: structuredClone([...this.scored.values()]) };
  }

  /** Records one step's train result of a prompt (a prompt scored on dev already has its whole-train statistics). */
  observe(ids: readonly number[], result: { reward: number; accuracy: number }, examples: number, step: number): void {
    const key = promptKey(ids);
    if (this.scored.has(key)) return;
    const record = this.pending.get(key) ?? { ids: [...ids], rewardSum: 0, rewardCount: 0, trainRight: 0, trainSeen: 0, step };
    record.rewardSum += result.reward;
    record.rewardCount++;
    record.trainRight += Math.round(result.accuracy * examples);
    record.trainSeen += examples;
    this.pending.set(key, record);
  }

  /** The `n` best pending prompts by train accuracy, then reward (not yet scored on dev); clears the pool. */
  takeCandidates(n: number): PromptRecord[] {
    const pool = [...this.pending.values()].sort((a, b) => trainAccuracy(b) - trainAccuracy(a) || meanReward(b) - meanReward(a) || a.step - b.step);
    this.pending.clear();
    return pool.slice(0, n);
  }

  isScored(ids: readonly number[]): boolean {
    return this.scored.has(promptKey(ids));
  }

  /** Stores a prompt's dev result (its train statistics come from the pool, or are given). */
  setDev(record: PromptRecord, dev: { accuracy: number; reward: number }): void {
    this.scored.set(promptKey(record.ids), { ...record, devAcc: dev.accuracy, devReward: dev.reward });
  }

  best(k: number): PromptRecord[] {
    return [...this.scored.values()].sort(compareRecords).slice(0, k);
  }
}
