// `promptsmith generate <model> --prompt TEXT`: text from a local model in the engine process.
// Streams the text to stdout; with --json prints one object {ids, text, device, tokens_per_s, …}.
import type { CliCommand } from '../command';
import { eventRouter, modelArgument, modelFlags, modelRefFromFlags, requiredText, withEngine } from '../engineForCli';

export const generateCommand: CliCommand = {
  name: 'generate',
  usage: 'generate <model> --prompt TEXT [--max-tokens N] [--greedy] [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop S] [--device D] [--json]',
  summary: 'Generate text with a local model',
  flags: {
    prompt: { kind: 'string', description: 'the prompt text' },
    'max-tokens': { kind: 'number', description: 'new tokens at most (default 64)' },
    greedy: { kind: 'boolean', description: 'always take the most likely token' },
    temperature: { kind: 'number', description: 'sampling temperature (default 1; 0 = greedy)' },
    'top-k': { kind: 'number', description: 'sample from the k most likely tokens' },
    'top-p': { kind: 'number', description: 'nucleus sampling threshold in (0, 1]' },
    seed: { kind: 'number', description: 'random seed (same seed, same text)' },
    stop: { kind: 'strings', description: 'stop string (repeatable)' },
    ...modelFlags,
  },
  async run(args) {
    const model = modelArgument(args.positionals);
    const f = args.flags;
    const prompt = requiredText(f, 'prompt', 'TEXT');
    const json = f['json'] === true;
    const ref = modelRefFromFlags(model, f);
    const result = await withEngine(async (client, signal) => {
      // Load first: export/download progress and device fallbacks are reported before any text.
      const loaded = await client.request('loadModel', ref, { signal, onEvent: eventRouter() });
      if (!json) for (const fb of loaded.fallbacks) process.stderr.write(`(${fb.provider} not used: ${fb.reason})\n`);
      return client.request(
        'generate',
        {
          ...ref,
          prompt,
          maxTokens: f['max-tokens'] as number | undefined,
          greedy: f['greedy'] === true || undefined,
          temperature: f['temperature'] as number | undefined,
          topK: f['top-k'] as number | undefined,
          topP: f['top-p'] as number | undefined,
          seed: f['seed'] as number | undefined,
          stop: f['stop'] as string[] | undefined,
        },
        { signal, onEvent: eventRouter(json ? undefined : (text) => process.stdout.write(text)) },
      );
    });
    if (json) {
      const out = { ids: result.ids, text: result.text, device: result.device, tokens_per_s: result.tokensPerS, finish_reason: result.finishReason, prompt_tokens: result.promptTokens, seed: result.seed };
      process.stdout.write(`${JSON.stringify(out)}\n`);
    } else {
      process.stdout.write('\n');
      process.stderr.write(`[${result.ids.length} tokens, ${result.tokensPerS.toFixed(1)} tokens/s on ${result.device}, ${result.finishReason}, seed ${result.seed}]\n`);
    }
    return 0;
  },
};
