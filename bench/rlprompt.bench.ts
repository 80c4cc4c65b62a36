// RL prompt tuning (RLPrompt) on stories260k with tinysent:
//  1. reward evaluations per second: the local task scorer scoring 16 prompts × 64 train rows;
//  2. RL steps per second and the wall time of a default run (the README promises < 5 minutes
//     on 2 cores);
//  3. RL (default preset) vs random search at the same number of reward evaluations, per seed:
//     train+dev and test accuracy of the best prompt (selected by dev; test only reported), and
//     the evaluations each needed before its best prompt reached train+dev ≥ 0.70.
// Seeds: BENCH_RL_SEEDS (comma-separated; default 1–10, about 8 minutes on a quiet 2-core machine).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LanguageModel } from '../src/engine/runtime/languageModel';
import { LocalTaskScorer } from '../src/engine/tasks/localTaskScorer';
import { Rng } from '../src/engine/tuning/optim/rng';
import { randomSearch, type TuneRlEvent, type TuneRlResult, tuneRl } from '../src/engine/tuning/rlprompt/tuneRl';
import { PromptVocabulary } from '../src/engine/tuning/rlprompt/vocabulary';
import { median, repoDir, storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';

const TARGET = 0.7;

function taskFile(model: string, data: string): { file: string; slot: { start: number; end: number } } {
  const source = [
    '---',
    `model: ${model}`,
    'input:',
    '  schema:',
    '    text: string',
    'promptsmith.task:',
    `  train: ${join(data, 'train.jsonl')}`,
    `  dev: ${join(data, 'dev.jsonl')}`,
    `  test: ${join(data, 'test.jsonl')}`,
    '  labels: { positive: " happy", negative: " sad" }',
    '---',
    '{{text}} They were',
    '',
  ].join('\n');
  const file = join(mkdtempSync(join(tmpdir(), 'rl-bench-')), 'tinysent.prompt');
  writeFileSync(file, source);
  const start = source.indexOf(' They were');
  return { file, slot: { start, end: start + ' They were'.length } };
}

/** Evaluations spent when the reported best prompt first reached train+dev ≥ TARGET (null: never). */
function firstHit(events: TuneRlEvent[]): number | null {
  for (const e of events) {
    if (e.type !== 'bestPrompts') continue;
    const top = e.prompts[0];
    if (top && (top.train_acc + top.dev_acc) / 2 >= TARGET) return e.evaluations;
  }
  return null;
}

const trainDev = (r: TuneRlResult) => (r.prompts[0] ? (r.prompts[0].train_acc + r.prompts[0].dev_acc!) / 2 : Number.NaN);
const load = () => `load average ${loadavg()[0]!.toFixed(1)} on 2 cores`;

export default async function (): Promise<BenchRow[]> {
  const data = resolve(repoDir(), '../shared/data/tinysent');
  const model = await storiesOnnx();
  const { file, slot } = taskFile(model, data);
  const seeds = (process.env.BENCH_RL_SEEDS ?? '1,2,3,4,5,6,7,8,9,10').split(',').map(Number);
  const out: BenchRow[] = [];

  // 1. Reward evaluations per second (16 prompts × 64 rows, prefixes cached, as in a step).
  const lm = await LanguageModel.load(model, { device: 'cpu' });
  const rows = readFileSync(join(data, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { text: string; label: string });
  const examples = rows.map((r) => ({ before: r.text, after: '', label: r.label === 'positive' ? 0 : 1 }));
  const scorer = new LocalTaskScorer(lm, [' happy', ' sad']);
  await scorer.prepare(examples);
  const vocabulary = new PromptVocabulary(lm.tokenizer, lm.tokenizer.vocabSize, 'words');
  const rng = new Rng(7);
  const rates: number[] = [];
  for (let round = 0; round < 7; round++) {
    const prompts = Array.from({ length: 16 }, () => ({ text: '', ids: Array.from({ length: 5 }, () => vocabulary.allowed[rng.int(vocabulary.allowed.length)]!) }));
    const t = performance.now();
    await scorer.classScores(prompts, examples);
    if (round > 0) rates.push((16 * examples.length) / ((performance.now() - t) / 1000));
  }
  out.push({ bench: 'rlprompt', metric: 'reward evaluations (prompt × example)', value: median(rates), unit: 'evals/s', note: `stories260k, 16 five-token prompts × 64 tinysent rows, example prefixes from the KV cache, median of 6, ${load()}` });

  // 2 and 3. Default RL runs, then random search with the same number of reward evaluations.
  const rl: TuneRlResult[] = [];
  const random: TuneRlResult[] = [];
  const hits: { rl: (number | null)[]; random: (number | null)[] } = { rl: [], random: [] };
  for (const seed of seeds) {
    const rlEvents: TuneRlEvent[] = [];
    const started = performance.now();
    let stepsPerS = 0;
    const r = await tuneRl({
      promptFile: file,
      slot,
      device: 'cpu',
      overrides: { seed },
      onEvent: (e) => {
        rlEvents.push(e);
        if (e.type === 'progress') stepsPerS = e.steps_per_s;
      },
    });
    const seconds = (performance.now() - started) / 1000;
    out.push({ bench: 'rlprompt', metric: `RL steps/s (seed ${seed})`, value: stepsPerS, unit: 'steps/s', note: `default preset, ${r.settings.samplesPerStep} prompts × ${r.settings.examplesPerStep || 64} rows per step, ${load()}` });
    out.push({ bench: 'rlprompt', metric: `RL run wall time (seed ${seed})`, value: seconds, unit: 's', target: '< 300', note: `${r.steps_run} steps, ${r.evaluations} evaluations, final text-applied measurement included, ${load()}` });
    const randomEvents: TuneRlEvent[] = [];
    const q = await randomSearch({ promptFile: file, slot, device: 'cpu', overrides: { seed, steps: 1_000_000, maxEvaluations: r.evaluations }, onEvent: (e) => randomEvents.push(e) });
    rl.push(r);
    random.push(q);
    hits.rl.push(firstHit(rlEvents));
    hits.random.push(firstHit(randomEvents));
    const describe = (x: TuneRlResult) => `"${x.prompts[0]?.text}" (${x.evaluations} evaluations)`;
    out.push({ bench: 'rlprompt', metric: `RL best prompt train+dev (seed ${seed})`, value: trainDev(r), unit: 'acc', target: '≥ 0.70', note: describe(r) });
    out.push({ bench: 'rlprompt', metric: `random search best prompt train+dev (seed ${seed})`, value: trainDev(q), unit: 'acc', note: describe(q) });
    out.push({ bench: 'rlprompt', metric: `RL best prompt test (seed ${seed})`, value: r.prompts[0]?.test_acc ?? Number.NaN, unit: 'acc', note: 'tinysent test.jsonl (200), reported only' });
    out.push({ bench: 'rlprompt', metric: `random search best prompt test (seed ${seed})`, value: q.prompts[0]?.test_acc ?? Number.NaN, unit: 'acc', note: 'tinysent test.jsonl (200), reported only' });
    out.push({ bench: 'rlprompt', metric: `evaluations to train+dev ≥ ${TARGET}, RL vs random (seed ${seed})`, value: hits.rl.at(-1) ?? Number.NaN, unit: 'evals', note: `random search: ${hits.random.at(-1) ?? 'not reached'}` });
  }
  const written = rl[0]!.written;
  out.push({ bench: 'rlprompt', metric: 'hand-written " They were" train+dev / test', value: (written.train_acc + written.dev_acc!) / 2, unit: 'acc', note: `test ${written.test_acc}` });
  out.push({ bench: 'rlprompt', metric: 'RL best prompt train+dev (median over seeds)', value: median(rl.map(trainDev)), unit: 'acc', target: '≥ 0.70' });
  out.push({ bench: 'rlprompt', metric: 'random search best prompt train+dev (median over seeds)', value: median(random.map(trainDev)), unit: 'acc' });
  out.push({ bench: 'rlprompt', metric: 'RL best prompt test (median over seeds)', value: median(rl.map((r) => r.prompts[0]?.test_acc ?? Number.NaN)), unit: 'acc', target: '≥ random search' });
  out.push({ bench: 'rlprompt', metric: 'random search best prompt test (median over seeds)', value: median(random.map((r) => r.prompts[0]?.test_acc ?? Number.NaN)), unit: 'acc' });
  const never = (h: (number | null)[]) => h.map((x) => x ?? Number.POSITIVE_INFINITY);
  out.push({ bench: 'rlprompt', metric: `evaluations to train+dev ≥ ${TARGET} (median over seeds), RL`, value: median(never(hits.rl)), unit: 'evals', target: '< random search' });
  out.push({ bench: 'rlprompt', metric: `evaluations to train+dev ≥ ${TARGET} (median over seeds), random search`, value: median(never(hits.random)), unit: 'evals' });
  return out;
}
