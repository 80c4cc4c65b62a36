// `runPrompt` on an `openai-compatible/<name>` model: a file that uses roles (several messages,
// or a system/model turn) goes to /v1/chat/completions as messages, so the server applies the
// model's own chat template; a plain template goes to /v1/completions as text, as a local base
// model would see it. Tokens stream back as they arrive.
import type { RenderedPromptFile } from '../../promptFile/promptFile';
import type { RunPromptResult } from '../../protocol/methods/runPrompt';
import { remoteGenerate, type RemoteGenerateOptions } from '../remote/remoteGeneration';
import { clientFor, type RemoteTarget, remoteDevice } from '../remote/remoteTarget';
import type { ServiceContext } from '../runtime/modelService';
import { chatMessages } from './promptText';

/** Whether the rendered file is a conversation rather than one plain user text. */
export function usesRoles(rendered: RenderedPromptFile): boolean {
  return rendered.messages.length > 1 || rendered.messages.some((m) => m.role !== 'user');
}

export async function runRemotePrompt(target: RemoteTarget, rendered: RenderedPromptFile, sampling: Omit<RemoteGenerateOptions, 'signal' | 'onText'>, ctx: ServiceContext): Promise<RunPromptResult> {
  const prompt = usesRoles(rendered) ? chatMessages(rendered) : rendered.text;
  const r = await remoteGenerate(clientFor(target), target.name, prompt, {
    ...sampling,
    signal: ctx.signal,
    onText: (text) => ctx.emit({ type: 'token', id: -1, text }),
  });
  return {
    // The server's token ids are not known here; `text` is what it generated.
    ids: [],
    text: r.text,
    finishReason: r.finishReason,
    tokensPerS: r.piecesPerS,
    device: remoteDevice(target),
    prompt: typeof prompt === 'string' ? prompt : rendered.text,
    model: target.spec,
  };
}
