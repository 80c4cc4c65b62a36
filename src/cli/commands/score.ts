// `promptsmith score <model> --prompt TEXT --continuation TEXT`: log p(continuation | prompt),
// summed over the continuation's tokens. --json: {logprob, tokens: [{id, text, logprob}], device}.
import { UsageError } from '../args';
import type { CliCommand } from '../command';
import { eventRouter, modelArgument, modelFlags, modelRefFromFlags, requiredText, withEngine } from '../engineForCli';

export const scoreCommand: CliCommand = {
  name: 'score',
  usage: 'score <model> --prompt TEXT --continuation TEXT [--device D] [--json]',
  summary: 'Log-probability of a continuation',
  flags: {
    prompt: { kind: 'string', description: 'the prompt (encoded with the model’s BOS)' },
    continuation: { kind: 'string', description: 'the text to score after the prompt' },
    ...modelFlags,
  },
  async run(args) {
    const model = modelArgument(args.positionals);
    const f = args.flags;
    const prompt = requiredText(f, 'prompt', 'TEXT');
    const continuation = requiredText(f, 'continuation', 'TEXT');
    if (continuation === '') throw new UsageError('--continuation must not be empty');
    const result = await withEngine((client, signal) =>
      client.request('score', { ...modelRefFromFlags(model, f), prompts: [prompt], continuations: [continuation] }, { signal, onEvent: eventRouter() }),
    );
    const item = result.items[0]!;
    const tokens = item.tokens.map((id, i) => ({ id, text: item.tokenTexts[i]!, logprob: item.tokenLogprobs[i]! }));
    if (f['json'] === true) {
      process.stdout.write(`${JSON.stringify({ logprob: item.logprob, tokens, device: result.device })}\n`);
    } else {
      for (const t of tokens) process.stdout.write(`${String(t.id).padStart(7)}  ${JSON.stringify(t.text).padEnd(20)} ${t.logprob.toFixed(6)}\n`);
      process.stdout.write(`logprob ${item.logprob.toFixed(6)} (p = ${Math.exp(item.logprob).toExponential(4)}) on ${result.device}\n`);
    }
    return 0;
  },
};
