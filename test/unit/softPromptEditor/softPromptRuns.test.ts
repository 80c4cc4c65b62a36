// Finding the soft prompt a .prompt file was last tuned to, on real run folders written by the
// run store, with the nearest tokens computed by the engine's own nearestTokens.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeJsonAtomic } from '../../../src/runs/atomicFile';
import { createRun, openRun, type RunHandle } from '../../../src/runs/runWriter';
import { readRunSummary } from '../../../src/runs/runReader';
import { NEAREST_TOKENS_FILE, nearestTokens } from '../../../src/engine/tuning/softprompt/nearestTokens';
import { saveSoftPrompt } from '../../../src/engine/tuning/softprompt/peft';
import { adapterDir, findNewestSoftRun, isRunOf, newestSoftPromptHint, parseNearestTokens, readSoftPromptHint } from '../../../src/extension/softPrompt/softPromptRuns';

const ws = mkdtempSync(join(tmpdir(), 'soft-hints-'));
after(() => rmSync(ws, { recursive: true, force: true }));
mkdirSync(join(ws, 'prompts'));
const promptA = join(ws, 'prompts', 'a.prompt');
const promptB = join(ws, 'prompts', 'b.prompt');
writeFileSync(promptA, '---\nmodel: m\n---\n{{text}} It was');
writeFileSync(promptB, '---\nmodel: m\n---\n{{text}} It felt');

// A 6-token vocabulary in 3 dimensions and a 2-token soft prompt close to tokens 1 and 4.
const VOCAB = ['▁sad', '▁happy', '▁the', '▁a', '▁joy', '.'];
const TABLE = Float32Array.from([-1, 0, 0, 1, 0.1, 0, 0, 1, 0, 0, 0.9, 0.1, 0.9, 0, 0.3, 0, 0, 1]);
const PROMPT = Float32Array.from([2, 0.2, 0, 1, 0, 0.5]);

function softRun(promptFile: string, opts: { status: 'completed' | 'cancelled'; nearest?: boolean; devAcc?: number; settings?: Record<string, string | number> }): RunHandle {
  const run = createRun(ws, { kind: 'soft', name: 'a', promptFile, model: 'm', device: 'cpu', settings: opts.settings ?? {}, status: 'running' });
  run.setStatus('running');
  run.appendEvent({ type: 'progress', step: 1, totalSteps: 1, loss: 0.7, elapsed_s: 0.1 });
  const adapter = adapterDir({ dir: run.dir, meta: run.meta() });
  saveSoftPrompt(adapter, { numVirtualTokens: 2, tokenDim: 3, embeddings: PROMPT, init: 'RANDOM', baseModel: 'm' });
  const nearest = nearestTokens(PROMPT, TABLE, { numVirtualTokens: 2, vocabSize: 6, hidden: 3 }, 3, (id) => VOCAB[id]!);
  if (opts.nearest !== false) writeJsonAtomic(join(adapter, NEAREST_TOKENS_FILE), nearest);
  run.writeResult({
    metrics: { dev_acc: opts.devAcc ?? 0.75, manual_dev_acc: 0.5 },
    bestPrompts: [{ text: nearest.map((r) => r[0]!.token).join(' '), tokens: nearest.map((r) => r[0]!.token), ids: nearest.map((r) => r[0]!.id) }],
  });
  run.setStatus(opts.status);
  return run;
}

