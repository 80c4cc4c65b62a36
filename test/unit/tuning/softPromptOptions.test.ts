// The soft prompt options that follow Lester et al. where the code used to depart, on the real
// stories260k model and tinysent rows: class-label and frequent-vocabulary init, random init at
// the table's scale, weight decay toward zero or the init, selection by dev loss, the unfactored
// Adafactor, label-balanced BBT fitness rows, and the settings' defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadTokenizer, type TextTokenizer } from '../../../src/modelFiles/tokenizer';
import { SOFT_PROMPT_SETTINGS } from '../../../src/promptFile/promptsmithSettings';
import { Adafactor } from '../../../src/engine/tuning/optim/adafactor';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import type { BatchExample } from '../../../src/engine/tuning/softprompt/batchFeeds';
import { balancedSample } from '../../../src/engine/tuning/softprompt/bbt';
import { frequentTokenIds, initialSoftPrompt, SAMPLE_VOCAB_POPULATION, tableStats } from '../../../src/engine/tuning/softprompt/init';
import { SoftPromptObjective } from '../../../src/engine/tuning/softprompt/objective';
import { promptIds } from '../../../src/engine/tuning/softprompt/placement';
import { openSoftPromptSessions, releaseSessions, type SoftPromptSessions } from '../../../src/engine/tuning/softprompt/softPromptSession';
import { DEFAULT_LR, mergeSettings, SOFT_PROMPT_DEFAULTS } from '../../../src/engine/tuning/softprompt/softPromptSettings';
import { makeOptimizer, type TrainerOptions, type TrainProgress, trainSoftPrompt } from '../../../src/engine/tuning/softprompt/trainer';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';

const modelDir = storiesHfDir();
const dataDir = tinysentDir();
const skip = modelDir && dataDir ? false : 'needs ../shared/models/stories260k-hf and ../shared/data/tinysent (absent)';
const N = 3;
let sessions: SoftPromptSessions;
let tok: TextTokenizer;
let objective: SoftPromptObjective;
let table: Float32Array;
let data: { train: BatchExample[]; dev: BatchExample[] };
const verbalizers = [' happy', ' sad'];

before(async () => {
  if (skip) return;
  sessions = await openSoftPromptSessions(loadTrainingGraph(modelDir!), { numVirtualTokens: N, loss: 'classification', device: 'cpu', gradient: true });
  tok = loadTokenizer(modelDir!);
  table = sessions.table.data as Float32Array;
  objective = new SoftPromptObjective(sessions, verbalizers.map((v) => tok.encode(v, { addSpecialTokens: false })));
  const ctx = { tokenizer: tok, vocabSize: sessions.vocabSize, numVirtualTokens: N };
  const rows = (file: string) =>
    readFileSync(join(dataDir!, file), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { text: string; label: string });
  const examples = (file: string, count: number) => rows(file).slice(0, count).map((r) => ({ ids: promptIds(ctx, `${r.text} They were`), label: r.label === 'positive' ? 0 : 1 }));
  data = { train: examples('train.jsonl', 16), dev: examples('dev.jsonl', 12) };
});

after(async () => {
  if (sessions) await releaseSessions(sessions);
});

const ctx = (over: object = {}) => ({ numVirtualTokens: N, hidden: sessions.hidden, vocabSize: sessions.vocabSize, table, rng: new Rng(1), ...over });
const row = (p: Float32Array, i: number) => Array.from(p.subarray(i * sessions.hidden, (i + 1) * sessions.hidden));

test('init CLASS_LABELS: each label’s verbalizer embedding (the mean of its tokens), then frequent vocabulary rows', { skip }, () => {
  const classTokens = verbalizers.map((v) => tok.encode(v, { addSpecialTokens: false }));
  assert.deepEqual(classTokens.map((t) => t.length), [1, 2], "' sad' is two tokens on stories260k");
  const frequentIds = frequentTokenIds(tok, sessions.vocabSize);
  const p = initialSoftPrompt('CLASS_LABELS', ctx({ classTokens, frequentIds }));
  const d = sessions.hidden;
  const tableRow = (id: number) => Array.from(table.subarray(id * d, (id + 1) * d));
  assert.deepEqual(row(p, 0), tableRow(classTokens[0]![0]!));
  const [a, b] = classTokens[1]!.map(tableRow);
  for (const [j, x] of row(p, 1).entries()) assert.ok(Math.abs(x - (a![j]! + b![j]!) / 2) < 1e-6);
  const third = row(p, 2);
  assert.ok(
    frequentIds.some((id) => tableRow(id).every((x, j) => x === third[j])),
    'the token after the labels is a frequent vocabulary row',
  );
  assert.throws(() => initialSoftPrompt('CLASS_LABELS', ctx()), /CLASS_LABELS needs the task’s labels/);
});

