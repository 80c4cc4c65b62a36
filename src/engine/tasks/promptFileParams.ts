// The request fields every prompt-file engine method takes (evaluate, runPrompt): the file, the
// model override and device, and the soft prompt; the engine-side twin of cli/promptFileFlags.ts.
import { expectString, optionalString } from '../../protocol/guards';
import { type Device, parseDevice } from '../runtime/executionProviders';

export interface PromptFileParams {
  promptFile: string;
  /** Overrides the file's `model:` (folder or hub id). */
  model?: string;
  device?: Device;
  cacheDir?: string;
  offline?: boolean;
  /** A saved soft prompt (PEFT adapter folder); default: the file's promptsmith.softPrompt.adapter. */
  softPrompt?: string;
  /** Ignore the file's promptsmith.softPrompt.adapter. */
  noSoftPrompt?: boolean;
}

export function parsePromptFileParams(p: Record<string, unknown>, where: string): PromptFileParams {
  const device = optionalString(p, 'device', where);
  return {
    promptFile: expectString(p, 'promptFile', where),
    model: optionalString(p, 'model', where),
    device: device === undefined ? undefined : parseDevice(device, `${where}.device`),
    cacheDir: optionalString(p, 'cacheDir', where),
    offline: p.offline === true ? true : undefined,
    softPrompt: optionalString(p, 'softPrompt', where),
    noSoftPrompt: p.noSoftPrompt === true ? true : undefined,
  };
}
