// `compare` end to end through the CLI on the real stories260k and tinysent (train/dev for
// tuning, test for the table): one row per method, each measured by the same evaluation, the
// hand-written prompt's test accuracy as tinysent's README gives it, Wilson intervals, McNemar
// p-values against it, each method's cost, the Markdown report and the run record.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { wilsonInterval } from '../../../src/datasets/wilson';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { SERVED_NAME, serveStories } from '../remote/remoteHelpers';
import { cliBundle } from '../host/engineBundle';

const modelDir = storiesHfDir();
const dataDir = tinysentDir();
const skip = modelDir && dataDir ? false : STORIES_ABSENT;
const ws = mkdtempSync(join(tmpdir(), 'compare-'));
after(() => rmSync(ws, { recursive: true, force: true }));

function promptFile(): string {
  const file = join(ws, 'sentiment.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${modelDir}`,
      'promptsmith.task:',
      `  train: ${join(dataDir!, 'train.jsonl')}`,
      `  dev: ${join(dataDir!, 'dev.jsonl')}`,
      `  test: ${join(dataDir!, 'test.jsonl')}`,
      '  labels: { positive: " happy", negative: " sad" }',
      'promptsmith.softPrompt: { steps: 4, evalEvery: 2 }',
      'promptsmith.finetune: { steps: 4, evalEvery: 2 }',
      // A short search: the tests check the rows, not how good the prompts get.
      'promptsmith.rl: { steps: 3, samplesPerStep: 4, examplesPerStep: 8, evalEvery: 1 }',
      'promptsmith.variants: { felt: "{{text}} They felt" }',
      '---',
      '{{text}} They were',
      '',
    ].join('\n'),
  );
  return file;
}

