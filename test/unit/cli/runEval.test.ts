import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { STORIES_ABSENT, storiesOnnxDir, tinysentDir } from '../helpers/fixtures';
import { cliBundle } from '../host/engineBundle';

const data = tinysentDir();

async function sentimentPrompt(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'cli-run-'));
  const file = join(dir, 's.prompt');
  writeFileSync(
    file,
    `---\nmodel: ${await storiesOnnxDir()}\nconfig: { temperature: 0, maxOutputTokens: 12 }\ninput:\n  schema: { text: string }\npromptsmith.task:\n  dev: ${join(data!, 'dev.jsonl')}\n  labels: { positive: " happy", negative: " sad" }\n---\n{{text}} They were\n`,
  );
  return file;
}

function cli(args: string[]) {
  return spawnSync(process.execPath, [cliBundle(), ...args], { encoding: 'utf8', timeout: 120_000 });
}

test('promptsmith eval --json reports accuracy, per-label metrics and the device', { skip: !data && STORIES_ABSENT }, async () => {
  const r = cli(['eval', await sentimentPrompt(), '--device', 'cpu', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.equal(out.n, 64);
  assert.ok(Math.abs(out.accuracy - 0.594) < 0.008, `accuracy ${out.accuracy}`);
  assert.deepEqual(Object.keys(out.per_label).sort(), ['negative', 'positive']);
  assert.equal(out.device, 'cpu');
});

test('promptsmith run renders the inputs and generates greedily with the file config', { skip: !data && STORIES_ABSENT }, async () => {
  const file = await sentimentPrompt();
  const a = cli(['run', file, '--input', 'text=Lily found a shiny stone.', '--json']);
  assert.equal(a.status, 0, a.stderr);
  const out = JSON.parse(a.stdout);
  assert.equal(out.prompt, 'Lily found a shiny stone. They were');
  assert.equal(out.ids.length, 12, 'maxOutputTokens from the front matter');
  assert.equal(out.device, 'cpu');
  const b = JSON.parse(cli(['run', file, '--input', 'text=Lily found a shiny stone.', '--json']).stdout);
  assert.deepEqual(b.ids, out.ids, 'temperature 0 is greedy: the same text twice');
});

test('bad CLI input exits 2 with usage; a missing file exits 1 naming it', () => {
  assert.equal(cli(['run']).status, 2);
  assert.equal(cli(['run', 'x.prompt', '--input', 'novalue']).status, 2);
  const missing = cli(['eval', '/nonexistent/p.prompt']);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/nonexistent\/p\.prompt/);
});
