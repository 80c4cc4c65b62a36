// The engine's model methods (loadModel, generate, score, classify, stats): typed params, results
// and events, and the params' validators (a bad field becomes an E_BAD_REQUEST answer naming it).
import {
  expectArray,
  expectBoolean,
  expectNumber,
  expectOneOf,
  expectRecord,
  expectString,
  numberArray,
  numberRecord,
  optionalBoolean,
  optionalInteger,
  optionalNumber,
  optionalString,
  ProtocolError,
  stringArray,
} from './guards';

export const ENGINE_DEVICES = ['auto', 'cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;
export type EngineDevice = (typeof ENGINE_DEVICES)[number];

/** Where a model comes from and where it runs; every model method takes these. */
export interface ModelRef {
  /** Folder, hub id, or safetensors-only folder. */
  model: string;
  device?: EngineDevice;
  /** ONNX variant: fp32, fp16, q8, q4, … */
  variant?: string;
  offline?: boolean;
  /** Exported-model cache; default ~/.cache/promptsmith. */
  cacheDir?: string;
}

export interface ProviderFallbackInfo {
  provider: string;
  reason: string;
}

export interface LoadModelResult {
  dir: string;
  kind: 'causal' | 'masked';
  architecture: string;
  variant: string;
  /** The execution provider actually used. */
  device: string;
  fallbacks: ProviderFallbackInfo[];
  vocabSize: number;
  hasChatTemplate: boolean;
}

export interface ChatMessageWire {
  role: string;
  content: string;
}

export interface GenerateParams extends ModelRef {
  /** Text prompt (encoded with the model's BOS); or give `messages` instead. */
  prompt?: string;
  /** Chat messages, rendered with the model's chat template (tokenizer_config.json). */
  messages?: ChatMessageWire[];
  maxTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  stop?: string[];
  seed?: number;
  greedy?: boolean;
}

export const FINISH_REASONS = ['length', 'eos', 'stop', 'cancelled'] as const;

export interface GenerateResultWire {
  ids: number[];
  text: string;
  finishReason: (typeof FINISH_REASONS)[number];
  promptTokens: number;
  tokensPerS: number;
  seed: number;
  device: string;
}

export interface ScoreParams extends ModelRef {
  prompts: string[];
  continuations: string[];
  batchSize?: number;
}

export interface ScoreResultWire {
  items: { logprob: number; tokenLogprobs: number[]; tokens: number[]; tokenTexts: string[] }[];
  device: string;
}

export interface ClassifyParams extends ModelRef {
  texts: string[];
  /** With a {text} slot; masked LMs also need a <mask> slot. */
  template: string;
  /** label → verbalizer text */
  labels: Record<string, string>;
  batchSize?: number;
}

export interface ClassifyResultWire {
  items: { label: string; probs: Record<string, number>; scores: Record<string, number> }[];
  sharedPrefixTokens: number;
  device: string;
}

export interface EngineStats {
  pid: number;
  /** Resident set size now and at its peak, in bytes. */
  rss: number;
  maxRss: number;
  models: { model: string; device: string; dir: string }[];
}

/** Events streamed while a request runs. */
export type ModelEvent =
  | { type: 'token'; id: number; text: string }
  | { type: 'download'; file: string; loaded: number; total: number | null }
  | { type: 'export'; fraction: number; message: string };

// ----- params validators (run in the engine on every request) -----

export function parseModelRef(params: unknown, where = 'params'): ModelRef {
  const p = expectRecord(params, where);
  const model = expectString(p, 'model', where);
  if (model.trim() === '') throw new ProtocolError(`${where}.model: must not be empty`);
  const device = optionalString(p, 'device', where);
  if (device !== undefined && !(ENGINE_DEVICES as readonly string[]).includes(device)) {
    throw new ProtocolError(`${where}.device: expected one of ${ENGINE_DEVICES.join(', ')}`);
  }
  return {
    model,
    device: device as EngineDevice | undefined,
    variant: optionalString(p, 'variant', where),
    offline: optionalBoolean(p, 'offline', where),
    cacheDir: optionalString(p, 'cacheDir', where),
  };
}

function parseMessages(value: unknown, where: string): ChatMessageWire[] {
  if (!Array.isArray(value) || value.length === 0) throw new ProtocolError(`${where}: expected a non-empty array of {role, content}`);
  return value.map((m, i) => {
    const r = expectRecord(m, `${where}[${i}]`);
    return { role: expectString(r, 'role', `${where}[${i}]`), content: expectString(r, 'content', `${where}[${i}]`) };
  });
}

export function parseGenerateParams(params: unknown): GenerateParams {
  const where = 'params';
  const p = expectRecord(params, where);
  const temperature = optionalNumber(p, 'temperature', where);
  if (temperature !== undefined && temperature < 0) throw new ProtocolError(`${where}.temperature: expected a number ≥ 0`);
  const topP = optionalNumber(p, 'topP', where);
  if (topP !== undefined && (topP <= 0 || topP > 1)) throw new ProtocolError(`${where}.topP: expected a number in (0, 1]`);
  const messages = p.messages === undefined ? undefined : parseMessages(p.messages, `${where}.messages`);
  if (messages === undefined && typeof p.prompt !== 'string') throw new ProtocolError(`${where}.prompt: expected a string (or give messages)`);
  return {
    ...parseModelRef(params),
    prompt: messages === undefined ? expectString(p, 'prompt', where) : optionalString(p, 'prompt', where),
    messages,
    maxTokens: optionalInteger(p, 'maxTokens', where, 0),
    temperature,
    topK: optionalInteger(p, 'topK', where, 0),
    topP,
    stop: p.stop === undefined ? undefined : stringArray(p, 'stop', where),
    seed: optionalInteger(p, 'seed', where, 0),
    greedy: optionalBoolean(p, 'greedy', where),
  };
}

export function parseScoreParams(params: unknown): ScoreParams {
  const where = 'params';
  const p = expectRecord(params, where);
  const prompts = stringArray(p, 'prompts', where);
  const continuations = stringArray(p, 'continuations', where);
  if (prompts.length !== continuations.length) throw new ProtocolError(`${where}.continuations: expected ${prompts.length} items (one per prompt), got ${continuations.length}`);
  return { ...parseModelRef(params), prompts, continuations, batchSize: optionalInteger(p, 'batchSize', where, 1) };
}

export function parseClassifyParams(params: unknown): ClassifyParams {
  const where = 'params';
  const p = expectRecord(params, where);
  const labelsRecord = expectRecord(p.labels, `${where}.labels`);
  const labels: Record<string, string> = {};
  for (const [name, verbalizer] of Object.entries(labelsRecord)) {
    if (typeof verbalizer !== 'string') throw new ProtocolError(`${where}.labels.${name}: expected a verbalizer string`);
    labels[name] = verbalizer;
  }
  return {
    ...parseModelRef(params),
    texts: stringArray(p, 'texts', where),
    template: expectString(p, 'template', where),
    labels,
    batchSize: optionalInteger(p, 'batchSize', where, 1),
  };
}

/** Validates an event received by a client for a model method. */
export function parseModelEvent(event: unknown): ModelEvent {
  const e = expectRecord(event, 'event');
  const type = expectString(e, 'type', 'event');
  if (type === 'token') return { type, id: optionalNumber(e, 'id', 'event') ?? -1, text: expectString(e, 'text', 'event') };
  if (type === 'download') return { type, file: expectString(e, 'file', 'event'), loaded: optionalNumber(e, 'loaded', 'event') ?? 0, total: optionalNumber(e, 'total', 'event') ?? null };
  if (type === 'export') return { type, fraction: optionalNumber(e, 'fraction', 'event') ?? 0, message: expectString(e, 'message', 'event') };
  throw new ProtocolError(`event.type: unknown model event '${type}'`);
}

// ----- result validators (run in the client on every answer) -----

export function parseLoadModelResult(raw: unknown): LoadModelResult {
  const where = 'loadModel result';
  const r = expectRecord(raw, where);
  return {
    dir: expectString(r, 'dir', where),
    kind: expectOneOf(r, 'kind', ['causal', 'masked'] as const, where),
    architecture: expectString(r, 'architecture', where),
    variant: expectString(r, 'variant', where),
    device: expectString(r, 'device', where),
    fallbacks: expectArray(r, 'fallbacks', where).map((f, i) => {
      const e = expectRecord(f, `${where}.fallbacks[${i}]`);
      return { provider: expectString(e, 'provider', `${where}.fallbacks[${i}]`), reason: expectString(e, 'reason', `${where}.fallbacks[${i}]`) };
    }),
    vocabSize: expectNumber(r, 'vocabSize', where),
    hasChatTemplate: expectBoolean(r, 'hasChatTemplate', where),
  };
}

export function parseGenerateResult(raw: unknown): GenerateResultWire {
  const where = 'generate result';
  const r = expectRecord(raw, where);
  return {
    ids: numberArray(r, 'ids', where),
    text: expectString(r, 'text', where),
    finishReason: expectOneOf(r, 'finishReason', FINISH_REASONS, where),
    promptTokens: expectNumber(r, 'promptTokens', where),
    tokensPerS: expectNumber(r, 'tokensPerS', where),
    seed: expectNumber(r, 'seed', where),
    device: expectString(r, 'device', where),
  };
}

export function parseScoreResult(raw: unknown): ScoreResultWire {
  const where = 'score result';
  const r = expectRecord(raw, where);
  const items = expectArray(r, 'items', where).map((item, i) => {
    const w = `${where}.items[${i}]`;
    const e = expectRecord(item, w);
    return { logprob: expectNumber(e, 'logprob', w), tokenLogprobs: numberArray(e, 'tokenLogprobs', w), tokens: numberArray(e, 'tokens', w), tokenTexts: stringArray(e, 'tokenTexts', w) };
  });
  return { items, device: expectString(r, 'device', where) };
}

export function parseClassifyResult(raw: unknown): ClassifyResultWire {
  const where = 'classify result';
  const r = expectRecord(raw, where);
  const items = expectArray(r, 'items', where).map((item, i) => {
    const w = `${where}.items[${i}]`;
    const e = expectRecord(item, w);
    return { label: expectString(e, 'label', w), probs: numberRecord(e.probs, `${w}.probs`), scores: numberRecord(e.scores, `${w}.scores`) };
  });
  return { items, sharedPrefixTokens: expectNumber(r, 'sharedPrefixTokens', where), device: expectString(r, 'device', where) };
}

export function parseEngineStats(raw: unknown): EngineStats {
  const where = 'stats result';
  const r = expectRecord(raw, where);
  const models = expectArray(r, 'models', where).map((m, i) => {
    const w = `${where}.models[${i}]`;
    const e = expectRecord(m, w);
    return { model: expectString(e, 'model', w), device: expectString(e, 'device', w), dir: expectString(e, 'dir', w) };
  });
  return { pid: expectNumber(r, 'pid', where), rss: expectNumber(r, 'rss', where), maxRss: expectNumber(r, 'maxRss', where), models };
}