test('init SAMPLE_VOCAB: rows of frequent ordinary tokens, by vocabulary order (no specials, no byte pieces); RANDOM: at the table’s scale', { skip }, () => {
  const ids = frequentTokenIds(tok, sessions.vocabSize);
  // stories260k: ids 0–2 special, 3–258 byte fallback, 259–511 merges, in merge order.
  assert.deepEqual([ids[0], ids.at(-1), ids.length], [259, 511, 253]);
  assert.equal(frequentTokenIds(tok, sessions.vocabSize, 10).length, 10);
  assert.equal(SAMPLE_VOCAB_POPULATION, 5000);
  const p = initialSoftPrompt('SAMPLE_VOCAB', ctx({ frequentIds: ids, numVirtualTokens: 40 }));
  const d = sessions.hidden;
  for (let i = 0; i < 40; i++) {
    const r = Array.from(p.subarray(i * d, (i + 1) * d));
    assert.ok(ids.some((id) => r.every((x, j) => x === table[id * d + j])), `row ${i} is a frequent token's embedding`);
  }
  // Without replacement while the population lasts: 40 of 253 ids, all different.
  const distinct = new Set(Array.from({ length: 40 }, (_, i) => p.subarray(i * d, (i + 1) * d).join(',')));
  assert.equal(distinct.size, 40);
  const random = initialSoftPrompt('RANDOM', ctx({ numVirtualTokens: 200 }));
  const { std } = tableStats(table);
  const got = tableStats(random).std;
  assert.ok(Math.abs(got - std) / std < 0.05, `random init std ${got} vs table ${std} (N(0, 1) would be ${(1 / std).toFixed(1)}× too large)`);
});

const base = (over: Partial<TrainerOptions> = {}): TrainerOptions => ({ steps: 6, lr: 0.05, optimizer: 'adam', batchSize: 4, evalEvery: 2, patience: 0, seed: 2, checkpointEvery: 0, ...over });

test('weight decay toward the init: rate 1 pins the prompt to it, a partial rate keeps it closer than none', { skip }, async () => {
  const p0 = initialSoftPrompt('SAMPLE_VOCAB', ctx({ frequentIds: frequentTokenIds(tok, sessions.vocabSize) }));
  const distance = (p: Float32Array) => Math.sqrt(p.reduce((s, x, k) => s + (x - p0[k]!) ** 2, 0));
  const pinned = await trainSoftPrompt(objective, data, p0, base({ weightDecay: 1, decayAnchor: p0 }));
  assert.ok(distance(pinned.finalPrompt) < 1e-6);
  const free = await trainSoftPrompt(objective, data, p0, base());
  const held = await trainSoftPrompt(objective, data, p0, base({ weightDecay: 0.3, decayAnchor: p0 }));
  assert.ok(distance(held.finalPrompt) < distance(free.finalPrompt), `${distance(held.finalPrompt)} < ${distance(free.finalPrompt)}`);
  // Toward zero (the paper's form): the norm shrinks compared with no decay.
  const norm = (p: Float32Array) => Math.sqrt(p.reduce((s, x) => s + x * x, 0));
  const shrunk = await trainSoftPrompt(objective, data, p0, base({ weightDecay: 0.3 }));
  assert.ok(norm(shrunk.finalPrompt) < norm(free.finalPrompt));
});

test('selection by dev loss keeps the evaluation with the lowest dev loss', { skip }, async () => {
  const p0 = initialSoftPrompt('SAMPLE_VOCAB', ctx({ frequentIds: frequentTokenIds(tok, sessions.vocabSize) }));
  const events: TrainProgress[] = [];
  const r = await trainSoftPrompt(objective, data, p0, base({ selectBy: 'devLoss', lr: 0.3, onProgress: (e) => events.push(e) }));
  const evals = events.filter((e) => e.dev_loss !== undefined);
  const lowest = evals.reduce((a, b) => (b.dev_loss! < a.dev_loss! ? b : a));
  assert.equal(r.bestStep, lowest.step);
  assert.equal(r.devLoss, lowest.dev_loss);
  assert.equal(r.devAcc, lowest.dev_acc);
});

test('the trainer’s Adafactor keeps one second moment per value (unfactored), unlike the factored default', () => {
  const opt = makeOptimizer('adafactor', [2, 3], 0.3) as Adafactor;
  const state = opt.getState();
  assert.equal(state.buffers.v!.length, 6);
  assert.equal(state.buffers.vr!.length, 0);
  const factored = new Adafactor([2, 3]).getState();
  assert.deepEqual([factored.buffers.vr!.length, factored.buffers.vc!.length, factored.buffers.v!.length], [2, 3, 0]);
});

test('BBT fitness rows are balanced across labels even when the file is sorted by label', () => {
  const sorted: BatchExample[] = [...Array.from({ length: 40 }, () => ({ ids: [1], label: 0 })), ...Array.from({ length: 10 }, () => ({ ids: [1], label: 1 }))];
  const picked = balancedSample(sorted, 16, new Rng(0));
  assert.equal(picked.length, 16);
  assert.deepEqual([picked.filter((e) => e.label === 0).length, picked.filter((e) => e.label === 1).length], [8, 8]);
  // A label that runs out leaves its place to the others.
  const many = balancedSample(sorted, 30, new Rng(0));
  assert.deepEqual([many.filter((e) => e.label === 0).length, many.filter((e) => e.label === 1).length], [20, 10]);
});

test('settings: defaults come from the settings table; lr defaults by optimizer; file, then overrides win', () => {
  for (const [name, value] of Object.entries(SOFT_PROMPT_DEFAULTS)) {
    if (name === 'patience') continue;
    assert.equal(SOFT_PROMPT_SETTINGS[name]!.default, value, name);
  }
  assert.equal(mergeSettings(undefined, undefined).lr, DEFAULT_LR[SOFT_PROMPT_DEFAULTS.optimizer]);
  assert.equal(mergeSettings({ optimizer: 'adam' }, undefined).lr, DEFAULT_LR.adam);
  assert.equal(mergeSettings({ optimizer: 'adafactor' }, undefined).lr, 0.3);
  assert.equal(mergeSettings({ optimizer: 'adam', lr: 0.5 }, { lr: 0.02 }).lr, 0.02);
  assert.equal(mergeSettings(undefined, undefined).patience, 0, 'never stop early unless asked');
});
