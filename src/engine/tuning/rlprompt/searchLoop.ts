// The discrete-prompt search loop RL prompt tuning and random search share: each step the
// proposer writes prompts, the task model scores them on training examples (the reward), the
// proposer learns; every few steps the greedy prompt and the best new samples are scored on the
// selection split (dev), and the best distinct prompts are kept. Reward evaluations (prompt ×
// example pairs) are counted the same way for both methods, dev scoring included.
import type { SlotExample, SlotPrompt, TaskScorer } from '../../tasks/taskScorer';
import { cancelledBeforeStep } from '../softprompt/stepGate';
import { type PromptRecord, PromptTable, type PromptTableState, meanReward, trainAccuracy } from './promptTable';
import type { Proposer, Replay } from './proposers';
import type { PromptReward } from './reward';
import type { PromptScorer } from './taskReward';

export interface BestPrompt {
  /** Exactly the string written into the slot. */
  text: string;
  ids: number[];
  tokens: string[];
  /** Mean train reward (RLPrompt's R) over the steps that sampled it. */
  reward: number;
  train_acc: number;
  dev_acc: number;
}

export type SearchEvent =
  | {
      type: 'progress';
      step: number;
      totalSteps: number;
      reward_mean: number;
      reward_max: number;
      /** Mean train accuracy of this step's prompts (on this step's examples). */
      acc_mean: number;
      loss?: number;
      best_prompt?: string;
      dev_acc?: number;
      evaluations: number;
      elapsed_s: number;
      steps_per_s: number;
    }
  | { type: 'bestPrompts'; step: number; evaluations: number; prompts: BestPrompt[] };

export interface SearchState {
  step: number;
  evaluations: number;
  table: PromptTableState;
  /** Train results already paid for: `batch|prompt key` → result (the reward is deterministic). */
  rewards: [string, PromptReward][];
}

export interface SearchOptions {
  steps: number;
  samplesPerStep: number;
  /** 0 = every train example each step. */
  examplesPerStep: number;
  evalEvery: number;
  evalCandidates: number;
  keepBest: number;
  /** Stop once this many reward evaluations are spent (0 = no limit): equal budgets for RL and random search. */
  maxEvaluations: number;
  /** Best earlier prompts (by learning reward, same examples) replayed to the proposer each step; 0 = on-policy only. */
  replay: number;
  /** Subtracted from the learning reward of prompts that give every example one label. */
  oneLabelPenalty: number;
  signal?: AbortSignal;
  beforeStep?: () => Promise<void>;
  /** True once the search should end early but normally (a time budget). */
  shouldStop?: () => boolean;
  onEvent?: (event: SearchEvent) => void;
  /** Writes a checkpoint of `state` (+ the caller's proposer state) after step `state.step`. */
  checkpoint?: (state: SearchState) => void;
  checkpointEvery: number;
}

export interface SearchData {
  train: SlotExample[];
  /** The selection split: dev, or train when the task has no dev split. */
  select: SlotExample[];
}

export interface SearchParts {
  proposer: Proposer;
  scorer: TaskScorer;
  score: PromptScorer;
  /** The slot text and scoring form of a prompt's ids. */
  describe: (ids: readonly number[]) => { text: string; tokens: string[]; scoring: SlotPrompt };
}

export interface SearchResult {
  best: PromptRecord[];
  stepsRun: number;
  evaluations: number;
  cancelled: boolean;
}

/** Step `step`'s training examples: consecutive batches in file order, cycling (RLPrompt: no shuffle, drop_last). */
export function trainBatch(train: readonly SlotExample[], size: number, step: number): { index: number; examples: SlotExample[] } {
  if (size <= 0 || size >= train.length) return { index: -1, examples: [...train] };
  const batches = Math.floor(train.length / size);
  const k = step % batches;
  return { index: k, examples: train.slice(k * size, (k + 1) * size) };
}

