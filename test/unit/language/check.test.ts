import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { checkCommand, checkPromptFile, expandPromptPaths } from '../../../src/cli/commands/check';
import { readPromptFile, renderPromptFile, splitSoftPromptMarkers } from '../../../src/promptFile/promptFile';

const repoRoot = resolve(__dirname, '../../..');

async function runCheck(argv: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((chunk: string) => {
    out += chunk;
    return true;
  }) as typeof process.stdout.write;
  try {
    const { parseArgs } = await import('../../../src/cli/args');
    const code = await checkCommand.run(parseArgs(argv, checkCommand.flags));
    return { code, out };
  } finally {
    process.stdout.write = write;
  }
}

test('unexpanded globs: ** at any depth, * within a name, .prompt files only', () => {
  const cwd = process.cwd();
  process.chdir(repoRoot);
  try {
    assert.deepEqual(expandPromptPaths(['examples/**/*.prompt']), expandPromptPaths(['examples']));
    assert.deepEqual(expandPromptPaths(['examples/*/sentiment*.prompt']), ['examples/sentiment/sentiment-slot.prompt', 'examples/sentiment/sentiment.prompt']);
    assert.deepEqual(expandPromptPaths(['examples/**/_*.prompt']), ['examples/story/_character.prompt']);
    assert.deepEqual(expandPromptPaths(['nowhere/**/*.prompt']), ['nowhere/**/*.prompt']);
  } finally {
    process.chdir(cwd);
  }
});

test('every example is clean and renders; the sentiment task has exactly the data warnings its tinysent data deserves', async () => {
  const files = expandPromptPaths([join(repoRoot, 'examples')]);
  assert.ok(files.some((f) => f.endsWith('sentiment/sentiment.prompt')));
  // tinysent's dev shares its 20 events with train (README), 64 rows are few, and ' sad' is two tokens.
  const deserved: Record<string, string[]> = {
    'sentiment/sentiment.prompt': ['dev-near-train', 'small-eval-set', 'verbalizer-length'],
    'sentiment/sentiment-slot.prompt': ['dev-near-train', 'small-eval-set', 'verbalizer-length'],
  };
  for (const file of files) {
    const { diagnostics } = checkPromptFile(file);
    const expected = Object.entries(deserved).find(([suffix]) => file.endsWith(suffix))?.[1] ?? [];
    assert.deepEqual(
      diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map((d) => d.code),
      expected,
      file,
    );
    if (file.includes('/_')) continue;
    const parsed = readPromptFile(file);
    const rendered = await renderPromptFile(parsed, { text: 'Amy ate a big piece of cake.', question: 'Why is the sky blue?', story: 'Tom met Sam.' });
    assert.ok(rendered.text.length > 0, file);
  }
  const sentiment = readPromptFile(join(repoRoot, 'examples/sentiment/sentiment.prompt'));
  assert.deepEqual(sentiment.task!.labels, { positive: ' happy', negative: ' sad' });
  assert.equal((await renderPromptFile(sentiment, { text: 'Amy ate a big piece of cake.' })).text, 'Amy ate a big piece of cake. They were');
  const slot = await renderPromptFile(readPromptFile(join(repoRoot, 'examples/sentiment/sentiment-slot.prompt')), { text: 'Amy ate cake.' });
  assert.deepEqual(splitSoftPromptMarkers(slot.text), [
    { kind: 'text', text: 'Amy ate cake.' },
    { kind: 'softPrompt', name: 'mood' },
    { kind: 'text', text: ' They were' },
  ]);
  const story = await renderPromptFile(readPromptFile(join(repoRoot, 'examples/story/story.prompt')), {});
  assert.match(story.text, /^Once upon a time, there was a little girl named Lily\./);
  assert.equal(readFileSync(join(repoRoot, 'examples/sentiment/data/dev.jsonl'), 'utf8').trim().split('\n').length, 64);
});

test('check prints file:line:col severity code, exits 1 on errors, and --json gives the same data', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-check-'));
  const bad = join(dir, 'bad.prompt');
  writeFileSync(bad, '---\ninput: { schema: { text: string } }\nconfig: { temprature: 1 }\n---\n{{#if text}}{{txt}}\n');
  const text = await runCheck([bad]);
  assert.equal(text.code, 1);
  assert.deepEqual(text.out.trim().split('\n'), [
    `${bad}:3:11: warning unknown-config-key: the local runtime ignores config 'temprature' (it knows temperature, maxOutputTokens, topK, topP, stopSequences)`,
    `${bad}:5:1: error unclosed-block: block 'if' is never closed: add '{{/if}}'`,
    '1 file checked: 1 error, 1 warning',
  ]);
  const json = await runCheck([bad, '--json']);
  assert.equal(json.code, 1);
  const parsed = JSON.parse(json.out) as { files: { diagnostics: { code: string; line: number; column: number }[] }[]; errors: number; warnings: number };
  assert.equal(parsed.errors, 1);
  assert.equal(parsed.warnings, 1);
  assert.deepEqual(
    parsed.files[0]!.diagnostics.map((d) => [d.code, d.line, d.column]),
    [
      ['unknown-config-key', 3, 11],
      ['unclosed-block', 5, 1],
    ],
  );
  const missing = await runCheck([join(dir, 'nope.prompt')]);
  assert.equal(missing.code, 1);
  assert.match(missing.out, /file-unreadable/);
  assert.equal((await runCheck([join(repoRoot, 'examples')])).code, 0);
});
