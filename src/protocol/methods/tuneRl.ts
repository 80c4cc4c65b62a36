// `tuneRl`: discrete prompt search for a slot of a .prompt file's template — RL prompt tuning
// (RLPrompt) or its baseline, random search — as a queued task recorded in a run folder. The
// slot travels as source offsets (the editor's selection) or as "LINE:COL-LINE:COL" (the CLI);
// overrides are checked against the settings table of `promptsmith.rl` in the front matter.
import { RL_SETTINGS, settingsProblems } from '../../promptFile/promptsmithSettings';
import { expectArray, expectBoolean, expectNumber, expectOneOf, expectRecord, expectString, numberArray, numberOrNull, optionalOneOf, optionalString, ProtocolError, stringArray } from '../guards';
import type { BestPromptRow } from '../taskEvents';
import { type PromptFileParams, parsePromptFileParams } from './promptFileParams';
import { parseTuningTaskParams, type TuningTaskParams } from './tuningTaskParams';

export const RL_SEARCH_METHODS = ['rl', 'random'] as const;
export type RlSearchMethod = (typeof RL_SEARCH_METHODS)[number];

/** Settings that win over the file's promptsmith.rl (keys and values as the table says). */
export type RlOverrides = Record<string, unknown>;

/** Half-open source offsets [start, end) of the file. */
export interface SourceRange {
  start: number;
  end: number;
}

export interface TuneRlParams extends Omit<PromptFileParams, 'softPrompt' | 'noSoftPrompt'>, TuningTaskParams {
  /** Default 'rl'. */
  method?: RlSearchMethod;
  /** The slot as source offsets; default: the template's `{{rlprompt}}`, else its end. */
  slot?: SourceRange;
  /** The slot as "LINE:COL-LINE:COL" (1-based, end column exclusive). */
  slotPosition?: string;
  overrides?: RlOverrides;
  /** Folder for the found prompts and checkpoints; default: prompts/ inside the run folder. */
  out?: string;
}

/** One found prompt; the accuracies are measured on the file with `text` applied. */
export interface RlPromptRow {
  /** Exactly what Apply writes into the slot. */
  text: string;
  ids: number[];
  tokens: string[];
  /** Mean train reward during the search (RLPrompt's R). */
  reward: number;
  train_acc: number;
  dev_acc: number | null;
  /** Held-out: reported, never used to select. */
  test_acc: number | null;
}

export interface WrittenSlotScores {
  /** What the slot holds in the file (the hand-written prompt; '' for a marker or the end). */
  text: string;
  train_acc: number;
  dev_acc: number | null;
  test_acc: number | null;
}

export interface TuneRlResult {
  method: RlSearchMethod;
  /** Best distinct prompts, by dev accuracy then reward. */
  prompts: RlPromptRow[];
  written: WrittenSlotScores;
  slot: SourceRange & { kind: 'range' | 'marker' | 'end' };
  steps_run: number;
  /** Prompt × example scorings of the task model. */
  evaluations: number;
  cancelled: boolean;
  /** false when cancelled: the accuracies are the search's own and test is not measured. */
  measured: boolean;
  device: string;
  /** The policy MLP's parameters (RL), 0 for random search. */
  trainable_params: number;
  warnings: string[];
  /** The folder holding rlprompt-result.json and checkpoint/. */
  out: string;
  run_dir?: string;
}

/** The found prompts as the runs panel's and the editor's rows (a split the task lacks is left out). */
export function bestPromptRowsOf(prompts: readonly RlPromptRow[]): BestPromptRow[] {
  return prompts.map((p) => ({
    text: p.text,
    tokens: p.tokens,
    ids: p.ids,
    reward: p.reward,
    train_acc: p.train_acc,
    ...(p.dev_acc === null ? {} : { dev_acc: p.dev_acc }),
    ...(p.test_acc === null ? {} : { test_acc: p.test_acc }),
  }));
}

export function parseRlOverrides(raw: unknown, where: string): RlOverrides {
  const o = expectRecord(raw, where);
  const bad = settingsProblems(RL_SETTINGS, o)[0];
  if (bad) throw new ProtocolError(`${where}.${bad.name}: ${bad.why}`);
  return o;
}

function parseRange(raw: unknown, where: string): SourceRange {
  const r = expectRecord(raw, where);
  const start = expectNumber(r, 'start', where);
  const end = expectNumber(r, 'end', where);
  if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start) throw new ProtocolError(`${where}: expected offsets 0 ≤ start ≤ end`);
  return { start, end };
}

export function parseTuneRlParams(params: unknown): TuneRlParams {
  const where = 'params';
  const p = expectRecord(params, where);
  const { softPrompt: _s, noSoftPrompt: _n, ...common } = parsePromptFileParams(p, where);
  const result: TuneRlParams = {
    ...common,
    method: optionalOneOf(p, 'method', RL_SEARCH_METHODS, where),
    slot: p.slot === undefined ? undefined : parseRange(p.slot, `${where}.slot`),
    slotPosition: optionalString(p, 'slotPosition', where),
    overrides: p.overrides === undefined ? undefined : parseRlOverrides(p.overrides, `${where}.overrides`),
    ...parseTuningTaskParams(p, where),
  };
  if (result.slot && result.slotPosition !== undefined) throw new ProtocolError(`${where}: give slot or slotPosition, not both`);
  return result;
}

function parsePromptRow(raw: unknown, where: string): RlPromptRow {
  const r = expectRecord(raw, where);
  return {
    text: expectString(r, 'text', where),
    ids: numberArray(r, 'ids', where),
    tokens: stringArray(r, 'tokens', where),
    reward: expectNumber(r, 'reward', where),
    train_acc: expectNumber(r, 'train_acc', where),
    dev_acc: numberOrNull(r, 'dev_acc', where),
    test_acc: numberOrNull(r, 'test_acc', where),
  };
}

export function parseTuneRlResult(raw: unknown): TuneRlResult {
  const where = 'tuneRl result';
  const r = expectRecord(raw, where);
  const w = expectRecord(r.written, `${where}.written`);
  const slot = expectRecord(r.slot, `${where}.slot`);
  const result: TuneRlResult = {
    method: expectOneOf(r, 'method', RL_SEARCH_METHODS, where),
    prompts: expectArray(r, 'prompts', where).map((row, i) => parsePromptRow(row, `${where}.prompts[${i}]`)),
    written: {
      text: expectString(w, 'text', `${where}.written`),
      train_acc: expectNumber(w, 'train_acc', `${where}.written`),
      dev_acc: numberOrNull(w, 'dev_acc', `${where}.written`),
      test_acc: numberOrNull(w, 'test_acc', `${where}.written`),
    },
    slot: { ...parseRange(slot, `${where}.slot`), kind: expectOneOf(slot, 'kind', ['range', 'marker', 'end'] as const, `${where}.slot`) },
    steps_run: expectNumber(r, 'steps_run', where),
    evaluations: expectNumber(r, 'evaluations', where),
    cancelled: expectBoolean(r, 'cancelled', where),
    measured: expectBoolean(r, 'measured', where),
    device: expectString(r, 'device', where),
    trainable_params: expectNumber(r, 'trainable_params', where),
    warnings: stringArray(r, 'warnings', where),
    out: expectString(r, 'out', where),
  };
  const runDir = optionalString(r, 'run_dir', where);
  if (runDir !== undefined) result.run_dir = runDir;
  return result;
}
