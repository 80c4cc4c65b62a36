// The engine's model methods: typed params, results and events, and validators for the params
// (run in the engine on every request; a bad field becomes an E_BAD_REQUEST answer naming it).
import { expectRecord, expectString, type Json, optionalNumber, optionalString, ProtocolError } from './guards';

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

export interface GenerateResultWire {
  ids: number[];
  text: string;
  finishReason: 'length' | 'eos' | 'stop' | 'cancelled';
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

/** Method name → params, result and event types (the client's `request` is typed by this). */
export interface EngineMethodTypes {
  ping: { params: Record<string, never> | null; result: { pong: true; pid: number }; event: never };
  loadModel: { params: ModelRef; result: LoadModelResult; event: ModelEvent };
  generate: { params: GenerateParams; result: GenerateResultWire; event: ModelEvent };
  score: { params: ScoreParams; result: ScoreResultWire; event: ModelEvent };
  classify: { params: ClassifyParams; result: ClassifyResultWire; event: ModelEvent };
  stats: { params: Record<string, never> | null; result: EngineStats; event: never };
  shutdown: { params: Record<string, never> | null; result: { ok: true }; event: never };
}

// ----- validators -----

function optionalBoolean(obj: Record<string, unknown>, key: string, where: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ProtocolError(`${where}.${key}: expected true or false`);
  return v;
}

function optionalInteger(obj: Record<string, unknown>, key: string, where: string, min: number): number | undefined {
  const v = optionalNumber(obj, key, where);
  if (v !== undefined && (!Number.isInteger(v) || v < min)) throw new ProtocolError(`${where}.${key}: expected a whole number ≥ ${min}`);
  return v;
}

function stringArray(obj: Record<string, unknown>, key: string, where: string, optional = false): string[] | undefined {
  const v = obj[key];
  if (v === undefined && optional) return undefined;
  if (!Array.isArray(v)) throw new ProtocolError(`${where}.${key}: expected an array of strings`);
  v.forEach((s, i) => {
    if (typeof s !== 'string') throw new ProtocolError(`${where}.${key}[${i}]: expected a string`);
  });
  return v as string[];
}

export function parseModelRef(params: Json, where = 'params'): ModelRef {
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

export function parseGenerateParams(params: Json): GenerateParams {
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
    stop: stringArray(p, 'stop', where, true),
    seed: optionalInteger(p, 'seed', where, 0),
    greedy: optionalBoolean(p, 'greedy', where),
  };
}

export function parseScoreParams(params: Json): ScoreParams {
  const where = 'params';
  const p = expectRecord(params, where);
  const prompts = stringArray(p, 'prompts', where)!;
  const continuations = stringArray(p, 'continuations', where)!;
  if (prompts.length !== continuations.length) throw new ProtocolError(`${where}.continuations: expected ${prompts.length} items (one per prompt), got ${continuations.length}`);
  return { ...parseModelRef(params), prompts, continuations, batchSize: optionalInteger(p, 'batchSize', where, 1) };
}

export function parseClassifyParams(params: Json): ClassifyParams {
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
    texts: stringArray(p, 'texts', where)!,
    template: expectString(p, 'template', where),
    labels,
    batchSize: optionalInteger(p, 'batchSize', where, 1),
  };
}

/** Validates an event received by a client for a model method. */
export function parseModelEvent(event: Json): ModelEvent {
  const e = expectRecord(event, 'event');
  const type = expectString(e, 'type', 'event');
  if (type === 'token') return { type, id: optionalNumber(e, 'id', 'event') ?? -1, text: expectString(e, 'text', 'event') };
  if (type === 'download') return { type, file: expectString(e, 'file', 'event'), loaded: optionalNumber(e, 'loaded', 'event') ?? 0, total: optionalNumber(e, 'total', 'event') ?? null };
  if (type === 'export') return { type, fraction: optionalNumber(e, 'fraction', 'event') ?? 0, message: expectString(e, 'message', 'event') };
  throw new ProtocolError(`event.type: unknown model event '${type}'`);
}
