// Bad input never throws or hangs the analysis: a 5 MB file, binary garbage, an empty file,
// a huge front matter. Times are printed (the bounds are generous: CI machines are shared).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { parsePromptFile, renderPromptFile } from '../../../src/promptFile/promptFile';

function timed(label: string, source: string) {
  const start = performance.now();
  const analysis = analyzePromptSource(source);
  const ms = performance.now() - start;
  console.log(`${label}: ${(source.length / 1e6).toFixed(1)} MB analysed in ${ms.toFixed(0)} ms, ${analysis.problems.length} problems`);
  assert.ok(ms < 30_000, `${label} took ${ms} ms`);
  return analysis;
}

const line = 'Tell {{name}} a story about {{#if topic}}{{topic}}{{else}}anything{{/if}}.\n';

test('a 5 MB template is analysed (structure only) without hanging', () => {
  const a = timed('5 MB template', `---\ninput:\n  schema: { name: string, topic?: string }\n---\n${line.repeat(Math.ceil(5e6 / line.length))}`);
  assert.deepEqual(
    a.problems.map((p) => p.code),
    ['analysis-limited'],
  );
  assert.ok(a.template.tags.length > 300_000);
});

test('a 300 KB template still gets the full Handlebars analysis', () => {
  const a = timed('300 KB template', `---\ninput:\n  schema: { name: string }\n---\n${'Hi {{name}}, {{oops}}.\n'.repeat(13_000)}`);
  assert.equal(a.problems.filter((p) => p.code === 'undefined-variable').length, 500);
  assert.equal(a.problems.at(-1)!.code, 'too-many-problems');
});

test('binary garbage, lone braces and deep nesting give problems, not exceptions', () => {
  timed('binary latin1', randomBytes(5e6).toString('latin1'));
  timed('binary utf8', randomBytes(5e6).toString('utf8'));
  const braces = timed('braces', '{{'.repeat(1e6));
  assert.ok(braces.problems.some((p) => p.severity === 'error'));
  const opens = timed('opens', '{{#if a}}'.repeat(2e5));
  assert.ok(opens.problems.length <= 501);
  timed('deep yaml', `---\na: ${'['.repeat(20_000)}\n---\nx`);
  timed('null bytes', '\0'.repeat(1e6));
});

test('an empty file and a huge front matter', async () => {
  assert.deepEqual(timed('empty', '').problems, []);
  const huge = `---\nmetadata:\n${'  k: "0123456789012345678901234567890123456789"\n'.repeat(10_000)}---\nhi`;
  const a = timed('huge front matter', huge);
  assert.deepEqual(
    a.problems.map((p) => p.code),
    ['front-matter-too-large'],
  );
  await assert.rejects(renderPromptFile(parsePromptFile(huge), {}), /larger than/);
});
