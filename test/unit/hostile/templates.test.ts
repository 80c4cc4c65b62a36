// Templates built to hurt Handlebars: thousands of nested blocks of every kind, nested
// sub-expressions, random tag soup, partials that include each other, partial names that climb
// out of the prompt's folder. Analysis answers within a bound with a clear diagnostic; render
// refuses with a PromptFileError that says what is wrong (never "Maximum call stack size
// exceeded"), and no file outside the prompt's folder is ever read.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkPromptFile } from '../../../src/cli/commands/check';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { checkEnvironment, nodeEnvironment } from '../../../src/language/analysis/environmentChecks';
import { PromptFileError, parsePromptFile, readPromptFile, renderPromptFile } from '../../../src/promptFile/promptFile';
import { MAX_TEMPLATE_NESTING } from '../../../src/promptFile/templateLimits';
import { pick, seededCases } from './hostileCases';

const NESTERS: ((depth: number) => string)[] = [
  (d) => `${'{{#if a}}'.repeat(d)}x${'{{/if}}'.repeat(d)}`,
  (d) => `${'{{#each items}}'.repeat(d)}{{this}}${'{{/each}}'.repeat(d)}`,
  (d) => `${'{{#with a}}{{#unless b}}'.repeat(Math.ceil(d / 2))}x${'{{/unless}}{{/with}}'.repeat(Math.ceil(d / 2))}`,
  (d) => `${'{{^a}}'.repeat(d)}x${'{{/a}}'.repeat(d)}`,
  (d) => '{{#if a}}'.repeat(d), // never closed
  (d) => `{{json ${'(lookup '.repeat(d)}a${' "b")'.repeat(d)}}}`,
  (d) => `${'{{~#if a~}}\n'.repeat(d)}x${'{{~/if~}}\n'.repeat(d)}`,
];

function timed<T>(run: () => T): { value: T; ms: number } {
  const started = performance.now();
  const value = run();
  return { value, ms: performance.now() - started };
}

test('thousands of nested blocks or sub-expressions: a clear diagnostic fast, and render refuses by name', async () => {
  let cases = 0;
  let slowest = 0;
  for (const nest of NESTERS) {
    for (const depth of [MAX_TEMPLATE_NESTING + 1, 2_000, 4_000, 10_000]) {
      const template = nest(depth);
      const { value: analysis, ms } = timed(() => analyzePromptSource(`---\nmodel: x\n---\n${template}`));
      slowest = Math.max(slowest, ms);
      assert.ok(
        analysis.problems.some((p) => p.code === 'template-too-deep' && p.severity === 'error'),
        `depth ${depth} of ${template.slice(0, 40)}: ${analysis.problems.map((p) => p.code).join(', ')}`,
      );
      await assert.rejects(renderPromptFile(parsePromptFile(template), { a: true, items: [1] }), (err: Error) => err instanceof PromptFileError && /nests blocks and sub-expressions more than 100 levels deep/.test(err.message));
      cases++;
    }
  }
  console.log(`nesting: ${cases} templates up to 10,000 levels refused; slowest analysis ${slowest.toFixed(0)} ms`);
  assert.ok(slowest < 10_000, `analysis took ${slowest} ms`);
});

test('nesting up to the bound still renders (real templates are a few levels deep)', async () => {
  const template = `${'{{#if a}}'.repeat(MAX_TEMPLATE_NESTING)}deep${'{{/if}}'.repeat(MAX_TEMPLATE_NESTING)}`;
  assert.equal((await renderPromptFile(parsePromptFile(template), { a: true })).text, 'deep');
  assert.ok(!analyzePromptSource(template).problems.some((p) => p.severity === 'error'));
});

const SOUP = ['{{', '}}', '{{#if a}}', '{{/if}}', '{{else}}', '{{#each xs}}', '{{/each}}', '{{> p}}', '{{#> p}}', '{{/p}}', '(', ')', '{{!--', '--}}', '{{{', '}}}', '{{json this}}', '{{role "user"}}', '{{softprompt}}', '\\{{', '~', '"', 'text ', '\n', '{{@root.a}}', '{{../a}}', '{{this.constructor}}', '{{lookup a "__proto__"}}'];

test('random tag soup: analysis never throws, render fails only with a PromptFileError, never a stack overflow', async () => {
  const outcomes = { rendered: 0, refused: 0 };
  for (const random of seededCases(300, 2)) {
    const template = Array.from({ length: 5 + Math.floor(random() * 60) }, () => pick(random, SOUP)).join('');
    const analysis = analyzePromptSource(template);
    for (const p of analysis.problems) assert.ok(Number.isInteger(p.start) && p.end >= p.start, JSON.stringify(p));
    try {
      await renderPromptFile(parsePromptFile(template), { a: 1, xs: [1, 2] }, { partials: { p: 'P {{a}}' } });
      outcomes.rendered++;
    } catch (err) {
      assert.ok(err instanceof PromptFileError, `${template}\n${(err as Error).stack}`);
      assert.doesNotMatch((err as Error).message, /Maximum call stack/);
      outcomes.refused++;
    }
  }
  console.log(`tag soup: 300 templates, ${outcomes.rendered} rendered, ${outcomes.refused} refused cleanly`);
});

