// The request fields every prompt-file method takes (evaluate, runPrompt, tuning): the file, the
// model override and device, and the soft prompt; the wire twin of cli/promptFileFlags.ts.
import { ENGINE_DEVICES, type EngineDevice } from '../modelApi';
import { expectString, optionalBoolean, optionalOneOf, optionalString } from '../guards';
import { parseRemoteAccess, type RemoteAccess } from '../remoteAccess';

export interface PromptFileParams {
  promptFile: string;
  /** Overrides the file's `model:` (folder or hub id). */
  model?: string;
  device?: EngineDevice;
  cacheDir?: string;
  offline?: boolean;
  /** A saved soft prompt (PEFT adapter folder); default: the file's promptsmith.softPrompt.adapter. */
  softPrompt?: string;
  /** Ignore the file's promptsmith.softPrompt.adapter. */
  noSoftPrompt?: boolean;
  /** Overrides the file's `promptsmith.endpoint` (an `openai-compatible/<name>` model's server). */
  endpoint?: string;
  /** The user's remote-model settings (default endpoint, API key variable, concurrency). */
  remote?: RemoteAccess;
}

export function parsePromptFileParams(p: Record<string, unknown>, where: string): PromptFileParams {
  return {
    promptFile: expectString(p, 'promptFile', where),
    model: optionalString(p, 'model', where),
    device: optionalOneOf(p, 'device', ENGINE_DEVICES, where),
    cacheDir: optionalString(p, 'cacheDir', where),
    offline: optionalBoolean(p, 'offline', where),
    softPrompt: optionalString(p, 'softPrompt', where),
    noSoftPrompt: optionalBoolean(p, 'noSoftPrompt', where),
    endpoint: optionalString(p, 'endpoint', where),
    remote: parseRemoteAccess(p.remote, `${where}.remote`),
  };
}
