// Flags shared by the commands that take a .prompt file (run, eval): the model override, the
// soft prompt, and the model/device flags, turned into the engine request's common fields.
import { resolve } from 'node:path';
import { type FlagSpec, type ParsedArgs, UsageError, promptFileArgument } from './args';
import type { PromptFileParams } from '../protocol/methods/promptFileParams';
import { deviceFromFlags, modelFlags } from './engineForCli';
import { remoteAccessFromFlags, remoteFlags } from './remoteFlags';

export const promptFileFlags: Record<string, FlagSpec> = {
  'soft-prompt': { kind: 'string', description: 'a saved soft prompt (PEFT adapter folder) to put in front of the prompt or at its slot' },
  'no-soft-prompt': { kind: 'boolean', description: "ignore the file's promptsmith.softPrompt.adapter" },
  model: { kind: 'string', description: "override the file's model (folder, hub id, or openai-compatible/<name> with --endpoint)" },
  ...remoteFlags,
  ...modelFlags,
};

/** The <file.prompt> argument and the request fields every prompt-file method takes. */
export function promptFileRequest(args: ParsedArgs): { file: string; request: PromptFileParams } {
  const file = promptFileArgument(args);
  const f = args.flags;
  if (f['soft-prompt'] !== undefined && f['no-soft-prompt'] === true) throw new UsageError('--soft-prompt and --no-soft-prompt exclude each other');
  return {
    file,
    request: {
      promptFile: resolve(file),
      model: f['model'] as string | undefined,
      device: deviceFromFlags(f),
      cacheDir: f['cache-dir'] as string | undefined,
      offline: f['offline'] === true || undefined,
      softPrompt: typeof f['soft-prompt'] === 'string' ? resolve(f['soft-prompt']) : undefined,
      noSoftPrompt: f['no-soft-prompt'] === true || undefined,
      ...remoteAccessFromFlags(f),
    },
  };
}
