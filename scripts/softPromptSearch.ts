// The soft prompt settings search behind docs/soft-prompt-defaults.md, run through the product's
// own `tuneSoftPrompt` (same init, optimizer, selection and evaluation as `tune soft`).
//
// Selection never sees test.jsonl: train.jsonl + dev.jsonl are grouped into events (rows that are
// near-duplicates up to a name: src/datasets/nearDuplicates.ts) and the events dealt into K folds.
// For fold k, the other folds' train rows train, their dev rows select and stop early (as in the
// product, where dev shares events with train), and fold k's rows (new events) validate. Only the
// `confirm` mode touches test.jsonl, once per chosen setting.
//
// Usage (bundle first: npx esbuild scripts/softPromptSearch.ts --bundle --platform=node
// --external:onnxruntime-node --outfile=.test-out/search.js; see docs/soft-prompt-defaults.md):
//   node .test-out/search.js search  <configs.json> <results.jsonl> [--folds K] [--seeds 0,1]
//   node .test-out/search.js confirm <configs.json> <results.jsonl> [--seeds 0,1,2]
// configs.json: [{ "name": "...", "settings": { tokens, init, lr, … } }, …]; settings as in the
// .prompt file (omitted ones take the defaults). Results are appended one JSON line per run, and
// runs already in the results file are skipped, so an interrupted search continues.
import { existsSync, mkdirSync, readFileSync, appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { nearDuplicateGroups, rowText } from '../src/datasets/nearDuplicates';
// mulberry32 as the tiny test models use it; it fixed the folds of the published search.
import { seededRandom } from '../src/engine/onnx/export/tinyModels';
import type { SoftPromptOverrides } from '../src/protocol/methods/tuneSoft';
import { tuneSoftPrompt } from '../src/engine/tuning/softprompt/tuneSoftPrompt';

const ROOT = resolve(__dirname, '..');
const TASK = join(ROOT, 'examples', 'sentiment');
const MODEL = join(ROOT, 'models', 'stories260k');

interface Config {
  name: string;
  settings: SoftPromptOverrides;
}

type Row = { text: string; label: string };
const readRows = (file: string): Row[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Row);
const writeRows = (file: string, rows: Row[]) => writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

/** The sentiment task's template and labels with the given splits, and no soft prompt settings. */
function promptFile(dir: string, splits: { train: string; dev: string; test: string }): string {
  const file = join(dir, 'task.prompt');
  writeFileSync(
    file,
    [
      '---',
      `model: ${MODEL}`,
      'input:',
      '  schema:',
      '    text: string',
      'promptsmith.task:',
      `  train: ${splits.train}`,
      `  dev: ${splits.dev}`,
      `  test: ${splits.test}`,
      '  labels:',
      '    positive: " happy"',
      '    negative: " sad"',
      '---',
      '{{text}} They were',
      '',
    ].join('\n'),
  );
  return file;
}

/** Fold k of K: the other folds' train/dev rows train/select, fold k's rows validate. */
function makeFolds(K: number, workDir: string): string[] {
  const train = readRows(join(TASK, 'data', 'train.jsonl')).map((r) => ({ ...r, from: 'train' }));
  const dev = readRows(join(TASK, 'data', 'dev.jsonl')).map((r) => ({ ...r, from: 'dev' }));
  const pool = [...train, ...dev];
  const groups = nearDuplicateGroups(pool.map((r) => rowText({ text: r.text })));
  const count = Math.max(...groups) + 1;
  const order = Array.from({ length: count }, (_, g) => g);
  const random = seededRandom(12);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const foldOf = new Map(order.map((g, i) => [g, i % K]));
  return Array.from({ length: K }, (_, k) => {
    const dir = join(workDir, `fold${k}`);
    mkdirSync(dir, { recursive: true });
    const strip = (r: Row & { from: string }) => ({ text: r.text, label: r.label });
    const held = pool.filter((_, i) => foldOf.get(groups[i]!) === k);
    writeRows(join(dir, 'train.jsonl'), pool.filter((r, i) => r.from === 'train' && foldOf.get(groups[i]!) !== k).map(strip));
    writeRows(join(dir, 'dev.jsonl'), pool.filter((r, i) => r.from === 'dev' && foldOf.get(groups[i]!) !== k).map(strip));
    writeRows(join(dir, 'val.jsonl'), held.map(strip));
    return promptFile(dir, { train: join(dir, 'train.jsonl'), dev: join(dir, 'dev.jsonl'), test: join(dir, 'val.jsonl') });
  });
}

function done(results: string): Set<string> {
  if (!existsSync(results)) return new Set();
  return new Set(
    readFileSync(results, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => {
        const r = JSON.parse(l) as { name: string; split: string; seed: number };
        return `${r.name}|${r.split}|${r.seed}`;
      }),
  );
}

/** Rows of the held-out split a task file names (fold validation or test.jsonl). */
function heldoutRows(file: string): number {
  const test = /\n {2}test: (.*)\n/.exec(readFileSync(file, 'utf8'))![1]!;
  return readRows(test).length;
}

async function runOne(file: string, config: Config, seed: number, out: string) {
  const started = Date.now();
  const r = await tuneSoftPrompt({ promptFile: file, overrides: { ...config.settings, seed }, out });
  rmSync(out, { recursive: true, force: true });
  return {
    train_acc: r.train_acc,
    dev_acc: r.dev_acc,
    heldout_acc: r.test_acc,
    heldout_n: heldoutRows(file),
    manual_heldout_acc: r.manual_test_acc,
    best_step: r.best_step,
    steps_run: r.steps_run,
    seconds: (Date.now() - started) / 1000,
  };
}

async function main() {
  const [mode, configsFile, results, ...rest] = process.argv.slice(2);
  if (!mode || !configsFile || !results) throw new Error('usage: search|confirm <configs.json> <results.jsonl> [--folds K] [--seeds a,b]');
  const flag = (name: string, fallback: string) => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1]! : fallback;
  };
  const seeds = flag('seeds', mode === 'confirm' ? '0,1,2' : '0').split(',').map(Number);
  const configs = JSON.parse(readFileSync(configsFile, 'utf8')) as Config[];
  const workDir = join(tmpdir(), `softprompt-search-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  const files =
    mode === 'confirm'
      ? [{ split: 'test', file: promptFile(workDir, { train: join(TASK, 'data', 'train.jsonl'), dev: join(TASK, 'data', 'dev.jsonl'), test: join(TASK, 'data', 'test.jsonl') }) }]
      : makeFolds(Number(flag('folds', '4')), workDir).map((file, k) => ({ split: `fold${k}`, file }));
  const finished = done(results);
  for (const config of configs) {
    for (const seed of seeds) {
      for (const { split, file } of files) {
        if (finished.has(`${config.name}|${split}|${seed}`)) continue;
        const r = await runOne(file, config, seed, join(workDir, 'adapter'));
        const line = { name: config.name, settings: config.settings, split, seed, ...r };
        appendFileSync(results, `${JSON.stringify(line)}\n`);
        console.log(JSON.stringify(line));
      }
    }
  }
  rmSync(workDir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
