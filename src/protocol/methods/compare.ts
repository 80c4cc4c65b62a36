// `compare`: the ways to adapt a model — prompt engineering, soft prompts, BBT, random search,
// RL prompts, LoRA and full fine tuning — run on one task with the same splits, each judged on
// the held-out test split that none of them selects on, with the interval of each accuracy and a
// paired test against the hand-written prompt on the same rows.
import {
  expectArray,
  expectNumber,
  expectOneOf,
  expectRecord,
  expectString,
  numberOrNull,
  optionalInteger,
  optionalOneOf,
  optionalPositive,
  optionalString,
  ProtocolError,
  stringArray,
} from '../guards';
import { ENGINE_DEVICES, type EngineDevice } from '../modelApi';
import { parseRemoteAccess, type RemoteAccess } from '../remoteAccess';

/** In the order they run: RL before random search, which then gets RL's evaluation count. */
export const COMPARE_METHODS = ['manual', 'soft', 'bbt', 'rl', 'random', 'lora', 'finetune'] as const;
export type CompareMethod = (typeof COMPARE_METHODS)[number];

export interface CompareParams {
  promptFile: string;
  /** Default: every method that fits the model. */
  methods?: CompareMethod[];
  /** The whole comparison's time; each training method gets its share and stops cleanly. */
  budgetMinutes?: number;
  /** Overrides every method's seed. */
  seed?: number;
  workspaceDir?: string;
  device?: EngineDevice;
  /** Another task model: a local folder or hub id (every method), or `openai-compatible/<name>` (the methods that need no gradients). */
  model?: string;
  /** The endpoint of an `openai-compatible/<name>` model (overrides the file's promptsmith.endpoint). */
  endpoint?: string;
  remote?: RemoteAccess;
  /** The local policy LM of RL prompt tuning (needed when the task model is remote). */
  policyModel?: string;
}

export const ROW_STATUSES = ['done', 'skipped', 'failed', 'cancelled'] as const;

export interface CompareRow {
  method: CompareMethod;
  /** `manual` rows of `promptsmith.variants`: the variant's name (none: the template as written). */
  variant?: string;
  status: (typeof ROW_STATUSES)[number];
  /** Why a method was skipped or failed. */
  note?: string;
  train_acc: number | null;
  dev_acc: number | null;
  /** On the task's test split; null only when it has none (or the method did not finish). */
  test_acc: number | null;
  /** 95 % Wilson interval of test_acc. */
  test_ci: [number, number] | null;
  /** McNemar's exact test against the hand-written prompt on the same test rows (null for manual). */
  vs_manual_p: number | null;
  trainable_params: number;
  seconds: number;
  /** Peak resident memory of the process that ran this method alone, MiB. */
  peak_rss_mb: number;
  /** What the method produced: an adapter or model folder, or the prompt text written into the slot. */
  artifact: string | null;
}

export interface CompareResult {
  rows: CompareRow[];
  /** Rows of the test split (0 when the task has none). */
  test_rows: number;
  /** The Markdown report a user can paste into a pull request. */
  report: string;
  /** Data that invites self-deception (dev near-copies of train, small sets, …), one sentence each. */
  warnings: string[];
  run_dir?: string;
}

/** How a row is named in tables: its method, and a variant's name after a colon (`manual:feelings`). */
export function rowLabel(row: Pick<CompareRow, 'method' | 'variant'>): string {
  return row.variant ? `${row.method}:${row.variant}` : row.method;
}

/** The hand-written template as written: the row every other one is tested against. */
export function baselineRow(rows: readonly CompareRow[]): CompareRow | undefined {
  return rows.find((r) => r.method === 'manual' && r.variant === undefined);
}

const SIGNIFICANT = 0.05;

export function formatP(p: number): string {
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** What the paired test says about a row against the hand-written prompt ('' for that row itself). */
export function verdict(row: CompareRow, manual: CompareRow | undefined): string {
  if (row.vs_manual_p === null || row.test_acc === null || manual?.test_acc == null) return '';
  const direction = row.test_acc > manual.test_acc ? 'better' : row.test_acc < manual.test_acc ? 'worse' : 'same';
  if (direction === 'same') return 'same as hand-written';
  return row.vs_manual_p < SIGNIFICANT ? `${direction} (${formatP(row.vs_manual_p)})` : `${direction}, but within noise (${formatP(row.vs_manual_p)})`;
}

export function parseCompareParams(params: unknown): CompareParams {
  const where = 'params';
  const p = expectRecord(params, where);
  const methods = p.methods === undefined ? undefined : expectArray(p, 'methods', where).map((m, i) => {
    if (typeof m !== 'string' || !(COMPARE_METHODS as readonly string[]).includes(m)) throw new ProtocolError(`${where}.methods[${i}]: expected one of ${COMPARE_METHODS.join(', ')}`);
    return m as CompareMethod;
  });
  return {
    promptFile: expectString(p, 'promptFile', where),
    methods,
    budgetMinutes: optionalPositive(p, 'budgetMinutes', where),
    seed: optionalInteger(p, 'seed', where, 0),
    workspaceDir: optionalString(p, 'workspaceDir', where),
    device: optionalOneOf(p, 'device', ENGINE_DEVICES, where),
    model: optionalString(p, 'model', where),
    endpoint: optionalString(p, 'endpoint', where),
    remote: parseRemoteAccess(p.remote, `${where}.remote`),
    policyModel: optionalString(p, 'policyModel', where),
  };
}

export function parseCompareRow(raw: unknown, where: string): CompareRow {
  const r = expectRecord(raw, where);
  const ci = r.test_ci;
  let testCi: [number, number] | null = null;
  if (ci !== null) {
    if (!Array.isArray(ci) || ci.length !== 2 || ci.some((x) => typeof x !== 'number')) throw new ProtocolError(`${where}.test_ci: expected [low, high] or null`);
    testCi = [ci[0] as number, ci[1] as number];
  }
  const row: CompareRow = {
    method: expectOneOf(r, 'method', COMPARE_METHODS, where),
    status: expectOneOf(r, 'status', ROW_STATUSES, where),
    train_acc: numberOrNull(r, 'train_acc', where),
    dev_acc: numberOrNull(r, 'dev_acc', where),
    test_acc: numberOrNull(r, 'test_acc', where),
    test_ci: testCi,
    vs_manual_p: numberOrNull(r, 'vs_manual_p', where),
    trainable_params: expectNumber(r, 'trainable_params', where),
    seconds: expectNumber(r, 'seconds', where),
    peak_rss_mb: expectNumber(r, 'peak_rss_mb', where),
    artifact: r.artifact === null ? null : expectString(r, 'artifact', where),
  };
  const note = optionalString(r, 'note', where);
  if (note !== undefined) row.note = note;
  const variant = optionalString(r, 'variant', where);
  if (variant !== undefined) row.variant = variant;
  return row;
}

export function parseCompareResult(raw: unknown): CompareResult {
  const where = 'compare result';
  const r = expectRecord(raw, where);
  const result: CompareResult = {
    rows: expectArray(r, 'rows', where).map((row, i) => parseCompareRow(row, `${where}.rows[${i}]`)),
    test_rows: expectNumber(r, 'test_rows', where),
    report: expectString(r, 'report', where),
    warnings: stringArray(r, 'warnings', where),
  };
  const runDir = optionalString(r, 'run_dir', where);
  if (runDir !== undefined) result.run_dir = runDir;
  return result;
}
