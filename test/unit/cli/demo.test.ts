import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../helpers/fixtures';

// `npm run demo` is the README's main job: run the built CLI as it does (npm test builds dist/
// first), with few steps, in a scratch folder that receives the run record.
const cli = join(repoRoot(), 'dist', 'cli.js');

test('the demo evaluates the hand-written prompt, tunes a soft prompt and prints train/dev/test for both', { skip: !existsSync(cli) && 'dist/cli.js is not built (npm run build)' }, () => {
  const cwd = mkdtempSync(join(tmpdir(), 'demo-'));
  const r = spawnSync(process.execPath, [cli, 'demo', '--steps', '20', '--device', 'cpu'], { cwd, encoding: 'utf8', timeout: 180_000 });
  assert.equal(r.status, 0, r.stderr);
  // The embedded model and task give the independently measured 59.4% (dev) and 79.5% (test,
  // tinysent/README.md) for the hand-written template.
  assert.match(r.stdout, /accuracy +59\.4% on 64 rows of dev/);
  assert.match(r.stdout, /hand-written prompt +[\d.]+% +59\.4% +79\.5% +[−+][\d.]+ pts/);
  assert.match(r.stdout, /\d+-token soft prompt +[\d.]+% +[\d.]+% +[\d.]+% +[−+][\d.]+ pts/, r.stdout);
  assert.match(r.stdout, /gap \(train − test\)/);
  // tinysent's dev shares its events with train: the demo says so.
  assert.match(r.stdout, /warning: 64 of 64 dev rows \(100%\) are near-copies of training rows/);
  assert.match(r.stdout, /step +20\/20 +loss [\d.]+ .*dev accuracy/);
  assert.match(r.stdout, /v0: \S+/, 'nearest tokens are printed');
  const record = r.stdout.match(/run record: (\S+run\.json)/);
  assert.ok(record && existsSync(record[1]!), 'the run is recorded in the current folder');
  assert.ok(record[1]!.startsWith(cwd));
});