export async function runSearch(parts: SearchParts, data: SearchData, options: SearchOptions, resume?: SearchState): Promise<SearchResult> {
  const { proposer, scorer, score } = parts;
  const table = new PromptTable(resume?.table);
  const rewards = new Map(resume?.rewards ?? []);
  let step = resume?.step ?? 0;
  let evaluations = resume?.evaluations ?? 0;
  const counted = async <T>(run: () => Promise<T>): Promise<T> => {
    const before = scorer.evaluations;
    const result = await run();
    evaluations += scorer.evaluations - before;
    return result;
  };
  const state = (): SearchState => ({ step, evaluations, table: table.state(), rewards: [...rewards] });
  /** Results on a train batch (-1: all of train); a prompt already scored on it is not scored again. */
  const trainResults = async (ids: readonly number[][], batch: number, examples: SlotExample[]): Promise<PromptReward[]> => {
    const key = (p: readonly number[]) => `${batch}|${p.join(',')}`;
    const missing = [...new Map(ids.filter((p) => !rewards.has(key(p))).map((p) => [key(p), p])).values()];
    if (missing.length > 0) {
      const fresh = await counted(() => score(missing.map((p) => parts.describe(p).scoring), examples, options.signal));
      for (const [i, p] of missing.entries()) rewards.set(key(p), fresh[i]!);
    }
    return ids.map((p) => rewards.get(key(p))!);
  };
  const checkpoint = () => options.checkpoint?.(state());
  const started = Date.now();
  const startStep = step;
  let cancelled = false;

  const evaluate = async (): Promise<void> => {
    const greedy = await proposer.greedy();
    const candidates = table.takeCandidates(options.evalCandidates);
    const fresh: PromptRecord[] = [];
    if (greedy && !table.isScored(greedy) && !candidates.some((c) => c.ids.join() === greedy.join())) {
      fresh.push({ ids: greedy, rewardSum: 0, rewardCount: 0, trainRight: 0, trainSeen: 0, step });
    }
    const toScore = [...candidates.filter((c) => !table.isScored(c.ids)), ...fresh];
    const emitBest = () => options.onEvent?.({ type: 'bestPrompts', step, evaluations, prompts: table.best(options.keepBest).map((r) => bestPrompt(parts, r)) });
    if (toScore.length === 0) return emitBest();
    const prompts = toScore.map((r) => parts.describe(r.ids).scoring);
    // Scored prompts get their statistics on the whole train split (the greedy one was never
    // sampled; samples were scored on one batch when a step sees part of train).
    const partial = toScore.filter((r) => r.trainSeen !== data.train.length || r.rewardCount !== 1);
    if (partial.length > 0) {
      const train = await trainResults(partial.map((r) => r.ids), -1, data.train);
      for (const [i, r] of partial.entries()) {
        r.rewardSum = train[i]!.reward;
        r.rewardCount = 1;
        r.trainRight = Math.round(train[i]!.accuracy * data.train.length);
        r.trainSeen = data.train.length;
      }
    }
    const dev = await counted(() => score(prompts, data.select, options.signal));
    for (const [i, r] of toScore.entries()) table.setDev(r, dev[i]!);
    emitBest();
  };

  const spent = () => options.maxEvaluations > 0 && evaluations >= options.maxEvaluations;
  let evaluatedAt = -1;
  while (step < options.steps && !spent()) {
    if (await cancelledBeforeStep(options, checkpoint)) {
      cancelled = true;
      break;
    }
    proposer.beginStep();
    const ids = await proposer.propose(options.samplesPerStep);
    const { index, examples } = trainBatch(data.train, options.examplesPerStep, step);
    const results = await trainResults(ids, index, examples);
    for (const [i, p] of ids.entries()) table.observe(p, results[i]!, examples.length, step);
    const learned = await proposer.learn(
      results.map((r) => learningReward(r, options.oneLabelPenalty)),
      options.replay > 0 ? elite(rewards, index, new Set(ids.map((p) => p.join(','))), options) : undefined,
    );
    step++;
    if (step % options.evalEvery === 0 || step === options.steps || spent()) {
      await evaluate();
      evaluatedAt = step;
    }
    const top = table.best(1)[0];
    const elapsed = (Date.now() - started) / 1000;
    // Under an evaluation budget the steps it allows are projected from the spending so far.
    const projected = options.maxEvaluations > 0 && evaluations > 0 ? Math.ceil((step * options.maxEvaluations) / evaluations) : options.steps;
    options.onEvent?.({
      type: 'progress',
      step,
      totalSteps: Math.max(step, Math.min(options.steps, projected)),
      reward_mean: results.reduce((a, r) => a + r.reward, 0) / results.length,
      reward_max: Math.max(...results.map((r) => r.reward)),
      acc_mean: results.reduce((a, r) => a + r.accuracy, 0) / results.length,
      loss: learned?.loss,
      best_prompt: top ? parts.describe(top.ids).text : undefined,
      dev_acc: top?.devAcc,
      evaluations,
      elapsed_s: elapsed,
      steps_per_s: elapsed > 0 ? (step - startStep) / elapsed : 0,
    });
    if (options.checkpointEvery > 0 && step % options.checkpointEvery === 0) checkpoint();
    // After at least one step: a budget ends the search like its last step would.
    if (options.shouldStop?.()) break;
  }
  if (!cancelled && evaluatedAt !== step) await evaluate();
  return { best: table.best(options.keepBest), stepsRun: step, evaluations, cancelled };
}

/** The best `replay` prompts scored on train batch `batch`, by learning reward (ties: key order), except `skip`. */
function elite(rewards: Map<string, PromptReward>, batch: number, skip: Set<string>, options: Pick<SearchOptions, 'replay' | 'oneLabelPenalty'>): Replay {
  const prefix = `${batch}|`;
  const scored: { key: string; reward: number }[] = [];
  for (const [k, r] of rewards) {
    if (k.startsWith(prefix) && !skip.has(k.slice(prefix.length))) scored.push({ key: k.slice(prefix.length), reward: learningReward(r, options.oneLabelPenalty) });
  }
  scored.sort((a, b) => b.reward - a.reward || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const top = scored.slice(0, options.replay);
  return { ids: top.map((t) => t.key.split(',').map(Number)), rewards: top.map((t) => t.reward) };
}

/** What the proposer learns from: the reward, minus the penalty for one-label prompts. */
export function learningReward(r: PromptReward, oneLabelPenalty: number): number {
  return r.reward - (r.labelsPredicted === 1 ? oneLabelPenalty : 0);
}

export function bestPrompt(parts: Pick<SearchParts, 'describe'>, r: PromptRecord): BestPrompt {
  const d = parts.describe(r.ids);
  return { text: d.text, ids: [...r.ids], tokens: d.tokens, reward: meanReward(r), train_acc: trainAccuracy(r), dev_acc: r.devAcc ?? Number.NaN };
}
