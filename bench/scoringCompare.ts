// Scoring throughput of our scoring (in process, and through the engine process) ÷ a bare
// session.run loop over the same padded batches on a session of the unmodified model file (ours
// runs the LM head only at the scored positions: onnx/scoredPositions.ts), in rounds of all three
// back to back (rotating order): ratios are taken per round, so load bursts hit both sides.
// Every side first runs `warmup` unmeasured rounds (default 10): a fresh engine process needs
// about ten requests before V8 has compiled its request path and glibc's heap has settled (its
// first requests took 25 ms against 18 ms later), and the bare loop and score() warm up too.
import { EngineClient } from '../src/engine/client/engineClient';
import { emptyPast, positionsFromMask } from '../src/engine/runtime/forward';
import { LanguageModel } from '../src/engine/runtime/languageModel';
import { int64Tensor, type OrtFeeds } from '../src/engine/runtime/ort';
import { openSession } from '../src/engine/runtime/executionProviders';
import { score } from '../src/engine/runtime/scoring';
import { enginePath, median, scoringItems } from './benchModels';
import { pinToOneCpu } from './cpuPinning';

export interface ScoringComparison {
  items: number;
  /** Medians, items/s. */
  bare: number;
  inProcess: number;
  viaEngine: number;
  /** Medians of the per-round ratios. */
  inProcessOverBare: number;
  engineOverBare: number;
  /** Where the two processes ran (see cpuPinning.ts). */
  pinning: string;
}

export async function compareScoring(dir: string, options: { batch: number; rounds: number; warmup?: number }): Promise<ScoringComparison> {
  const { batch, rounds, warmup = 10 } = options;
  const model = await LanguageModel.load(dir, { device: 'cpu' });
  const { prompts, continuations } = scoringItems();
  const n = prompts.length;

  // The same batches scoreIds builds: longest first, right padding.
  const seqs = prompts.map((p, i) => [...model.encodePrompt(p), ...model.tokenizer.encode(continuations[i]!, { addSpecialTokens: false })]);
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[b]!.length - seqs[a]!.length);
  const feeds: OrtFeeds[] = [];
  await model.withSession(async ({ io }) => {
    for (let s = 0; s < n; s += batch) {
      const rows = order.slice(s, s + batch).map((i) => seqs[i]!);
      const width = Math.max(...rows.map((r) => r.length));
      const mask = rows.map((r) => r.map(() => 1).concat(new Array(width - r.length).fill(0)));
      const f: OrtFeeds = {
        input_ids: int64Tensor(rows.flatMap((r) => r.concat(new Array(width - r.length).fill(0))), [rows.length, width]),
        attention_mask: int64Tensor(mask.flat(), [rows.length, width]),
        position_ids: int64Tensor(positionsFromMask(mask, width).flat(), [rows.length, width]),
      };
      const past = emptyPast(io, rows.length);
      for (const [k, name] of io.pastInputs.entries()) f[name] = past.tensors[k]!;
      feeds.push(f);
    }
  });

  // The engine is forked on the first request, after this: it inherits the pinning.
  const pinning = pinToOneCpu();
  const client = new EngineClient({ enginePath: enginePath() });
  const bare: number[] = [];
  const inProcess: number[] = [];
  const viaEngine: number[] = [];
  const { session: plain } = await openSession(model.folder.onnxFile, 'cpu');
  const bareLoop = async () => {
    for (const f of feeds) await plain.run(f);
  };
  try {
    const runs: [number[], () => Promise<unknown>][] = [
      [bare, bareLoop],
      [inProcess, () => score(model, prompts, continuations, { batchSize: batch })],
      [viaEngine, () => client.request('score', { model: dir, device: 'cpu', prompts, continuations, batchSize: batch })],
    ];
    for (let w = 0; w < warmup; w++) for (const [, run] of runs) await run();
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < runs.length; k++) {
        const [rates, run] = runs[(r + k) % runs.length]!;
        const t = performance.now();
        await run();
        rates.push(n / ((performance.now() - t) / 1000));
      }
    }
  } finally {
    await client.dispose();
    await plain.release();
    pinning.restore();
  }
  return {
    items: n,
    bare: median(bare),
    inProcess: median(inProcess),
    viaEngine: median(viaEngine),
    inProcessOverBare: median(inProcess.map((v, i) => v / bare[i]!)),
    engineOverBare: median(viaEngine.map((v, i) => v / bare[i]!)),
    pinning: pinning.description,
  };
}