test('compare --json: manual (and its variant), soft and LoRA rows on the test split with intervals, paired tests, costs, a report and a run record', { skip }, () => {
  const file = promptFile();
  const r = spawnSync(process.execPath, [cliBundle(), 'compare', file, '--methods', 'manual,soft,lora', '--json', '--device', 'cpu'], { cwd: ws, encoding: 'utf8', timeout: 300_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const result = lines.at(-1);
  assert.equal(result.type, 'result');
  assert.deepEqual(
    result.rows.map((row: { method: string; variant?: string }) => (row.variant ? `${row.method}:${row.variant}` : row.method)),
    ['manual', 'manual:felt', 'soft', 'lora'],
  );
  assert.equal(result.test_rows, 200);
  const [manual, felt, soft, lora] = result.rows;
  // tinysent/README.md: `{text} They were` scores 0.795 on test; 64 rows of train give 0.625.
  assert.equal(manual.test_acc, 0.795);
  assert.deepEqual(manual.test_ci, [wilsonInterval(159, 200).low, wilsonInterval(159, 200).high]);
  assert.equal(manual.vs_manual_p, null);
  assert.equal(manual.trainable_params, 0);
  for (const row of result.rows) {
    assert.equal(row.status, 'done', row.note);
    for (const key of ['test_acc', 'dev_acc', 'train_acc', 'trainable_params', 'seconds', 'peak_rss_mb']) assert.equal(typeof row[key], 'number', `${row.method}.${key}`);
    assert.ok(row.peak_rss_mb > 50, `${row.method}: a process of its own has a real peak (${row.peak_rss_mb} MiB)`);
  }
  // Prompt engineering: the variant is exactly what `eval` measures with that template, tested against the written one.
  const variantFile = join(ws, 'felt.prompt');
  writeFileSync(variantFile, readFileSync(file, 'utf8').replace('{{text}} They were\n', '{{text}} They felt\n'));
  const evaluated = spawnSync(process.execPath, [cliBundle(), 'eval', variantFile, '--data', join(dataDir!, 'test.jsonl'), '--device', 'cpu', '--json'], { cwd: ws, encoding: 'utf8', timeout: 120_000 });
  assert.equal(evaluated.status, 0, evaluated.stderr);
  assert.equal(felt.test_acc, JSON.parse(evaluated.stdout).accuracy);
  assert.ok(felt.vs_manual_p > 0 && felt.vs_manual_p <= 1);
  assert.equal(felt.trainable_params, 0);
  assert.equal(soft.trainable_params, 8 * 64, 'the default 8 virtual tokens of d = 64');
  assert.ok(soft.vs_manual_p > 0 && soft.vs_manual_p <= 1);
  assert.ok(lora.trainable_params > 0 && lora.trainable_params < 260_032);
  assert.ok(existsSync(join(lora.artifact, 'adapter_config.json')));
  assert.ok(lines.some((l) => l.type === 'progress'), 'progress lines come first');

  assert.ok(result.run_dir && existsSync(join(result.run_dir, 'report.md')));
  const report = readFileSync(join(result.run_dir, 'report.md'), 'utf8');
  assert.match(report, /held-out test split \(200 rows\)/);
  assert.match(report, /^\| manual \| 79\.5% \|/m);
  const record = JSON.parse(readFileSync(join(result.run_dir, 'run.json'), 'utf8'));
  assert.equal(record.kind, 'compare');
  assert.equal(record.status, 'completed');
  const stored = JSON.parse(readFileSync(join(result.run_dir, 'result.json'), 'utf8'));
  assert.equal(stored.comparison.length, 4);
  assert.match(report, /^\| manual:felt \| [\d.]+% \|/m);
  assert.equal(stored.metrics.manual_test_acc, 0.795);

  const bad = spawnSync(process.execPath, [cliBundle(), 'compare', file, '--methods', 'manual,magic'], { cwd: ws, encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--methods: unknown method 'magic'/);
});

test('compare --model: a local model runs every method on a copy of the task; a remote one skips the methods that need weights and scores the rest through its endpoint', { skip }, async () => {
  const file = promptFile();
  const cli = (args: string[]) => spawnAsync(process.execPath, [cliBundle(), 'compare', file, '--json', '--device', 'cpu', ...args], ws);
  const onnxDir = await storiesOnnxDir();
  const local = JSON.parse((await cli(['--methods', 'manual', '--model', onnxDir])).trim().split('\n').at(-1)!);
  assert.equal(local.rows[0].test_acc, 0.795);
  const copy = readFileSync(join(local.run_dir, 'sentiment.prompt'), 'utf8');
  assert.match(copy, new RegExp(`model: ${onnxDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  const { server } = await serveStories();
  try {
    // A short budget: the search stops after its first step (one always runs).
    const out = await cli(['--methods', 'manual,soft,random', '--budget-minutes', '0.04', '--model', `openai-compatible/${SERVED_NAME}`, '--endpoint', server.url, '--policy-model', modelDir!]);
    const rows = JSON.parse(out.trim().split('\n').at(-1)!).rows;
    assert.deepEqual(
      rows.map((r: { method: string; status: string }) => `${r.method} ${r.status}`),
      ['manual done', 'manual done', 'soft skipped', 'random done'],
    );
    assert.equal(rows[0].test_acc, 0.795, 'the hand-written prompt through the endpoint scores as it does locally');
    assert.match(rows[2].note, /soft prompt tuning needs the model's weights here; openai-compatible\/stories260k is served elsewhere/);
    assert.equal(typeof rows[3].test_acc, 'number');

    // The file's own model may be the remote one (what the editor's Compare command sends): the same split.
    const own = join(ws, 'remote.prompt');
    writeFileSync(own, readFileSync(file, 'utf8').replace(`model: ${modelDir}`, `model: openai-compatible/${SERVED_NAME}\npromptsmith.endpoint: ${server.url}`));
    const ownOut = await spawnAsync(process.execPath, [cliBundle(), 'compare', own, '--json', '--device', 'cpu', '--methods', 'manual,soft'], ws);
    const ownRows = JSON.parse(ownOut.trim().split('\n').at(-1)!).rows;
    assert.deepEqual(
      ownRows.map((r: { method: string; status: string }) => `${r.method} ${r.status}`),
      ['manual done', 'manual done', 'soft skipped'],
    );
    assert.equal(ownRows[0].test_acc, 0.795);
  } finally {
    await server.close();
  }
});

/** The CLI in a child process while this process serves the model (spawnSync would block the server). */
function spawnAsync(command: string, args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}: ${stderr}`))));
  });
}
