// The soft prompt pieces that need no training: graph surgery on the real exported graph, batch
// feeds, placement, PEFT adapter files, nearest tokens, settings.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SOFT_PROMPT_MARKER } from '../../../src/promptFile/promptFile';
import { buildBatch } from '../../../src/engine/tuning/softprompt/batchFeeds';
import { nearestTokens } from '../../../src/engine/tuning/softprompt/nearestTokens';
import { ADAPTER_CONFIG, loadSoftPrompt, saveSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { promptIds } from '../../../src/engine/tuning/softprompt/placement';
import { addSoftPromptInput, findEmbeddingGather } from '../../../src/engine/tuning/softprompt/surgery';
import { loadTrainingGraph } from '../../../src/engine/tuning/softprompt/trainingGraph';
import { loadSoftPromptTask, splitExamples } from '../../../src/engine/tuning/softprompt/taskData';
import { parseSoftPromptOverrides } from '../../../src/protocol/methods/tuneSoft';
import { mergeSettings } from '../../../src/engine/tuning/softprompt/softPromptSettings';
import { storiesHfDir, tinysentDir } from '../helpers/fixtures';

const tmp = mkdtempSync(join(tmpdir(), 'softprompt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const modelDir = storiesHfDir();

test('surgery: ids ≥ V read soft_prompt [n,d] through a second Gather and a Where; the table is never copied and the tied LM head keeps it', { skip: modelDir ? false : 'needs ../shared/models/stories260k-hf' }, () => {
  const model = loadTrainingGraph(modelDir!);
  const { node, table } = findEmbeddingGather(model.graph);
  const consumersBefore = model.graph.nodes.filter((n) => n.inputs.includes(table.name)).length;
  const s = addSoftPromptInput(model, 3);
  assert.equal(s.vocabSize, 512);
  assert.equal(s.hidden, 64);
  assert.deepEqual(s.model.graph.inputs.at(-1), { name: 'soft_prompt', dataType: 'float32', shape: [3, 64] });
  const byOutput = new Map(s.model.graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  // The embeddings keep their name: a Where picks between the table's row and the soft prompt's.
  const pick = byOutput.get(node.outputs[0]!)!;
  assert.equal(pick.opType, 'Where');
  const [textRows, virtualRows] = [byOutput.get(pick.inputs[1]!)!, byOutput.get(pick.inputs[2]!)!];
  assert.deepEqual([textRows.opType, textRows.inputs[0]], ['Gather', table.name]);
  assert.deepEqual([virtualRows.opType, virtualRows.inputs[0]], ['Gather', 'soft_prompt']);
  // Nothing concatenates the table (that copied all V rows on every run).
  assert.equal(s.model.graph.nodes.some((n) => n.opType === 'Concat' && n.inputs.includes(table.name)), false);
  // Every reader of the table besides the lookup (the tied LM head) still reads the same [V, d] table.
  assert.equal(s.model.graph.nodes.filter((n) => n.inputs.includes(table.name)).length, consumersBefore);
  assert.ok(consumersBefore >= 2, 'the exported graph ties the LM head to the embedding table');
  // Nodes stay in topological order (the autodiff relies on it).
  const seen = new Set([...s.model.graph.inputs.map((i) => i.name), ...s.model.graph.initializers.map((t) => t.name)]);
  for (const n of s.model.graph.nodes) {
    for (const i of n.inputs) assert.ok(i === '' || seen.has(i), `${n.name} reads ${i} before it is made`);
    for (const o of n.outputs) seen.add(o);
  }
  // The input model is untouched.
  assert.equal(model.graph.inputs.some((i) => i.name === 'soft_prompt'), false);
  assert.equal(model.graph.nodes.includes(node), true);
  assert.throws(() => addSoftPromptInput(s.model, 2), /exactly one embedding Gather|already has an input/);
  assert.throws(() => addSoftPromptInput(model, 0), /positive integer/);
});

test('batch feeds: rows shared between verbalizers, right padding, flat positions, token ids and padding mask', () => {
  // classes: [7] and [5, 6] (two tokens); example ids of different lengths.
  const b = buildBatch(
    [
      { ids: [1, 2, 3], label: 1 },
      { ids: [1, 4], label: 0 },
    ],
    [[7], [5, 6]],
    10,
  );
  assert.equal(b.rows, 2); // one row per example: [ids…, 5] serves both classes
  assert.equal(b.seqLen, 4);
  assert.deepEqual([...b.inputIds].map(Number), [1, 2, 3, 5, 1, 4, 5, 0]);
  assert.deepEqual([...b.attentionMask].map(Number), [1, 1, 1, 1, 1, 1, 1, 0]);
  // [E=2, C=2, K=2]: class 0 reads the last prompt position; class 1 that and the next.
  assert.deepEqual([...b.scoreRows].map(Number), [2, 0, 2, 3, 5, 0, 5, 6]);
  assert.deepEqual([...b.scoreTokens].map(Number), [7, 0, 5, 6, 7, 0, 5, 6]);
  assert.deepEqual([...b.scoreMask], [1, 0, 1, 1, 1, 0, 1, 1]);
  assert.deepEqual([...b.labelWeights], [0, 0.5, 0.5, 0]);
  assert.throws(() => buildBatch([{ ids: [1], label: 0 }], [[12]], 10), /outside the vocabulary/);
  assert.throws(() => buildBatch([{ ids: [1], label: 3 }], [[2], [3]], 10), /no valid class label/);
});

test('placement: before BOS by default, at the {{softprompt}} slot when the template has one', () => {
  const tokenizer = { encode: (text: string, o?: { addSpecialTokens?: boolean }) => [...(o?.addSpecialTokens === false ? [] : [1]), ...[...text].map((c) => c.charCodeAt(0))] };
  const ctx = { tokenizer, vocabSize: 100, numVirtualTokens: 2 };
  assert.deepEqual(promptIds(ctx, 'ab'), [100, 101, 1, 97, 98]);
  assert.deepEqual(promptIds(ctx, `a${SOFT_PROMPT_MARKER('x')}b`), [1, 97, 100, 101, 98]);
  assert.deepEqual(promptIds(ctx, `${SOFT_PROMPT_MARKER('x')}b`), [1, 100, 101, 98]);
  assert.deepEqual(promptIds({ ...ctx, slot: 'y' }, `a${SOFT_PROMPT_MARKER('x')}${SOFT_PROMPT_MARKER('y')}b`), [1, 97, 100, 101, 98]);
  assert.throws(() => promptIds({ ...ctx, slot: 'z' }, 'ab'), /no \{\{softprompt "z"\}\} slot/);
  assert.throws(() => promptIds(ctx, `${SOFT_PROMPT_MARKER('x')}a${SOFT_PROMPT_MARKER('x')}`), /2 matching/);
});

test('PEFT adapter: PEFT names on disk, round trip, and validation errors that name the file', () => {
  const dir = join(tmp, 'adapter');
  const embeddings = Float32Array.from({ length: 6 }, (_, i) => i / 7);
  saveSoftPrompt(dir, { numVirtualTokens: 2, tokenDim: 3, embeddings, init: 'TEXT', initText: 'hi', baseModel: 'm' });
  const config = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG), 'utf8'));
  assert.equal(config.peft_type, 'PROMPT_TUNING');
  assert.equal(config.task_type, 'CAUSAL_LM');
  assert.equal(config.num_virtual_tokens, 2);
  assert.equal(config.token_dim, 3);
  assert.equal(config.num_transformer_submodules, 1);
  assert.equal(config.prompt_tuning_init, 'TEXT');
  assert.equal(config.prompt_tuning_init_text, 'hi');
  assert.equal(config.inference_mode, true);
  const header = readFileSync(join(dir, 'adapter_model.safetensors'));
  assert.match(header.subarray(8, 8 + Number(header.readBigUInt64LE(0))).toString(), /"prompt_embeddings":\{"dtype":"F32","shape":\[2,3\]/);
  const back = loadSoftPrompt(dir, 3);
  assert.deepEqual(back.embeddings, embeddings);
  assert.equal(back.initText, 'hi');
  assert.throws(() => loadSoftPrompt(dir, 64), (e: Error) => e.message.includes(join(dir, ADAPTER_CONFIG)) && /token_dim 3 .* hidden size 64/.test(e.message));
  assert.throws(() => loadSoftPrompt(join(tmp, 'none')), /adapter_config\.json: file not found/);
  writeFileSync(join(dir, ADAPTER_CONFIG), JSON.stringify({ ...config, num_virtual_tokens: 5 }));
  assert.throws(() => loadSoftPrompt(dir), /adapter_model\.safetensors: 'prompt_embeddings' has shape \[2,3\], adapter_config\.json says \[5, 3\]/);
  writeFileSync(join(dir, ADAPTER_CONFIG), JSON.stringify({ ...config, peft_type: 'LORA' }));
  assert.throws(() => loadSoftPrompt(dir), /peft_type must be "PROMPT_TUNING"/);
});

test('nearest tokens: cosine similarity, best first, with token strings', () => {
  const table = Float32Array.from([1, 0, 0, 1, 1, 1, -1, 0]); // 4 tokens × 2
  const prompt = Float32Array.from([2, 0.1, -3, 0]);
  const near = nearestTokens(prompt, table, { numVirtualTokens: 2, vocabSize: 4, hidden: 2 }, 2, (id) => `t${id}`);
  assert.deepEqual(near[0]!.map((t) => t.id), [0, 2]);
  assert.ok(Math.abs(near[0]![0]!.similarity - 2 / Math.hypot(2, 0.1)) < 1e-6);
  assert.deepEqual(near[1]!.map((t) => t.token), ['t3', 't1']);
  assert.equal(near[1]![0]!.similarity, 1);
});

test('settings: file values over defaults, overrides over the file, bad values named', () => {
  const s = mergeSettings({ tokens: 8, lr: 0.1 }, { lr: 0.01, steps: undefined });
  assert.equal(s.tokens, 8);
  assert.equal(s.lr, 0.01);
  assert.equal(s.optimizer, 'adam', 'the measured default (docs/soft-prompt-defaults.md)');
  assert.throws(() => mergeSettings({ init: 'TEXT' }, {}), /initText/);
  // Values are checked where they enter (front matter, request, CLI flag) against one table.
  assert.throws(() => parseSoftPromptOverrides({ tokens: 0 }, 'params.overrides'), /params\.overrides\.tokens: must be at least 1, got 0/);
  assert.throws(() => parseSoftPromptOverrides({ adapter: 'x' }, 'params.overrides'), /params\.overrides\.adapter/);
});

test('a {{softprompt "name"}} slot in a real .prompt file puts the virtual ids there (after BOS and the text before it)', { skip: modelDir && tinysentDir() ? false : 'needs ../shared models and data' }, async () => {
  const file = join(tmp, 'slot.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${modelDir}`,
      'promptsmith.task:',
      `  dev: ${join(tinysentDir()!, 'dev.jsonl')}`,
      '  labels: { positive: " happy", negative: " sad" }',
      'promptsmith.softPrompt: { tokens: 3, slot: mood }',
      '---',
      '{{text}}{{softprompt "mood"}} They were',
      '',
    ].join('\n'),
  );
  const task = await loadSoftPromptTask(file, { needTrain: false });
  assert.deepEqual(task.classTokens, [[393], [296, 418]]);
  const [first] = splitExamples(task, task.dev, { vocabSize: 512, numVirtualTokens: 3, slot: 'mood' });
  const text = task.tokenizer.encode('Sam got a puppy for his birthday.');
  const tail = task.tokenizer.encode(' They were', { addSpecialTokens: false });
  assert.deepEqual(first!.ids, [...text, 512, 513, 514, ...tail]);
  assert.equal(first!.label, 0);
});
