// `runPrompt`: render a .prompt file (or the editor's unsaved text of it) for
// the given input, apply the model's chat template when it has one, and generate with the
// file's `config` (temperature, maxOutputTokens, topK, topP, stopSequences), streaming tokens.
import { dirname } from 'node:path';
import { modelSpecOf, parsePromptFile, readPromptFile, renderPromptFile, softPromptDirOf, stripSoftPromptMarkers } from '../../promptFile/promptFile';
import type { RunPromptParams, RunPromptResult } from '../../protocol/methods/runPrompt';
import { modelService, type ServiceContext } from '../runtime/modelService';
import { adapterSlot, loadSoftPrompt } from '../tuning/softprompt/peft';
import { generateWithSoftPrompt } from '../tuning/softprompt/softPromptGeneration';

import { promptTextForModel } from './promptText';

function num(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export async function runPromptFile(request: RunPromptParams, ctx: ServiceContext): Promise<RunPromptResult> {
  const parsed = request.source === undefined ? readPromptFile(request.promptFile) : Object.assign(parsePromptFile(request.source), { path: request.promptFile });
  const modelSpec = modelSpecOf(parsed, request.promptFile, request.model);
  const ref = { model: modelSpec, device: request.device, cacheDir: request.cacheDir, offline: request.offline };
  const model = await modelService.model(ref, ctx);
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
      slot: adapterSlot(adapter, softPrompt, prompt, parsed.softPrompt?.slot),
      signal: ctx.signal,
      onToken: (piece) => ctx.emit({ type: 'token', id: piece.id, text: piece.text }),
    });
    const result = { ids: r.ids, text: r.text, finishReason: r.finishReason, promptTokens: r.promptTokens, tokensPerS: r.tokensPerS, seed: r.seed, device: r.device };
    return { ...result, prompt: stripSoftPromptMarkers(prompt), model: modelSpec, soft_prompt: softPrompt, num_virtual_tokens: adapter.numVirtualTokens };
  }
  const result = await modelService.generate({ ...ref, prompt, ...sampling }, ctx);
  return { ...result, prompt, model: modelSpec };
}
