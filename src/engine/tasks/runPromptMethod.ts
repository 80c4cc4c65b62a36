// The engine method `runPrompt`: render a .prompt file (or the editor's unsaved text of it) for
// the given input, apply the model's chat template when it has one, and generate with the
// file's `config` (temperature, maxOutputTokens, topK, topP, stopSequences), streaming tokens.
import { dirname } from 'node:path';
import { parsePromptFile, readPromptFile, renderPromptFile, stripSoftPromptMarkers } from '../../language/analysis/promptFile';
import { expectRecord, isRecord, type Json, optionalNumber, optionalString, ProtocolError } from '../../protocol/guards';
import type { RequestContext } from '../host/methods';
import { modelService } from '../runtime/modelService';
import { loadSoftPrompt } from '../tuning/softprompt/peft';
import { generateWithSoftPrompt } from '../tuning/softprompt/softPromptGeneration';
import { modelSpecOf, softPromptDirOf } from './evaluatePromptFile';
import { type PromptFileParams, parsePromptFileParams } from './promptFileParams';
import { promptTextForModel } from './promptText';

export interface RunPromptParams extends PromptFileParams {
  /** The document's current text, when it differs from the file on disk (unsaved edits). */
  source?: string;
  input: Record<string, unknown>;
  seed?: number;
  maxTokens?: number;
}

/** What `runPrompt` answers (the generation, plus what was actually sent to the model). */
export interface RunPromptResult {
  ids: number[];
  text: string;
  device: string;
  tokensPerS: number;
  finishReason: 'length' | 'eos' | 'stop' | 'cancelled';
  prompt: string;
  model: string;
  /** The adapter folder and its size, when a soft prompt was used. */
  soft_prompt?: string;
  num_virtual_tokens?: number;
}

export function parseRunPromptParams(params: Json): RunPromptParams {
  const where = 'params';
  const p = expectRecord(params, where);
  if (p.input !== undefined && !isRecord(p.input)) throw new ProtocolError('params.input: expected an object');
  return {
    ...parsePromptFileParams(p, where),
    source: optionalString(p, 'source', where),
    input: (p.input as Record<string, unknown> | undefined) ?? {},
    seed: optionalNumber(p, 'seed', where),
    maxTokens: optionalNumber(p, 'maxTokens', where),
  };
}

function num(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export async function runPromptMethod(params: Json, ctx: RequestContext): Promise<Json> {
  const request = parseRunPromptParams(params);
  const parsed = request.source === undefined ? readPromptFile(request.promptFile) : Object.assign(parsePromptFile(request.source), { path: request.promptFile });
  const modelSpec = modelSpecOf(parsed, request.promptFile, request.model);
  const ref = { model: modelSpec, device: request.device, cacheDir: request.cacheDir, offline: request.offline };
  const model = await modelService.model(ref, { emit: (e) => ctx.emit(e as unknown as Json), signal: ctx.signal });
  const softPrompt = softPromptDirOf(parsed, request.promptFile, request);
  // Slots keep their markers only where a soft prompt fills them; a plain run leaves them empty.
  const rendered = await renderPromptFile(parsed, request.input, { baseDir: dirname(request.promptFile), softPromptSlots: softPrompt ? 'marker' : 'empty' });
  const prompt = promptTextForModel(rendered, model.tokenizer);
  const config = parsed.config;
  const temperature = num(config, 'temperature');
  const stop = Array.isArray(config.stopSequences) ? config.stopSequences.filter((s): s is string => typeof s === 'string') : undefined;
  const sampling = {
    maxTokens: request.maxTokens ?? num(config, 'maxOutputTokens') ?? 64,
    temperature,
    topK: num(config, 'topK'),
    topP: num(config, 'topP'),
    stop,
    seed: request.seed,
    greedy: temperature === 0 ? true : undefined,
  };
  if (softPrompt) {
    const adapter = loadSoftPrompt(softPrompt, num(model.folder.config, 'hidden_size') ?? num(model.folder.config, 'n_embd'));
    const r = await generateWithSoftPrompt(model, adapter, prompt, {
      ...sampling,
      slot: parsed.softPrompt?.slot,
      signal: ctx.signal,
      onToken: (piece) => ctx.emit({ type: 'token', id: piece.id, text: piece.text }),
    });
    const result = { ids: r.ids, text: r.text, finishReason: r.finishReason, promptTokens: r.promptTokens, tokensPerS: r.tokensPerS, seed: r.seed, device: r.device };
    return { ...result, prompt: stripSoftPromptMarkers(prompt), model: modelSpec, soft_prompt: softPrompt, num_virtual_tokens: adapter.numVirtualTokens } as unknown as Json;
  }
  const result = await modelService.generate({ ...ref, prompt, ...sampling }, { emit: (e) => ctx.emit(e as unknown as Json), signal: ctx.signal });
  return { ...result, prompt, model: modelSpec } as unknown as Json;
}
