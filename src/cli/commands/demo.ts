// `promptsmith demo` (interim): stories260k — the copy embedded in the repository, else
// ../shared — exported to ONNX on first use (cached), loaded in the engine process, and a greedy
// story generated with its speed. The lead extends this into the tuning demo.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CliCommand } from '../command';
import { deviceFromFlags, eventRouter, withEngine } from '../engineForCli';

function storiesFolder(): string {
  const repo = resolve(__dirname, '..');
  const candidates = [join(repo, 'models', 'stories260k'), resolve(repo, '..', 'shared', 'models', 'stories260k-hf')];
  const found = candidates.find((dir) => existsSync(join(dir, 'config.json')));
  if (!found) throw new Error(`stories260k not found (looked in ${candidates.join(' and ')})`);
  return found;
}

export const demoCommand: CliCommand = {
  name: 'demo',
  usage: 'demo [--device D]',
  summary: 'Load the embedded stories260k model and generate a story',
  flags: { device: { kind: 'string', description: 'auto|cpu|cuda|dml|coreml|webgpu (default auto)' } },
  async run(args) {
    const model = storiesFolder();
    const device = deviceFromFlags(args.flags);
    await withEngine(async (client, signal) => {
      const loaded = await client.request('loadModel', { model, device }, { signal, onEvent: eventRouter() });
      process.stdout.write(`model   ${model} (${loaded.architecture}, ONNX in ${loaded.dir})\n`);
      process.stdout.write(`device  ${loaded.device}${loaded.fallbacks.map((f) => `\n        (${f.provider} skipped: ${f.reason})`).join('')}\n\n`);
      const result = await client.request('generate', { model, device, prompt: '', greedy: true, maxTokens: 200 }, { signal, onEvent: eventRouter((t) => process.stdout.write(t)) });
      process.stdout.write(`\n\n${result.ids.length} tokens, ${result.tokensPerS.toFixed(1)} tokens/s on ${result.device} (${result.finishReason})\n`);
    });
    return 0;
  },
};
