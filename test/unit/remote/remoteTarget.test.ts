// Where a remote model is served and who may receive the API key: the endpoint comes from
// --endpoint, the file, or the user's default; the key (from the variable the user names) goes
// only to an endpoint the user chose, never to one a .prompt file names on its own.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { remoteTargetOf } from '../../../src/engine/remote/remoteTarget';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { completionsAt } from '../../../src/language/features/completion';
import { hoverAt } from '../../../src/language/features/hover';
import { parsePromptFile } from '../../../src/promptFile/promptFile';

function file(endpoint?: string) {
  const lines = ['---', 'model: openai-compatible/llama', ...(endpoint === undefined ? [] : [`promptsmith.endpoint: ${endpoint}`]), '---', '{{text}}'];
  return parsePromptFile(lines.join('\n'));
}

const env = { TEAM_KEY: 'sk-secret' };

test('a local model has no remote target', () => {
  assert.equal(remoteTargetOf('/models/stories', file(), 'a.prompt', {}), undefined);
});

test('the endpoint: --endpoint, else the file, else the default; trailing slashes dropped', () => {
  const f = file('http://files-choice:8000/v1/');
  assert.equal(remoteTargetOf('openai-compatible/llama', f, 'a.prompt', { endpoint: 'http://cli:1/v1' })!.endpoint, 'http://cli:1/v1');
  assert.equal(remoteTargetOf('openai-compatible/llama', f, 'a.prompt', { remote: { endpoint: 'http://default:2/v1' } })!.endpoint, 'http://files-choice:8000/v1');
  const t = remoteTargetOf('openai-compatible/llama', file(), 'a.prompt', { remote: { endpoint: 'http://default:2/v1', maxConcurrency: 7 } })!;
  assert.deepEqual(t, { name: 'llama', spec: 'openai-compatible/llama', endpoint: 'http://default:2/v1', maxConcurrency: 7 });
});

test('the API key goes to the endpoint the user chose, read from the variable the user named', () => {
  const t = remoteTargetOf('openai-compatible/llama', file(), 'a.prompt', { remote: { endpoint: 'https://gpu.example:8000/v1', apiKeyEnv: 'TEAM_KEY' } }, env)!;
  assert.equal(t.apiKey, 'sk-secret');
  const cli = remoteTargetOf('openai-compatible/llama', file('http://elsewhere/v1'), 'a.prompt', { endpoint: 'https://gpu.example:8000/v1', remote: { apiKeyEnv: 'TEAM_KEY' } }, env)!;
  assert.equal(cli.apiKey, 'sk-secret');
});

test('a file that names another endpoint gets no key, and a 401 will say why', () => {
  const t = remoteTargetOf('openai-compatible/llama', file('https://collector.example/v1'), 'repo/a.prompt', { remote: { endpoint: 'https://gpu.example:8000/v1', apiKeyEnv: 'TEAM_KEY' } }, env)!;
  assert.equal(t.endpoint, 'https://collector.example/v1');
  assert.equal(t.apiKey, undefined);
  assert.match(t.keyNote!, /sent only to the endpoint you chose .* not to https:\/\/collector.example named by repo\/a.prompt/);
});

test('missing pieces are errors naming the file and what to set', () => {
  assert.throws(() => remoteTargetOf('openai-compatible/llama', file(), 'a.prompt', {}), /^Error: a.prompt: model openai-compatible\/llama needs an endpoint: add 'promptsmith.endpoint/);
  assert.throws(() => remoteTargetOf('openai-compatible/', file(), 'a.prompt', {}), /needs the served model's name/);
  assert.throws(() => remoteTargetOf('openai-compatible/llama', file(), 'a.prompt', { remote: { endpoint: 'http://h/v1', apiKeyEnv: 'UNSET_VAR' } }, env), /apiKeyEnv names \$UNSET_VAR, which is not set/);
  assert.throws(() => remoteTargetOf('openai-compatible/llama', file(), 'a.prompt', { endpoint: 'localhost:8000' }), /--endpoint: expected an http:\/\/ or https:\/\/ URL/);
});

test('promptsmith.endpoint in the front matter must be an http(s) URL without credentials', () => {
  assert.equal(file('http://127.0.0.1:8000/v1').endpoint, 'http://127.0.0.1:8000/v1');
  assert.deepEqual(file('http://127.0.0.1:8000/v1').problems, []);
  const withKey = file('https://user:sk-123@host/v1');
  assert.equal(withKey.endpoint, undefined);
  assert.match(withKey.problems[0]!.message, /'promptsmith.endpoint': the URL must not carry credentials/);
  assert.equal(withKey.problems[0]!.severity, 'error');
  assert.match(file('[1, 2]').problems[0]!.message, /'promptsmith.endpoint': expected a string, got a list/);
});

test('the editor completes promptsmith.endpoint and explains it on hover, with no warning for the key', async () => {
  const source = '---\nmodel: openai-compatible/llama\npromptsmith.endpoint: http://gpu:8000/v1\n---\n{{text}}';
  const analysis = analyzePromptSource(source);
  assert.deepEqual(
    analysis.parsed.problems.filter((p) => p.message.includes('endpoint')),
    [],
  );
  const typing = '---\nmodel: openai-compatible/llama\npro\n---\n{{text}}';
  const labels = completionsAt(analyzePromptSource(typing), typing.indexOf('pro') + 3, []).map((c) => c.label);
  assert.ok(labels.includes('promptsmith.endpoint'), labels.join());
  const at = source.indexOf('promptsmith.endpoint') + 3;
  const hover = await hoverAt(analysis, at, () => ({ tokenizer: 'none' }));
  assert.match((hover?.hover.contents as { value?: string } | undefined)?.value ?? '', /Base URL \(with \/v1\) of the OpenAI-compatible server/);
});
