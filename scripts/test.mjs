// `npm test`: the build first (the unit tests run the built CLI and engine), then the typecheck,
// the lint and the architecture check side by side with the unit tests, at a lower priority, so
// their few CPU-seconds fit in the gaps instead of adding ~5 s in front. The checks' output is
// shown when each ends; the unit tests stream theirs. Fails when any step fails, naming it.
import { spawn, spawnSync } from 'node:child_process';
import { setPriority } from 'node:os';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const node = process.execPath;

function runNow(label, command, args) {
  const r = spawnSync(command, args, { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error(`npm test: ${label} failed`);
    process.exit(r.status ?? 1);
  }
}

/** Runs a step with its output held back until it ends; resolves with its exit code. */
function runQuiet(label, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    // Below the unit tests' priority (what it starts inherits it): the checks fill the cores'
    // gaps and the run's tail instead of slowing the tests down.
    try {
      setPriority(child.pid, 10);
    } catch {
      // Not permitted here: they run at normal priority.
    }
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => out.push(d));
    child.on('close', (code) => {
      const text = Buffer.concat(out).toString().trim();
      process.stderr.write(`# ${label}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`}\n${text ? `${text}\n` : ''}`);
      resolve({ label, code: code ?? 1 });
    });
  });
}

function runStreaming(label, command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('close', (code) => resolve({ label, code: code ?? 1 }));
  });
}

runNow('the dependency check', node, ['scripts/ensure-deps.mjs']);
runNow('the build', node, ['esbuild.config.mjs']);
const results = await Promise.all([
  runQuiet('typecheck', npm, ['run', '-s', 'typecheck']),
  runQuiet('lint', npm, ['run', '-s', 'lint']),
  runQuiet('architecture check', node, ['scripts/check-architecture.mjs']),
  runStreaming('unit tests', node, ['scripts/run-unit-tests.mjs']),
]);
const failed = results.filter((r) => r.code !== 0);
if (failed.length > 0) {
  console.error(`npm test: ${failed.map((r) => r.label).join(', ')} failed`);
  process.exit(1);
}
