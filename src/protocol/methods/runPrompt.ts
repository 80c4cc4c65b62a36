// `runPrompt`: render a .prompt file (or the editor's unsaved text of it) for an input, apply the
// model's chat template when it has one, and generate with the file's `config`, streaming tokens.
import { expectNumber, expectOneOf, expectRecord, expectString, isRecord, numberArray, optionalNumber, optionalString, ProtocolError } from '../guards';
import { FINISH_REASONS } from '../modelApi';
import type { Message } from 'dotprompt';
import { parseMessages, RenderDataError } from '../../promptFile/renderData';
import { type PromptFileParams, parsePromptFileParams } from './promptFileParams';

export interface RunPromptParams extends PromptFileParams {
  /** The document's current text, when it differs from the file on disk (unsaved edits). */
  source?: string;
  input: Record<string, unknown>;
  /** Dotprompt's `messages`: earlier turns, placed at `{{history}}`. */
  messages?: Message[];
  /** Dotprompt's `context`: `@name` variables. */
  context?: Record<string, unknown>;
  seed?: number;
  maxTokens?: number;
}

/** The generation, plus what was actually sent to the model. */
export interface RunPromptResult {
  ids: number[];
  text: string;
  device: string;
  tokensPerS: number;
  finishReason: (typeof FINISH_REASONS)[number];
  prompt: string;
  model: string;
  /** The adapter folder and its size, when a soft prompt was used. */
  soft_prompt?: string;
  num_virtual_tokens?: number;
  /** With `output.format: json` (or a schema): the reply parsed and checked against `output.schema`. */
  output?: OutputCheck;
}

/** A structured reply checked against the file's `output` (engine: promptFile/outputFormat.ts). */
export interface OutputCheck {
  format: 'json' | 'array' | 'enum' | 'jsonl';
  valid: boolean;
  /** Why not, for people: the first schema violation or the parse error. */
  error?: string;
  /** The parsed value (when it parsed). */
  value?: unknown;
}

/** One line for people: `output: valid json (output.schema)` or `output: NOT valid json: why`. */
export function describeOutputCheck(check: OutputCheck): string {
  return check.valid ? `output: valid ${check.format} (output.schema)` : `output: NOT valid ${check.format}: ${check.error ?? 'does not match'}`;
}

export function parseRunPromptParams(params: unknown): RunPromptParams {
  const where = 'params';
  const p = expectRecord(params, where);
  if (p.input !== undefined && !isRecord(p.input)) throw new ProtocolError(`${where}.input: expected an object`);
  if (p.context !== undefined && !isRecord(p.context)) throw new ProtocolError(`${where}.context: expected an object`);
  let messages: Message[] | undefined;
  try {
    messages = p.messages === undefined ? undefined : parseMessages(p.messages, `${where}.messages`);
  } catch (err) {
    if (err instanceof RenderDataError) throw new ProtocolError(err.message);
    throw err;
  }
  return {
    ...parsePromptFileParams(p, where),
    source: optionalString(p, 'source', where),
    input: (p.input as Record<string, unknown> | undefined) ?? {},
    messages,
    context: p.context as Record<string, unknown> | undefined,
    seed: optionalNumber(p, 'seed', where),
    maxTokens: optionalNumber(p, 'maxTokens', where),
  };
}

export function parseRunPromptResult(raw: unknown): RunPromptResult {
  const where = 'runPrompt result';
  const r = expectRecord(raw, where);
  const result: RunPromptResult = {
    ids: numberArray(r, 'ids', where),
    text: expectString(r, 'text', where),
    device: expectString(r, 'device', where),
    tokensPerS: expectNumber(r, 'tokensPerS', where),
    finishReason: expectOneOf(r, 'finishReason', FINISH_REASONS, where),
    prompt: expectString(r, 'prompt', where),
    model: expectString(r, 'model', where),
  };
  if (r.output !== undefined) {
    const o = expectRecord(r.output, `${where}.output`);
    result.output = {
      format: expectOneOf(o, 'format', ['json', 'array', 'enum', 'jsonl'] as const, `${where}.output`),
      valid: o.valid === true,
      error: optionalString(o, 'error', `${where}.output`),
      value: o.value,
    };
  }
  const softPrompt = optionalString(r, 'soft_prompt', where);
  if (softPrompt !== undefined) {
    result.soft_prompt = softPrompt;
    result.num_virtual_tokens = optionalNumber(r, 'num_virtual_tokens', where);
  }
  return result;
}
