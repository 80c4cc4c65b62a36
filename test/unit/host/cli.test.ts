import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { STORIES_ABSENT, storiesHfDir, storiesOnnxDir } from '../helpers/fixtures';
import { storiesReference } from '../runtime/sharedModels';
import { cliBundle, runCli as runBundledCli } from './engineBundle';

const skip = storiesHfDir() ? false : STORIES_ABSENT;
let cli: string;
let model: string;
before(async () => {
  cli = cliBundle();
  if (!skip) model = await storiesOnnxDir();
});

const runCli = (args: string[]) => runBundledCli(cli, args);

test('generate --json prints one object with the generated ids (prompt excluded)', { skip }, async () => {
  const r = await runCli(['generate', model, '--prompt', '', '--max-tokens', '64', '--greedy', '--device', 'cpu', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const out = JSON.parse(lines[0]!);
  const ref = storiesReference();
  assert.deepEqual(out.ids, ref.greedy_from_bos);
  assert.equal(out.text, ref.greedy_text);
  assert.equal(out.device, 'cpu');
  assert.ok(out.tokens_per_s > 0);
});

test('generate without --json streams the text to stdout', { skip }, async () => {
  const r = await runCli(['generate', model, '--prompt', '', '--max-tokens', '12', '--greedy', '--device', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.startsWith('Once upon a time, there was a little girl'), r.stdout);
  assert.match(r.stderr, /\[12 tokens, [\d.]+ tokens\/s on cpu, length/);
});

test('score --json gives the summed log-prob and the tokens', { skip }, async () => {
  const c = storiesReference().prompt_logprob_case;
  const r = await runCli(['score', model, '--prompt', c.text, '--continuation', ' happy', '--json', '--device', 'cpu']);
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  assert.ok(Math.abs(out.logprob - c.next_token_logprobs_top5[0]![1]) < 1e-4);
  assert.deepEqual(out.tokens.map((t: { id: number }) => t.id), [393]);
});

test('bad input: one-line errors and usage exit codes', async () => {
  const missing = await runCli(['generate', '/no/such/model', '--prompt', 'x']);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr.trim(), "promptsmith generate: model '/no/such/model': no such folder, and not a hub id (org/name)");
  const device = await runCli(['generate', 'm', '--prompt', 'x', '--device', 'tpu']);
  assert.equal(device.code, 2);
  assert.match(device.stderr, /--device must be one of auto, cpu/);
  const noPrompt = await runCli(['score', 'm', '--continuation', 'x']);
  assert.equal(noPrompt.code, 2);
  assert.match(noPrompt.stderr, /missing --prompt/);
});
