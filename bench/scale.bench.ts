// Speed and memory at the size users bring, on a random Llama shaped like SmolLM2-135M (see
// scaleModel.ts), plus the engine-process scoring overhead on stories260k:
//  - softprompt_135m_step_over_forward: one soft prompt training step (20 virtual tokens, batch
//    8 × 64 tokens: forward, backward, optimizer) in a child process ÷ one bare session.run of the
//    unmodified exported model on 8 × 64 tokens with the logits output, in this process; the two
//    alternate, round by round, and the median of the per-round ratios is reported;
//  - softprompt_135m_peak_rss_mib: the tuning child's peak RSS (sessions open, dev evaluation, steps);
//  - softprompt_135m_session_open_s, softprompt_135m_step_s: reported;
//  - generation_135m_over_transformersjs: tokens/s of the engine ÷ transformers.js, same folder;
//  - scoring_engine_over_bare: engine-process scoring ÷ a bare session.run loop (stories260k);
//  - scoring_135m_engine_over_bare: the same on the SmolLM2-shaped model, where computing the LM
//    head only at the scored positions (onnx/scoredPositions.ts) matters: reported.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { openSession } from '../src/engine/runtime/executionProviders';
import { float32Tensor, int64Tensor, type OrtFeeds } from '../src/engine/runtime/ort';
import { median, storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';
import { compareGeneration } from './generationCompare';
import { smolLm2ShapedModel, SMOLLM2_135M_SHAPE } from './scaleModel';
import { BATCH, TEXT_TOKENS, TuningChild, VIRTUAL_TOKENS } from './scaleTuning';
import { compareScoring } from './scoringCompare';

const ROUNDS = 5;
/** Generation rounds are short (32 tokens) and the host's bursts swing single rounds by ±20 %: more of them. */
const GENERATION_ROUNDS = 11;
const SEQ = VIRTUAL_TOKENS + TEXT_TOKENS;

/** One bare forward pass's feeds: 8 × 64 tokens, empty KV cache. */
function bareFeeds(inputNames: readonly string[]): OrtFeeds {
  const { kvHeads, hidden, heads, vocab } = SMOLLM2_135M_SHAPE;
  const ids = Array.from({ length: BATCH * SEQ }, (_, i) => 3 + ((i * 7919) % (vocab - 3)));
  const feeds: OrtFeeds = {
    input_ids: int64Tensor(ids, [BATCH, SEQ]),
    attention_mask: int64Tensor(new Array(BATCH * SEQ).fill(1), [BATCH, SEQ]),
    position_ids: int64Tensor(Array.from({ length: BATCH * SEQ }, (_, i) => i % SEQ), [BATCH, SEQ]),
  };
  for (const name of inputNames) {
    if (name.startsWith('past_key_values.')) feeds[name] = float32Tensor(new Float32Array(0), [BATCH, kvHeads, 0, hidden / heads]);
  }
  return feeds;
}

async function softPromptRows(model: { checkpoint: string; onnx: string }): Promise<BenchRow[]> {
  const bare = (await openSession(join(model.onnx, 'onnx', 'model.onnx'), 'cpu')).session;
  const feeds = bareFeeds(bare.inputNames);
  const { child, openS } = await TuningChild.start(__filename, model.checkpoint);
  const forwardMs: number[] = [];
  const stepMs: number[] = [];
  let maxRssMiB: number;
  try {
    await bare.run(feeds, ['logits']);
    await child.step();
    for (let r = 0; r < ROUNDS; r++) {
      const t = performance.now();
      const out = await bare.run(feeds, ['logits']);
      forwardMs.push(performance.now() - t);
      out.logits?.dispose?.();
      stepMs.push((await child.step()).ms);
    }
    maxRssMiB = await child.finish();
  } finally {
    child.kill();
    await bare.release();
  }
  const shape = `random Llama, SmolLM2-135M shape, ${VIRTUAL_TOKENS} virtual + ${TEXT_TOKENS} text tokens × batch ${BATCH}, cpu, median of ${ROUNDS}`;
  return [
    { bench: 'scale', metric: 'softprompt_135m_step_over_forward', value: median(stepMs.map((s, i) => s / forwardMs[i]!)), unit: 'ratio', target: '≤ 3', note: `${shape}; bare forward ${median(forwardMs).toFixed(0)} ms (8 × 64, logits)` },
    { bench: 'scale', metric: 'softprompt_135m_peak_rss_mib', value: maxRssMiB, unit: 'MiB', target: '≤ 1536', note: 'the tuning process: sessions open, dev evaluation, manual baseline, steps' },
    { bench: 'scale', metric: 'softprompt_135m_session_open_s', value: openS, unit: 's', note: 'training graph built from the checkpoint and every tuning session opened' },
    { bench: 'scale', metric: 'softprompt_135m_step_s', value: median(stepMs) / 1000, unit: 's', note: shape },
  ];
}

export default async function (): Promise<BenchRow[]> {
  const model = await smolLm2ShapedModel();
  const rows = await softPromptRows(model);
  const g = await compareGeneration(model.onnx, { prompt: 'Once upon a time', tokens: 32, rounds: GENERATION_ROUNDS });
  rows.push({
    bench: 'scale',
    metric: 'generation_135m_over_transformersjs',
    value: g.ratio,
    unit: 'ratio',
    target: '≥ 1.0',
    note: `engine ${g.engine.toFixed(1)} vs transformers.js ${g.library.toFixed(1)} tokens/s, greedy ${g.tokens} tokens, median of per-round ratios; ${g.sameText ? 'identical greedy text' : 'TEXTS DIFFER'}`,
  });
  const big = await compareScoring(model.onnx, { batch: 16, rounds: ROUNDS, warmup: 2 });
  rows.push({
    bench: 'scale',
    metric: 'scoring_135m_engine_over_bare',
    value: big.engineOverBare,
    unit: 'ratio',
    note: `${big.items} short story prompts, batch 16, median of per-round ratios, ${big.pinning}; engine ${big.viaEngine.toFixed(0)} vs bare ${big.bare.toFixed(0)} items/s`,
  });
  const s = await compareScoring(await storiesOnnx(), { batch: 16, rounds: 15 });
  rows.push({ bench: 'scale', metric: 'scoring_engine_over_bare', value: s.engineOverBare, unit: 'ratio', target: '≥ 0.95', note: `stories260k, ${s.items} items, batch 16, median of per-round ratios, ${s.pinning}` });
  const load = `load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')} on ${cpus().length} cores at the end`;
  for (const r of rows) r.note = r.note ? `${r.note}; ${load}` : load;
  return rows;
}
