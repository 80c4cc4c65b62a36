// Runs the benchmarks: bundles every bench/*.bench.ts with esbuild (as the unit test runner
// does), runs each in its own node process (so memory and timing don't leak between benches),
// prints one table and writes it to bench/results/latest.md.
// Usage: node bench/run.mjs [name-filter] [--json]      (npm run bench builds dist/ first; a
// filtered run prints its table without replacing bench/results/latest.md). With --json, stdout
// gets one JSON object per row and line, {"bench","metric","value","unit"}, and everything else
// (the benches' logs, the table with its targets) goes to stderr. Each bench also gets a row with
// the machine's 1-minute load average just before it ran (the machine may be shared).
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const json = args.includes('--json');
const filter = args.find((a) => !a.startsWith('--'));
const unknown = args.filter((a) => a.startsWith('--') && a !== '--json');
if (unknown.length > 0) {
  console.error(`unknown option ${unknown.join(' ')} (usage: node bench/run.mjs [name-filter] [--json])`);
  process.exit(2);
}
// Human output goes to stderr in JSON mode, so stdout holds only the rows.
const say = json ? (text) => process.stderr.write(text) : (text) => process.stdout.write(text);
const emit = (row) => {
  if (json) process.stdout.write(`${JSON.stringify({ bench: row.bench, metric: row.metric, value: Number.isFinite(row.value) ? row.value : null, unit: row.unit ?? '' })}\n`);
};
const outdir = join('.test-out', `bench-${process.pid}`);
const files = readdirSync('bench')
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error(`no bench/*.bench.ts${filter ? ` matching '${filter}'` : ''}`);
  process.exit(2);
}

rmSync(outdir, { recursive: true, force: true });
await esbuild.build({
  entryPoints: files.map((f) => join('bench', f)),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  // Native modules and the comparison library stay real modules from node_modules.
  external: ['vscode', 'onnxruntime-node', '@huggingface/transformers', 'playwright-core', 'esbuild'],
  logLevel: 'warning',
});

// The child prints its rows as one JSON line after this marker.
const MARKER = '@@bench-rows@@';
const child = `
  const m = require(process.argv[1]);
  const fn = m.default ?? m;
  Promise.resolve().then(() => fn()).then(
    (rows) => { console.log(${JSON.stringify(MARKER)} + JSON.stringify(rows)); process.exit(0); },
    (err) => { console.error(err && err.stack || String(err)); process.exit(1); });
`;

const rows = [];
let failed = false;
for (const file of files) {
  const bundle = join(process.cwd(), outdir, file.replace(/\.ts$/, '.js'));
  const name = file.replace(/\.bench\.ts$/, '');
  process.stderr.write(`--- ${name}\n`);
  const started = Date.now();
  const load = { bench: name, metric: 'load_average_1m', value: loadavg()[0], unit: 'load', note: `just before the bench, ${cpus().length} cores` };
  const result = spawnSync(process.execPath, ['--enable-source-maps', '-e', child, bundle], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 });
  const line = (result.stdout ?? '').split('\n').find((l) => l.startsWith(MARKER));
  say((result.stdout ?? '').split('\n').filter((l) => l && !l.startsWith(MARKER)).map((l) => `  ${l}\n`).join(''));
  const benchRows = [load];
  if (result.status === 0 && line) {
    benchRows.push(...JSON.parse(line.slice(MARKER.length)));
  } else {
    failed = true;
    benchRows.push({ bench: name, metric: 'FAILED', value: Number.NaN, note: `exit ${result.status ?? result.signal}; see the log above` });
  }
  for (const row of benchRows) {
    rows.push(row);
    emit(row);
  }
  process.stderr.write(`    (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
rmSync(outdir, { recursive: true, force: true });

function formatValue(v) {
  if (typeof v !== 'number' || !Number.isFinite(v)) return String(v);
  const abs = Math.abs(v);
  return abs >= 1000 ? v.toFixed(0) : abs >= 10 ? v.toFixed(1) : abs >= 0.01 ? v.toFixed(3) : v.toExponential(2);
}

const header = ['bench', 'metric', 'value', 'unit', 'target', 'note'];
const table = [header, header.map(() => '---'), ...rows.map((r) => [r.bench, r.metric, formatValue(r.value), r.unit ?? '', r.target ?? '', r.note ?? ''])];
const md = table.map((cells) => `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`).join('\n');
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${process.platform}-${process.arch}`;
const report = `# Benchmarks\n\n${new Date().toISOString()} — ${machine}\n\n${md}\n`;
say(`\n${md}\n\n`);
// Only a full run replaces the recorded table; a filtered run just prints.
if (!filter) {
  mkdirSync(join('bench', 'results'), { recursive: true });
  writeFileSync(join('bench', 'results', 'latest.md'), report);
}
process.exit(failed ? 1 : 0);
