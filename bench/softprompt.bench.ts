// Soft prompt tuning on stories260k with tinysent:
//  1. the time of one gradient step (forward + backward through the autodiff graph + optimizer
//     update) ÷ one forward pass on the same batch, measured interleaved in one run;
//  2. dev accuracy of the best manual template (tinysent's README templates) vs a short soft
//     prompt tuning run on the best template, and both on the held-out test rows: tinysent's dev
//     shares its 20 events with train, so dev accuracy measures memorisation (test has others).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTokenizer } from '../src/modelFiles/tokenizer';
import { Rng } from '../src/engine/tuning/optim/rng';
import { type BatchExample, buildBatch } from '../src/engine/tuning/softprompt/batchFeeds';
import { initialSoftPrompt } from '../src/engine/tuning/softprompt/init';
import { SoftPromptObjective } from '../src/engine/tuning/softprompt/objective';
import { promptIds } from '../src/engine/tuning/softprompt/placement';
import { openSoftPromptSessions, releaseSessions, runBatch } from '../src/engine/tuning/softprompt/softPromptSession';
import { makeOptimizer, type OptimizerKind, trainSoftPrompt } from '../src/engine/tuning/softprompt/trainer';
import { loadTrainingGraph } from '../src/engine/tuning/softprompt/trainingGraph';
import { median } from './benchModels';
import type { BenchRow } from './benchRow';

const TEMPLATES = ['{text} He was very', '{text} They felt', '{text} They were', '{text} It was a'];
const LABELS = ['positive', 'negative'];
const VERBALIZERS = [' happy', ' sad'];
const TOKENS = 8;
const STEPS = 100;
// The paper's setup (Adafactor, lr 0.3) and Adam.
const RUNS: [OptimizerKind, number][] = [
  ['adafactor', 0.3],
  ['adam', 0.1],
];
const BATCH = 16;
const ROUNDS = 15;

