// Generation speed: the engine (forked process, KV cache, greedy) ÷ @huggingface/transformers
// v4 pipeline('text-generation') on the same exported stories260k folder and prompt, same
// token count, both warmed up; plus the engine process's peak RSS.
import { cpus, loadavg } from 'node:os';
import { basename, dirname } from 'node:path';
import { EngineClient } from '../src/engine/client/engineClient';
import { enginePath, median, storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';

const PROMPT = 'Once upon a time';
const TOKENS = 64;
const ROUNDS = 7;

interface TextGenerationPipeline {
  (text: string, options: Record<string, unknown>): Promise<{ generated_text: string }[]>;
  tokenizer: { encode(text: string): number[] };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

export default async function (): Promise<BenchRow[]> {
  const dir = await storiesOnnx();
  // Offline: the library only reads the local folder (never the hub).
  const transformers = (await import('@huggingface/transformers')) as unknown as {
    env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
    pipeline(task: string, model: string, options: Record<string, unknown>): Promise<TextGenerationPipeline>;
  };
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = dirname(dir);
  const pipe = await transformers.pipeline('text-generation', basename(dir), { dtype: 'fp32', device: 'cpu' });
  const generateOptions = { max_new_tokens: TOKENS, min_new_tokens: TOKENS, do_sample: false, return_full_text: false };

  const client = new EngineClient({ enginePath: enginePath() });
  const engineRates: number[] = [];
  const reportedRates: number[] = [];
  const libraryRates: number[] = [];
  let sameText = true;
  let engineTokens = 0;
  let maxRss = 0;
  try {
    const warm = await client.request('generate', { model: dir, device: 'cpu', prompt: PROMPT, greedy: true, maxTokens: TOKENS });
    const warmLib = await pipe(PROMPT, generateOptions);
    engineTokens = warm.ids.length;
    sameText = warmLib[0]!.generated_text.trim() === warm.text.trim();
    for (let r = 0; r < ROUNDS; r++) {
      // transformers.js's ORT threads (in this process) spin-wait after each run by default and
      // would steal the cores from the engine process if it started right away: let them park.
      await settle();
      let t = performance.now();
      const out = await client.request('generate', { model: dir, device: 'cpu', prompt: PROMPT, greedy: true, maxTokens: TOKENS });
      engineRates.push(out.ids.length / ((performance.now() - t) / 1000));
      reportedRates.push(out.tokensPerS);
      await settle();
      t = performance.now();
      await pipe(PROMPT, generateOptions);
      libraryRates.push(TOKENS / ((performance.now() - t) / 1000));
    }
    maxRss = (await client.request('stats', null)).maxRss;
  } finally {
    await client.dispose();
  }
  const note = `stories260k, greedy, ${engineTokens} tokens after '${PROMPT}', median of ${ROUNDS}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  return [
    { bench: 'generation', metric: 'engine (client wall clock)', value: median(engineRates), unit: 'tokens/s', note },
    { bench: 'generation', metric: 'engine (reported tokens_per_s)', value: median(reportedRates), unit: 'tokens/s' },
    { bench: 'generation', metric: 'transformers.js pipeline', value: median(libraryRates), unit: 'tokens/s', note: '@huggingface/transformers 4, same ONNX folder, same prompt' },
    {
      bench: 'generation',
      metric: 'engine ÷ transformers.js',
      value: median(engineRates.map((v, i) => v / libraryRates[i]!)),
      unit: 'ratio',
      target: '≥ 1.0',
      note: `median of per-round ratios; ${sameText ? 'identical greedy text' : 'TEXTS DIFFER'}`,
    },
    { bench: 'memory', metric: 'engine process peak RSS', value: maxRss / 2 ** 20, unit: 'MiB', note: 'after loading stories260k, scoring and generating' },
  ];
}
