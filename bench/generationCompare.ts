// Generation speed of the engine (forked process, KV cache, greedy) vs @huggingface/transformers
// v4 pipeline('text-generation') on the same ONNX folder and prompt, same token count, both warmed
// up, rounds interleaved so load bursts hit both sides of each per-round ratio.
import { basename, dirname } from 'node:path';
import { EngineClient } from '../src/engine/client/engineClient';
import { enginePath, median } from './benchModels';

interface TextGenerationPipeline {
  (text: string, options: Record<string, unknown>): Promise<{ generated_text: string }[]>;
  dispose?: () => Promise<void>;
}

export interface GenerationComparison {
  /** Medians, tokens/s. */
  engine: number;
  engineReported: number;
  library: number;
  /** Median of the per-round ratios engine ÷ transformers.js. */
  ratio: number;
  sameText: boolean;
  tokens: number;
  /** The engine process's peak RSS (bytes). */
  engineMaxRss: number;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 250));

export async function compareGeneration(dir: string, options: { prompt: string; tokens: number; rounds: number }): Promise<GenerationComparison> {
  // Offline: the library only reads the local folder (never the hub).
  const transformers = (await import('@huggingface/transformers')) as unknown as {
    env: { allowRemoteModels: boolean; allowLocalModels: boolean; localModelPath: string };
    pipeline(task: string, model: string, options: Record<string, unknown>): Promise<TextGenerationPipeline>;
  };
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = dirname(dir);
  const pipe = await transformers.pipeline('text-generation', basename(dir), { dtype: 'fp32', device: 'cpu' });
  const { prompt, tokens } = options;
  const generateOptions = { max_new_tokens: tokens, min_new_tokens: tokens, do_sample: false, return_full_text: false };

  const client = new EngineClient({ enginePath: enginePath() });
  const engine: number[] = [];
  const reported: number[] = [];
  const library: number[] = [];
  try {
    const warm = await client.request('generate', { model: dir, device: 'cpu', prompt, greedy: true, maxTokens: tokens });
    const warmLib = await pipe(prompt, generateOptions);
    const sameText = warmLib[0]!.generated_text.trim() === warm.text.trim();
    for (let r = 0; r < options.rounds; r++) {
      // transformers.js's ORT threads (in this process) spin-wait after each run by default and
      // would steal the cores from the engine process if it started right away: let them park.
      await settle();
      let t = performance.now();
      const out = await client.request('generate', { model: dir, device: 'cpu', prompt, greedy: true, maxTokens: tokens });
      engine.push(out.ids.length / ((performance.now() - t) / 1000));
      reported.push(out.tokensPerS);
      await settle();
      t = performance.now();
      await pipe(prompt, generateOptions);
      library.push(tokens / ((performance.now() - t) / 1000));
    }
    const engineMaxRss = (await client.request('stats', null)).maxRss;
    return {
      engine: median(engine),
      engineReported: median(reported),
      library: median(library),
      ratio: median(engine.map((v, i) => v / library[i]!)),
      sameText,
      tokens: warm.ids.length,
      engineMaxRss,
    };
  } finally {
    await client.dispose();
    await pipe.dispose?.();
  }
}