function rows(file: string): { text: string; label: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

export default async function (): Promise<BenchRow[]> {
  const shared = resolve(process.cwd(), '../shared');
  const modelDir = join(shared, 'models', 'stories260k-hf');
  const train = rows(join(shared, 'data', 'tinysent', 'train.jsonl'));
  const dev = rows(join(shared, 'data', 'tinysent', 'dev.jsonl'));
  const test = rows(join(shared, 'data', 'tinysent', 'test.jsonl'));
  const tokenizer = loadTokenizer(modelDir);
  const classTokens = VERBALIZERS.map((v) => tokenizer.encode(v, { addSpecialTokens: false }));
  const graph = loadTrainingGraph(modelDir);
  // One session: training, dev evaluation and the manual templates (no virtual ids).
  const soft = await openSoftPromptSessions(graph, { numVirtualTokens: TOKENS, loss: 'classification', device: 'cpu', gradient: true });
  const examples = (data: { text: string; label: string }[], template: string, n: number): BatchExample[] =>
    data.map((r) => ({ ids: promptIds({ tokenizer, vocabSize: soft.vocabSize, numVirtualTokens: n }, template.replace('{text}', r.text)), label: LABELS.indexOf(r.label) }));
  const objective = new SoftPromptObjective(soft, classTokens);
  const out: BenchRow[] = [];
  try {
    // 1. Gradient step ÷ forward pass, same batch, same provider, interleaved rounds (medians).
    const batch = buildBatch(examples(train.slice(0, BATCH), '{text} They were', TOKENS), classTokens, soft.vocabSize);
    const table = soft.table.data as Float32Array;
    const p = initialSoftPrompt('SAMPLE_VOCAB', { numVirtualTokens: TOKENS, hidden: soft.hidden, vocabSize: soft.vocabSize, table, rng: new Rng(1) });
    const optimizer = makeOptimizer('adam', [TOKENS, soft.hidden], 0);
    const fwd: number[] = [];
    const step: number[] = [];
    for (let r = 0; r < ROUNDS + 2; r++) {
      let t = performance.now();
      await runBatch(soft, p, batch, false);
      const f = performance.now() - t;
      t = performance.now();
      const g = await runBatch(soft, p, batch, true);
      optimizer.step(p, g.grad!);
      const s = performance.now() - t;
      if (r >= 2) {
        fwd.push(f);
        step.push(s);
      }
    }
    const ratios = fwd.map((f, i) => step[i]! / f);
    const note = `stories260k, batch ${BATCH} × ~${batch.seqLen} tokens, ${TOKENS} virtual tokens, cpu, median of ${ROUNDS}`;
    out.push({ bench: 'softprompt', metric: 'forward pass (loss head)', value: median(fwd), unit: 'ms', note });
    out.push({ bench: 'softprompt', metric: 'gradient step (fwd+bwd+Adam)', value: median(step), unit: 'ms', note });
    out.push({ bench: 'softprompt', metric: 'gradient step ÷ forward pass', value: median(ratios), unit: 'ratio', target: 'theory ≈ 2–3', note });

    // 2. Manual templates vs a tuned soft prompt on the best one.
    let best = { template: '', acc: -1 };
    for (const template of TEMPLATES) {
      const acc = (await objective.evaluate(undefined, examples(dev, template, 0))).accuracy;
      out.push({ bench: 'softprompt', metric: `manual "${template}" dev acc`, value: acc, unit: 'acc', note: 'tinysent dev (64), zero-shot' });
      if (acc > best.acc) best = { template, acc };
    }
    const data = { train: examples(train, best.template, TOKENS), dev: examples(dev, best.template, TOKENS) };
    const initText = best.template.replace('{text} ', '');
    const p0 = initialSoftPrompt('TEXT', { numVirtualTokens: TOKENS, hidden: soft.hidden, vocabSize: soft.vocabSize, table, rng: new Rng(0), textIds: tokenizer.encode(` ${initText}`, { addSpecialTokens: false }) });
    out.push({ bench: 'softprompt', metric: 'best manual template dev acc', value: best.acc, unit: 'acc', note: best.template });
    const heldOut = 'tinysent test (200 rows, other names and events), reported only';
    const manualTest = await objective.evaluate(undefined, examples(test, best.template, 0));
    out.push({ bench: 'softprompt', metric: 'best manual template test acc', value: manualTest.accuracy, unit: 'acc', note: `${best.template}; ${heldOut}` });
    const testData = examples(test, best.template, TOKENS);
    for (const [optimizer, lr] of RUNS) {
      const started = performance.now();
      const r = await trainSoftPrompt(objective, data, p0, { steps: STEPS, lr, optimizer, batchSize: BATCH, evalEvery: 10, patience: 0, seed: 0, checkpointEvery: 0 });
      const seconds = (performance.now() - started) / 1000;
      const final = await objective.evaluate(r.finalPrompt, data.dev);
      const setup = `${optimizer} lr ${lr}`;
      out.push({
        bench: 'softprompt',
        metric: `tuned soft prompt dev acc, ${setup} (best on dev)`,
        value: r.devAcc,
        unit: 'acc',
        note: `"${best.template}" + ${TOKENS} virtual tokens (init TEXT), ${r.stepsRun} steps × batch ${BATCH} on tinysent train (64), best at step ${r.bestStep}, ${seconds.toFixed(0)} s`,
      });
      out.push({ bench: 'softprompt', metric: `tuned soft prompt dev acc, ${setup} (last step)`, value: final.accuracy, unit: 'acc', note: 'no selection on dev' });
      const tested = await objective.evaluate(r.prompt, testData);
      out.push({ bench: 'softprompt', metric: `tuned soft prompt test acc, ${setup} (best on dev)`, value: tested.accuracy, unit: 'acc', target: `vs manual ${manualTest.accuracy.toFixed(3)}`, note: heldOut });
    }
  } finally {
    await releaseSessions(soft);
  }
  return out;
}
