// Bundles test/unit/**/*.test.ts with esbuild and runs them with node's test runner.
// Usage: node scripts/run-unit-tests.mjs [filter-substring]
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { groupEntrySource, planTestProcesses } from './unit-test-groups.mjs';

// One folder per run, so parallel runs (several terminals, watch mode) never clobber each other.
const outdir = join('.test-out', String(process.pid));
const filter = process.argv[2];

function findTests(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return findTests(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const tests = findTests('test/unit').filter((f) => !filter || f.includes(filter));
rmSync(outdir, { recursive: true, force: true });
// Files that need no process of their own share one, a few groups in all (unit-test-groups.mjs).
const GROUPS = 6;
const plan = planTestProcesses(tests, (f) => readFileSync(f, 'utf8'), GROUPS);
const entryDir = join(outdir, 'group-entries');
mkdirSync(entryDir, { recursive: true });
const entryPoints = [
  ...plan.alone.map((t) => ({ in: t, out: t.slice('test/unit/'.length).replace(/\.ts$/, '') })),
  ...plan.groups.map((group, i) => {
    const entry = join(entryDir, `in-process-${i + 1}.js`);
    writeFileSync(entry, groupEntrySource(group.map((f) => resolve(f)), resolve('test/unit')));
    // One level below outdir, as every other bundle: tests that find the repository from their
    // bundle's folder find it from here too.
    return { in: entry, out: `groups/in-process-${i + 1}.test` };
  }),
];
await esbuild.build({
  entryPoints,
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  // Node parses every inline map when a file loads: without the sources' text (stack traces
  // still name the .ts file and line) each big bundle loads about 0.1 s faster.
  sourcesContent: false,
  external: ['vscode', 'onnxruntime-node'],
  logLevel: 'warning',
});
// The files that start processes first: they are the long ones, so the groups fill the end.
const files = entryPoints.map((e) => join(outdir, `${e.out}.js`));
// Without --enable-source-maps: with it, every stack trace a test makes (thrown errors included)
// decodes its bundle's whole map, which cost 11-25 s of the suite's ~2 minutes. The maps stay in
// the bundles, and the files with a failing test run again with them, so a failure is shown at
// its .ts line.
const failedList = join(outdir, 'failed-files.json');
const reporter = process.stdout.isTTY ? 'spec' : 'tap';
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=2', `--test-reporter=${reporter}`, '--test-reporter-destination=stdout', '--test-reporter=./scripts/failed-test-files.mjs', `--test-reporter-destination=${failedList}`, ...files],
  { stdio: 'inherit' },
);
if (result.status !== 0 && existsSync(failedList)) {
  const failed = JSON.parse(readFileSync(failedList, 'utf8'));
  if (failed.length > 0) {
    console.error(`\n# ${failed.length} file(s) failed; running them again with source maps (stack traces at .ts lines):\n`);
    spawnSync(process.execPath, ['--enable-source-maps', '--test', `--test-reporter=${reporter}`, ...failed], { stdio: 'inherit' });
  }
}
rmSync(outdir, { recursive: true, force: true });
process.exit(result.status ?? 1);