test('the newest completed soft run of the file gives its nearest tokens with cosine similarity', () => {
  assert.equal(findNewestSoftRun(ws, promptA), undefined);
  assert.equal(newestSoftPromptHint(ws, promptA), undefined);
  const first = softRun('prompts/a.prompt', { status: 'completed', devAcc: 0.6 });
  softRun('prompts/b.prompt', { status: 'completed', devAcc: 0.9 });
  softRun(promptA, { status: 'cancelled', devAcc: 0.95 });
  // An eval run of the same file and a damaged folder are not soft prompts.
  const evalRun = createRun(ws, { kind: 'eval', name: 'a', promptFile: promptA, model: 'm', device: 'cpu' });
  evalRun.setStatus('completed');
  mkdirSync(join(ws, '.promptsmith', 'runs', '20990101-000000-soft-broken'));
  writeFileSync(join(ws, '.promptsmith', 'runs', '20990101-000000-soft-broken', 'run.json'), '{ not json');

  const read = newestSoftPromptHint(ws, promptA);
  assert.equal(read?.problem, undefined);
  const hint = read!.hint!;
  assert.equal(hint.runId, first.id);
  assert.equal(hint.numVirtualTokens, 2);
  assert.equal(hint.devAcc, 0.6);
  assert.equal(hint.manualDevAcc, 0.5);
  assert.deepEqual(
    hint.nearest.map((row) => row.map((t) => t.token)),
    [
      ['▁happy', '▁joy', '▁the'],
      ['▁joy', '▁happy', '.'],
    ],
  );
  for (const row of hint.nearest) {
    assert.ok(row[0]!.similarity! >= row[1]!.similarity! && row[1]!.similarity! >= row[2]!.similarity!);
    assert.ok(row[0]!.similarity! <= 1 + 1e-6 && row[0]!.similarity! > 0.9, String(row[0]!.similarity));
  }
  assert.equal(newestSoftPromptHint(ws, promptB)?.hint?.devAcc, 0.9);
});

test('newest means last finished: a resumed run with an older folder name wins', async () => {
  const older = softRun(promptB, { status: 'cancelled', devAcc: 0.1 });
  await new Promise((r) => setTimeout(r, 1100)); // folder names have one-second resolution
  const newer = softRun(promptB, { status: 'completed', devAcc: 0.2 });
  assert.ok(older.id < newer.id);
  assert.equal(findNewestSoftRun(ws, promptB)?.id, newer.id);
  // The older run is resumed and completes later: its end time is now the latest.
  await new Promise((r) => setTimeout(r, 20));
  // The engine reopens a run folder with openRun when it resumes it.
  const reopened = openRun(older.dir);
  reopened.setStatus('running');
  reopened.setStatus('completed');
  assert.equal(findNewestSoftRun(ws, promptB)?.id, older.id);
});

test('runs are matched to the file by path, relative to the workspace or absolute', () => {
  const summary = readRunSummary(softRun('prompts/a.prompt', { status: 'completed' }).dir);
  assert.ok(isRunOf(summary, ws, promptA));
  assert.ok(isRunOf(summary, ws, join(ws, 'prompts', '..', 'prompts', 'a.prompt')));
  assert.ok(!isRunOf(summary, ws, promptB));
  assert.ok(!isRunOf(summary, join(ws, 'prompts'), promptA));
});

test('older runs without nearest_tokens.json show the result’s closest tokens; damage is one clear line', () => {
  const run = softRun(promptA, { status: 'completed', nearest: false });
  const old = readSoftPromptHint(readRunSummary(run.dir));
  assert.deepEqual(old.hint?.nearest, [[{ id: 1, token: '▁happy' }], [{ id: 4, token: '▁joy' }]]);

  const nearestFile = join(adapterDir({ dir: run.dir, meta: run.meta() }), NEAREST_TOKENS_FILE);
  writeFileSync(nearestFile, JSON.stringify([[{ id: 1, token: 'a', similarity: 0.5 }], [{ id: 2, token: 'b', similarity: 'high' }]]));
  assert.equal(readSoftPromptHint(readRunSummary(run.dir)).problem, `${nearestFile}[1][0].similarity: expected a finite number`);
  writeFileSync(nearestFile, '[[{"id": 1, "tok');
  assert.match(readSoftPromptHint(readRunSummary(run.dir)).problem ?? '', new RegExp(`^${nearestFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON`));
  assert.throws(() => parseNearestTokens({}, 'f.json'), /^Error: f\.json: expected an array/);
  assert.throws(() => parseNearestTokens([[{ id: 1.5, token: 'a', similarity: 0 }]], 'f.json'), /f\.json\[0\]\[0\]\.id: expected an integer/);

  const broken = readSoftPromptHint(readRunSummary(join(ws, '.promptsmith', 'runs', '20990101-000000-soft-broken')));
  assert.match(broken.problem ?? '', /run\.json: not valid JSON/);
});