function folderWithOutside(): { root: string; dir: string; secret: string } {
  const root = mkdtempSync(join(tmpdir(), 'ps-partials-'));
  const dir = join(root, 'ws', 'prompts');
  mkdirSync(dir, { recursive: true });
  mkdirSync(join(root, 'outside'));
  const secret = 'SECRET-FROM-OUTSIDE-THE-FOLDER';
  for (const name of ['_x.prompt', '_passwd.prompt']) writeFileSync(join(root, 'outside', name), secret);
  writeFileSync(join(root, 'ws', '_up.prompt'), secret);
  symlinkSync(join(root, 'outside', '_x.prompt'), join(dir, '_linked.prompt'));
  writeFileSync(join(dir, '_fine.prompt'), 'fine {{a}}');
  return { root, dir, secret };
}

test('partial names that leave the prompt’s folder: an error in check and the editor, never read by render', async () => {
  const { root, dir, secret } = folderWithOutside();
  // `_` is put before the name, so `../x` stays inside (`_..` is a folder name); a `/` after the first part climbs.
  const escapes = ['/../../outside/x', '/../../../outside/x', 'a/../../../outside/x', 'a/b/../../../../outside/passwd', 'linked'];
  const staysInside = ['../../outside/x', '../up', `${root}/outside/x`, 'a/../fine'];
  for (const name of staysInside) {
    const file = join(dir, 'inside.prompt');
    writeFileSync(file, `---\nmodel: x\n---\n{{> "${name}"}}\n`);
    try {
      assert.doesNotMatch((await renderPromptFile(readPromptFile(file), { a: 1 })).text, new RegExp(secret));
    } catch (err) {
      assert.ok(err instanceof PromptFileError && !err.message.includes(secret), String(err));
    }
  }
  let refused = 0;
  for (const [i, name] of escapes.entries()) {
    for (const tag of [`{{> "${name}"}}`, `{{> '${name}'}}`, `{{#> "${name}"}}fallback{{/"${name}"}}`]) {
      const file = join(dir, `escape${i}.prompt`);
      writeFileSync(file, `---\nmodel: x\n---\nA ${tag} {{> fine}} B\n`);
      const parsed = readPromptFile(file);
      if (tag.startsWith('{{#>')) {
        // Dotprompt never resolves a partial block's name: Handlebars renders the fallback.
        assert.doesNotMatch((await renderPromptFile(parsed, { a: 1 })).text, new RegExp(secret));
      } else {
        await assert.rejects(renderPromptFile(parsed, { a: 1 }), (err: Error) => {
          assert.ok(err instanceof PromptFileError);
          assert.match(err.message, /resolves outside the prompt's folder/);
          assert.doesNotMatch(err.message, new RegExp(secret));
          return true;
        });
      }
      const analysis = analyzePromptSource(parsed.source);
      const noTokenizer = () => {
        throw new Error('no tokenizer');
      };
      const env = checkEnvironment(analysis, nodeEnvironment(file, noTokenizer));
      assert.ok(env.some((p) => p.code === 'partial-outside-folder' && p.severity === 'error'), `${tag}: ${env.map((p) => p.code)}`);
      assert.ok(checkPromptFile(file).diagnostics.some((d) => d.code === 'partial-outside-folder'));
      refused++;
    }
  }
  // The same partial inside the folder works.
  writeFileSync(join(dir, 'ok.prompt'), '---\nmodel: x\n---\nA {{> fine}} B\n');
  assert.equal((await renderPromptFile(readPromptFile(join(dir, 'ok.prompt')), { a: 1 })).text, 'A fine 1 B');
  console.log(`partials: ${refused} escaping partial tags refused, none read`);
});

test('partials that include each other: the error names the cycle instead of overflowing the stack', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-cycle-'));
  writeFileSync(join(dir, '_self.prompt'), 'S {{> self}}');
  writeFileSync(join(dir, '_a.prompt'), 'A {{> b}}');
  writeFileSync(join(dir, '_b.prompt'), 'B {{> c}}');
  writeFileSync(join(dir, '_c.prompt'), 'C {{> a}}');
  for (const [root, cycle] of [
    ['self', 'self → self'],
    ['a', 'a → b → c → a'],
  ] as const) {
    const file = join(dir, `${root}-main.prompt`);
    writeFileSync(file, `---\nmodel: x\n---\n{{> ${root}}}\n`);
    await assert.rejects(renderPromptFile(readPromptFile(file), {}), new RegExp(`partials include each other without end \\(${cycle}\\)`));
  }
});

test('a partial that is a FIFO, or too large, is refused without hanging', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ps-partial-files-'));
  execFileSync('mkfifo', [join(dir, '_pipe.prompt')]);
  writeFileSync(join(dir, '_huge.prompt'), 'x'.repeat(5 * 1024 * 1024));
  for (const [name, why] of [
    ['pipe', /not a regular file \(a named pipe\)/],
    ['huge', /more than the 4 MB Promptsmith reads/],
  ] as const) {
    const file = join(dir, `${name}.prompt`);
    writeFileSync(file, `---\nmodel: x\n---\n{{> ${name}}}\n`);
    await assert.rejects(renderPromptFile(readPromptFile(file), {}), why);
  }
});
