// Scoring throughput: our scoring (in process, and through the engine process) ÷ a bare
// session.run loop over the same padded batches on the same ORT session.
import { cpus, loadavg } from 'node:os';
import { EngineClient } from '../src/engine/client/engineClient';
import { emptyPast, positionsFromMask } from '../src/engine/runtime/forward';
import { LanguageModel } from '../src/engine/runtime/languageModel';
import { int64Tensor, type OrtFeeds } from '../src/engine/runtime/ort';
import { score } from '../src/engine/runtime/scoring';
import { enginePath, median, scoringItems, storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';

const BATCH = 16;
const ROUNDS = 25;

export default async function (): Promise<BenchRow[]> {
  const dir = await storiesOnnx();
  const model = await LanguageModel.load(dir, { device: 'cpu' });
  const { prompts, continuations } = scoringItems();
  const n = prompts.length;

  // The same batches scoreIds builds: longest first, right padding.
  const seqs = prompts.map((p, i) => [...model.encodePrompt(p), ...model.tokenizer.encode(continuations[i]!, { addSpecialTokens: false })]);
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[b]!.length - seqs[a]!.length);
  const feeds: OrtFeeds[] = [];
  await model.withSession(async ({ io }) => {
    for (let s = 0; s < n; s += BATCH) {
      const rows = order.slice(s, s + BATCH).map((i) => seqs[i]!);
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

  const client = new EngineClient({ enginePath: enginePath() });
  const bare: number[] = [];
  const inProcess: number[] = [];
  const viaEngine: number[] = [];
  try {
    await client.request('score', { model: dir, device: 'cpu', prompts, continuations, batchSize: BATCH });
    await model.withSession(async ({ session }) => {
      for (const f of feeds) await session.run(f);
    });
    const runs: [number[], () => Promise<unknown>][] = [
      [bare, () => model.withSession(async ({ session }) => {
        for (const f of feeds) await session.run(f);
      })],
      [inProcess, () => score(model, prompts, continuations, { batchSize: BATCH })],
      [viaEngine, () => client.request('score', { model: dir, device: 'cpu', prompts, continuations, batchSize: BATCH })],
    ];
    // Rounds of all three back to back (rotating order); the ratios are taken per round and
    // their median reported, so load bursts on the shared machine hit both sides of a ratio.
    for (let r = 0; r < ROUNDS; r++) {
      for (let k = 0; k < runs.length; k++) {
        const [rates, run] = runs[(r + k) % runs.length]!;
        const t = performance.now();
        await run();
        rates.push(n / ((performance.now() - t) / 1000));
      }
    }
  } finally {
    await client.dispose();
  }
  const note = `stories260k, ${n} items, batch ${BATCH}, median of ${ROUNDS}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  return [
    { bench: 'scoring', metric: 'bare session.run loop', value: median(bare), unit: 'items/s', note },
    { bench: 'scoring', metric: 'score() in process', value: median(inProcess), unit: 'items/s', note },
    { bench: 'scoring', metric: 'score via engine process', value: median(viaEngine), unit: 'items/s', note: `${note}; includes IPC and tokenization` },
    { bench: 'scoring', metric: 'in process ÷ bare', value: median(inProcess.map((v, i) => v / bare[i]!)), unit: 'ratio', target: '≥ 0.9', note: 'median of per-round ratios' },
    { bench: 'scoring', metric: 'engine process ÷ bare', value: median(viaEngine.map((v, i) => v / bare[i]!)), unit: 'ratio', target: '≥ 0.9', note: 'median of per-round ratios' },
  ];
}
