// Every engine method in one table: its params, result and event types, the params' validator
// (run by the engine on each request) and the result's validator (run by the client on each
// answer). Adding a method = one protocol file under methods/ and one row in each table here.
import { isRecord, type Json, ProtocolError } from './guards';
import { type CompareParams, type CompareResult, parseCompareParams, parseCompareResult } from './methods/compare';
import { type EvaluateParams, type PromptEvaluation, parseEvaluateParams, parsePromptEvaluation } from './methods/evaluate';
import { type FineTuneParams, type FineTuneResult, parseFineTuneParams, parseFineTuneResult } from './methods/fineTune';
import { parseRunPromptParams, parseRunPromptResult, type RunPromptParams, type RunPromptResult } from './methods/runPrompt';
import { parseServeParams, parseServeResult, type ServeParams, type ServeResult } from './methods/serve';
import { parseTaskControlParams, parseTaskControlResult, type TaskControlParams, type TaskControlResult } from './methods/taskControl';
import { parseTuneRlParams, parseTuneRlResult, type TuneRlParams, type TuneRlResult } from './methods/tuneRl';
import { parseTuneSoftParams, parseTuneSoftResult, type TuneSoftParams, type TuneSoftResult } from './methods/tuneSoft';
import {
  type ClassifyParams,
  type ClassifyResultWire,
  type EngineStats,
  type GenerateParams,
  type GenerateResultWire,
  type LoadModelResult,
  type ModelEvent,
  type ModelRef,
  parseClassifyParams,
  parseClassifyResult,
  parseEngineStats,
  parseGenerateParams,
  parseGenerateResult,
  parseLoadModelResult,
  parseModelEvent,
  parseModelRef,
  parseScoreParams,
  parseScoreResult,
  type ScoreParams,
  type ScoreResultWire,
} from './modelApi';
import { parseTaskEvent, type TaskEvent } from './taskEvents';

/** Everything a request may stream before its answer, on one channel. */
export type EngineEvent = TaskEvent | ModelEvent;

type NoParams = Record<string, never> | null;

export interface EngineMethodTypes {
  ping: { params: NoParams; result: { pong: true; pid: number } };
  loadModel: { params: ModelRef; result: LoadModelResult };
  generate: { params: GenerateParams; result: GenerateResultWire };
  score: { params: ScoreParams; result: ScoreResultWire };
  classify: { params: ClassifyParams; result: ClassifyResultWire };
  stats: { params: NoParams; result: EngineStats };
  evaluate: { params: EvaluateParams; result: PromptEvaluation };
  runPrompt: { params: RunPromptParams; result: RunPromptResult };
  tuneSoft: { params: TuneSoftParams; result: TuneSoftResult };
  tuneRl: { params: TuneRlParams; result: TuneRlResult };
  fineTune: { params: FineTuneParams; result: FineTuneResult };
  compare: { params: CompareParams; result: CompareResult };
  taskControl: { params: TaskControlParams; result: TaskControlResult };
  serve: { params: ServeParams; result: ServeResult };
  shutdown: { params: NoParams; result: { ok: true } };
}

export type EngineMethod = keyof EngineMethodTypes;
export type ParamsOf<M extends EngineMethod> = EngineMethodTypes[M]['params'];
export type ResultOf<M extends EngineMethod> = EngineMethodTypes[M]['result'];

const noParams = (): NoParams => null;

/** Validators of each method's params, run by the engine (a ProtocolError → E_BAD_REQUEST). */
export const PARAMS_PARSERS: { [M in EngineMethod]: (raw: unknown) => ParamsOf<M> } = {
  ping: noParams,
  loadModel: (raw) => parseModelRef(raw),
  generate: parseGenerateParams,
  score: parseScoreParams,
  classify: parseClassifyParams,
  stats: noParams,
  evaluate: parseEvaluateParams,
  runPrompt: parseRunPromptParams,
  tuneSoft: parseTuneSoftParams,
  tuneRl: parseTuneRlParams,
  fineTune: parseFineTuneParams,
  compare: parseCompareParams,
  taskControl: parseTaskControlParams,
  serve: parseServeParams,
  shutdown: noParams,
};

function expectFlag<K extends string>(key: K) {
  return (raw: unknown) => {
    if (!isRecord(raw) || raw[key] !== true) throw new ProtocolError(`result.${key}: expected true`);
    return raw as { [P in K]: true };
  };
}

/** Validators of each method's result, run by the client before the caller sees it. */
export const RESULT_PARSERS: { [M in EngineMethod]: (raw: unknown) => ResultOf<M> } = {
  ping: (raw) => {
    const r = expectFlag('pong')(raw);
    if (typeof (r as { pid?: unknown }).pid !== 'number') throw new ProtocolError('result.pid: expected a number');
    return r as { pong: true; pid: number };
  },
  loadModel: parseLoadModelResult,
  generate: parseGenerateResult,
  score: parseScoreResult,
  classify: parseClassifyResult,
  stats: parseEngineStats,
  evaluate: parsePromptEvaluation,
  runPrompt: parseRunPromptResult,
  tuneSoft: parseTuneSoftResult,
  tuneRl: parseTuneRlResult,
  fineTune: parseFineTuneResult,
  compare: parseCompareResult,
  taskControl: parseTaskControlResult,
  serve: parseServeResult,
  shutdown: expectFlag('ok'),
};

export function isEngineMethod(name: string): name is EngineMethod {
  return Object.hasOwn(PARAMS_PARSERS, name);
}

const MODEL_EVENT_TYPES: readonly string[] = ['token', 'download', 'export'];

/** Validates one streamed event (a task's progress/status/…, or a model's token/download/export). */
export function parseEngineEvent(raw: unknown): EngineEvent {
  if (isRecord(raw) && typeof raw.type === 'string' && MODEL_EVENT_TYPES.includes(raw.type)) return parseModelEvent(raw as Json);
  return parseTaskEvent(raw);
}
