// `promptsmith run <file.prompt> [--data JSON|FILE] [--input k=v …]`: render the prompt for the inputs and generate
// with its model (the file's `config` sets temperature, maxOutputTokens, …), streaming to stdout.
import { describeOutputCheck } from '../../protocol/methods/runPrompt';
import type { CliCommand } from '../command';
import { dataFlags, renderDataFromFlags } from '../dataFlags';
import { eventRouter, withEngine } from '../engineForCli';
import { promptFileFlags, promptFileRequest } from '../promptFileFlags';

export const runCommand: CliCommand = {
  name: 'run',
  usage: 'run <file.prompt> [--data JSON|FILE] [--input k=v …] [--soft-prompt DIR | --no-soft-prompt] [--model M [--endpoint URL]] [--max-tokens N] [--seed S] [--device D] [--json]',
  summary: 'Render a prompt and generate with its model',
  flags: {
    ...dataFlags,
    'max-tokens': { kind: 'number', description: "new tokens at most (default: the file's maxOutputTokens, else 64)" },
    seed: { kind: 'number', description: 'random seed' },
    ...promptFileFlags,
  },
  async run(args) {
    const { request } = promptFileRequest(args);
    const f = args.flags;
    const json = f['json'] === true;
    const data = renderDataFromFlags(args);
    const result = await withEngine((client, signal) =>
      client.request(
        'runPrompt',
        {
          ...request,
          input: data.input,
          messages: data.messages,
          context: data.context,
          seed: f['seed'] as number | undefined,
          maxTokens: f['max-tokens'] as number | undefined,
        },
        { signal, onEvent: eventRouter(json ? undefined : (text) => process.stdout.write(text)) },
      ),
    );
    if (json) {
      const out = { text: result.text, ids: result.ids, prompt: result.prompt, model: result.model, device: result.device, tokens_per_s: result.tokensPerS, finish_reason: result.finishReason, soft_prompt: result.soft_prompt, output: result.output };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      process.stdout.write('\n');
      // A remote model's token ids are not known: its rate counts streamed pieces.
      const count = result.ids.length > 0 ? `${result.ids.length} tokens, ` : '';
      process.stderr.write(`[${count}${result.tokensPerS.toFixed(1)} tokens/s on ${result.device}]\n`);
      if (result.output) process.stderr.write(`${describeOutputCheck(result.output)}\n`);
    }
    return 0;
  },
};
