// The engine method `tuneSoft`: params validated here (errors name the field), progress and
// messages streamed as events, cancel through the request's AbortSignal.
import { expectRecord, expectString, type Json, optionalNumber, optionalString, ProtocolError } from '../../../protocol/guards';
import type { PromptsmithSoftPrompt } from '../../../language/analysis/promptFile';
import { parseDevice } from '../../runtime/executionProviders';
import { type TuneSoftRequest, tuneSoftPrompt } from './tuneSoftPrompt';

type TuneSoftParams = Omit<TuneSoftRequest, 'signal' | 'onEvent'>;

function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[], where: string): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new ProtocolError(`${where}.${key}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

export function parseTuneSoftParams(params: Json): TuneSoftParams {
  const p = expectRecord(params, 'params');
  const o = p.overrides === undefined ? {} : expectRecord(p.overrides, 'params.overrides');
  const w = 'params.overrides';
  const overrides: Partial<PromptsmithSoftPrompt> = {
    tokens: optionalNumber(o, 'tokens', w),
    init: oneOf(o, 'init', ['RANDOM', 'SAMPLE_VOCAB', 'TEXT'], w),
    initText: optionalString(o, 'initText', w),
    steps: optionalNumber(o, 'steps', w),
    lr: optionalNumber(o, 'lr', w),
    optimizer: oneOf(o, 'optimizer', ['adam', 'adafactor'], w),
    method: oneOf(o, 'method', ['gradient', 'bbt'], w),
    seed: optionalNumber(o, 'seed', w),
    batchSize: optionalNumber(o, 'batchSize', w),
    evalEvery: optionalNumber(o, 'evalEvery', w),
    patience: optionalNumber(o, 'patience', w),
    slot: optionalString(o, 'slot', w),
  };
  const device = optionalString(p, 'device', 'params');
  return {
    promptFile: expectString(p, 'promptFile', 'params'),
    overrides,
    out: optionalString(p, 'out', 'params'),
    resume: optionalString(p, 'resume', 'params'),
    workspaceDir: optionalString(p, 'workspaceDir', 'params'),
    device: device === undefined ? undefined : parseDevice(device, 'params.device'),
    checkpointEvery: optionalNumber(p, 'checkpointEvery', 'params'),
  };
}

/** NaN/Infinity are not JSON: they travel as null. */
function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

export async function tuneSoftMethod(params: Json, ctx: { emit(event: Json): void; signal: AbortSignal }): Promise<Json> {
  const request = parseTuneSoftParams(params);
  const result = await tuneSoftPrompt({ ...request, signal: ctx.signal, onEvent: (e) => ctx.emit(toJson(e)) });
  return toJson(result);
}
