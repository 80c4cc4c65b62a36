// `promptsmith run <file.prompt> [--input k=v …]`: render the prompt for the inputs and generate
// with its model (the file's `config` sets temperature, maxOutputTokens, …), streaming to stdout.
import { resolve } from 'node:path';
import { toJson } from '../../protocol/guards';
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { eventRouter, modelFlags, withEngine, deviceFromFlags } from '../engineForCli';

interface RunPromptResult {
  ids: number[];
  text: string;
  device: string;
  tokensPerS: number;
  finishReason: string;
  prompt: string;
  model: string;
  /** The adapter folder, when a soft prompt was used. */
  soft_prompt?: string;
}

export function parseInputs(pairs: readonly string[]): Record<string, string> {
  const input: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--input needs name=value, got '${pair}'`);
    input[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return input;
}

export const runCommand: CliCommand = {
  name: 'run',
  usage: 'run <file.prompt> [--input k=v …] [--soft-prompt DIR | --no-soft-prompt] [--model M] [--max-tokens N] [--seed S] [--device D] [--json]',
  summary: 'Render a prompt and generate with its model',
  flags: {
    input: { kind: 'strings', description: 'a template variable, name=value (repeatable)' },
    'soft-prompt': { kind: 'string', description: 'a saved soft prompt (PEFT adapter folder) to put in front of the prompt or at its slot' },
    'no-soft-prompt': { kind: 'boolean', description: "ignore the file's promptsmith.softPrompt.adapter" },
    model: { kind: 'string', description: "override the file's model (folder or hub id)" },
    'max-tokens': { kind: 'number', description: "new tokens at most (default: the file's maxOutputTokens, else 64)" },
    seed: { kind: 'number', description: 'random seed' },
    ...modelFlags,
  },
  async run(args) {
    const [file, ...extra] = args.positionals;
    if (!file) throw new UsageError('missing <file.prompt>');
    if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
    const f = args.flags;
    const json = f['json'] === true;
    if (f['soft-prompt'] !== undefined && f['no-soft-prompt'] === true) throw new UsageError('--soft-prompt and --no-soft-prompt exclude each other');
    const result = (await withEngine((client, signal) =>
      client.request(
        'runPrompt',
        toJson({
          promptFile: resolve(file),
          input: parseInputs((f['input'] as string[] | undefined) ?? []),
          model: f['model'] as string | undefined,
          device: deviceFromFlags(f),
          cacheDir: f['cache-dir'] as string | undefined,
          offline: f['offline'] === true || undefined,
          softPrompt: typeof f['soft-prompt'] === 'string' ? resolve(f['soft-prompt']) : undefined,
          noSoftPrompt: f['no-soft-prompt'] === true || undefined,
          seed: f['seed'] as number | undefined,
          maxTokens: f['max-tokens'] as number | undefined,
        }),
        { signal, onEvent: eventRouter(json ? undefined : (text) => process.stdout.write(text)) },
      ),
    )) as unknown as RunPromptResult;
    if (json) {
      process.stdout.write(`${JSON.stringify({ text: result.text, ids: result.ids, prompt: result.prompt, model: result.model, device: result.device, tokens_per_s: result.tokensPerS, finish_reason: result.finishReason, soft_prompt: result.soft_prompt })}\n`);
    } else {
      process.stdout.write('\n');
      process.stderr.write(`[${result.ids.length} tokens, ${result.tokensPerS.toFixed(1)} tokens/s on ${result.device}]\n`);
    }
    return 0;
  },
};
