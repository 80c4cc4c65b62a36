// Generation speed: the engine ÷ transformers.js on the same exported stories260k folder (see
// generationCompare.ts), plus the engine process's peak RSS.
import { cpus, loadavg } from 'node:os';
import { storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';
import { compareGeneration } from './generationCompare';

const PROMPT = 'Once upon a time';
const TOKENS = 64;
// A round takes ~40 ms a side, and single rounds swing by ±20 % on this shared host: with 7
// rounds the ratio read 0.98 in one full bench run and 1.11-1.32 in the next two.
const ROUNDS = 25;

export default async function (): Promise<BenchRow[]> {
  const c = await compareGeneration(await storiesOnnx(), { prompt: PROMPT, tokens: TOKENS, rounds: ROUNDS });
  const note = `stories260k, greedy, ${c.tokens} tokens after '${PROMPT}', median of ${ROUNDS}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  return [
    { bench: 'generation', metric: 'engine (client wall clock)', value: c.engine, unit: 'tokens/s', note },
    { bench: 'generation', metric: 'engine (reported tokens_per_s)', value: c.engineReported, unit: 'tokens/s' },
    { bench: 'generation', metric: 'transformers.js pipeline', value: c.library, unit: 'tokens/s', note: '@huggingface/transformers 4, same ONNX folder, same prompt' },
    {
      bench: 'generation',
      metric: 'engine ÷ transformers.js',
      value: c.ratio,
      unit: 'ratio',
      target: '≥ 1.0',
      note: `median of per-round ratios; ${c.sameText ? 'identical greedy text' : 'TEXTS DIFFER'}`,
    },
    { bench: 'memory', metric: 'engine process peak RSS', value: c.engineMaxRss / 2 ** 20, unit: 'MiB', note: 'after loading stories260k and generating' },
  ];
}
