// `runPrompt`: render a .prompt file (or the editor's unsaved text of it) for
// the given input, apply the model's chat template when it has one, and generate with the
// file's `config` (temperature, maxOutputTokens, topK, topP, stopSequences), streaming tokens.
import { dirname } from 'node:path';
import { checkOutput, injectOutputInstructions, outputInstructions, outputSpecOf } from '../../promptFile/outputFormat';
import { messagesToText, modelSpecOf, parsePromptFile, readPromptFile, renderPromptFile, softPromptDirOf, stripSoftPromptMarkers } from '../../promptFile/promptFile';
import type { RunPromptParams, RunPromptResult } from '../../protocol/methods/runPrompt';
import { checkNoSoftPrompt, remoteTargetOf } from '../remote/remoteTarget';
import { modelService, type ServiceContext } from '../runtime/modelService';
import { adapterSlot, loadSoftPrompt } from '../tuning/softprompt/peft';
import { generateWithSoftPrompt } from '../tuning/softprompt/softPromptGeneration';

import { promptTextForModel } from './promptText';
import { runRemotePrompt } from './runRemotePrompt';

function num(config: Record<string, unknown>, key: string): number | undefined {
  const v = config[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export async function runPromptFile(request: RunPromptParams, ctx: ServiceContext): Promise<RunPromptResult> {
  const parsed = request.source === undefined ? readPromptFile(request.promptFile) : Object.assign(parsePromptFile(request.source), { path: request.promptFile });
  const modelSpec = modelSpecOf(parsed, request.promptFile, request.model);
  const remote = remoteTargetOf(modelSpec, parsed, request.promptFile, request);
  const softPrompt = softPromptDirOf(parsed, request.promptFile, request);
  checkNoSoftPrompt(remote, softPrompt, request.promptFile);
  // Slots keep their markers only where a soft prompt fills them; a plain run leaves them empty.
  const rendered = await renderPromptFile(parsed, request.input, {
    baseDir: dirname(request.promptFile),
    softPromptSlots: softPrompt ? 'marker' : 'empty',
    history: request.messages,
    context: request.context,
  });
  // output.format json (or a schema): the model is told the format, and the reply is checked against it.
  const output = outputSpecOf(parsed);
  const instructions = output ? outputInstructions(output) : undefined;
  const messages = instructions ? injectOutputInstructions(rendered.messages, instructions) : rendered.messages;
  const instructed = { ...rendered, messages, text: messagesToText(messages) };
  const checked = (text: string) => (output ? { output: checkOutput(text, output) } : {});
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
  if (remote) {
    const result = await runRemotePrompt(remote, instructed, sampling, ctx);
    return { ...result, ...checked(result.text) };
  }
  const ref = { model: modelSpec, device: request.device, cacheDir: request.cacheDir, offline: request.offline };
  const model = await modelService.model(ref, ctx);
  const prompt = promptTextForModel(instructed, model.tokenizer);
  if (softPrompt) {
    const adapter = loadSoftPrompt(softPrompt, num(model.folder.config, 'hidden_size') ?? num(model.folder.config, 'n_embd'));
    const r = await generateWithSoftPrompt(model, adapter, prompt, {
      ...sampling,
      slot: adapterSlot(adapter, softPrompt, prompt, parsed.softPrompt?.slot),
      signal: ctx.signal,
      onToken: (piece) => ctx.emit({ type: 'token', id: piece.id, text: piece.text }),
    });
    const result = { ids: r.ids, text: r.text, finishReason: r.finishReason, promptTokens: r.promptTokens, tokensPerS: r.tokensPerS, seed: r.seed, device: r.device };
    return { ...result, prompt: stripSoftPromptMarkers(prompt), model: modelSpec, soft_prompt: softPrompt, num_virtual_tokens: adapter.numVirtualTokens, ...checked(result.text) };
  }
  const result = await modelService.generate({ ...ref, prompt, ...sampling }, ctx);
  return { ...result, prompt, model: modelSpec, ...checked(result.text) };
}
