// `promptsmith run <file.prompt> [--input k=v …]`: render the prompt for the inputs and generate
// with its model (the file's `config` sets temperature, maxOutputTokens, …), streaming to stdout.
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { eventRouter, withEngine } from '../engineForCli';
import { promptFileFlags, promptFileRequest } from '../promptFileFlags';

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
  usage: 'run <file.prompt> [--input k=v …] [--soft-prompt DIR | --no-soft-prompt] [--model M [--endpoint URL]] [--max-tokens N] [--seed S] [--device D] [--json]',
  summary: 'Render a prompt and generate with its model',
  flags: {
    input: { kind: 'strings', description: 'a template variable, name=value (repeatable)' },
    'max-tokens': { kind: 'number', description: "new tokens at most (default: the file's maxOutputTokens, else 64)" },
    seed: { kind: 'number', description: 'random seed' },
    ...promptFileFlags,
  },
  async run(args) {
    const { request } = promptFileRequest(args);
    const f = args.flags;
    const json = f['json'] === true;
    const result = await withEngine((client, signal) =>
      client.request(
        'runPrompt',
        {
          ...request,
          input: parseInputs((f['input'] as string[] | undefined) ?? []),
          seed: f['seed'] as number | undefined,
          maxTokens: f['max-tokens'] as number | undefined,
        },
        { signal, onEvent: eventRouter(json ? undefined : (text) => process.stdout.write(text)) },
      ),
    );
    if (json) {
      process.stdout.write(`${JSON.stringify({ text: result.text, ids: result.ids, prompt: result.prompt, model: result.model, device: result.device, tokens_per_s: result.tokensPerS, finish_reason: result.finishReason, soft_prompt: result.soft_prompt })}\n`);
    } else {
      process.stdout.write('\n');
      // A remote model's token ids are not known: its rate counts streamed pieces.
      const count = result.ids.length > 0 ? `${result.ids.length} tokens, ` : '';
      process.stderr.write(`[${count}${result.tokensPerS.toFixed(1)} tokens/s on ${result.device}]\n`);
    }
    return 0;
  },
};
