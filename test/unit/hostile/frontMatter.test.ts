// Generated front matter with hostile keys in every place a key can go: names of JavaScript's
// object machinery (`__proto__`, `constructor`, `prototype`, also dotted), inherited names
// (`toString`), numbers, booleans, nulls, empty and unicode keys. Every case must parse and be
// analysed without an exception, put every problem at a real position, leave Object.prototype
// untouched, refuse each unsafe key with an error naming it, and render or fail with a clean
// PromptFileError. `check` must report every file, with 1-based line and column numbers.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { checkPromptFile } from '../../../src/cli/commands/check';
import { analyzePromptSource } from '../../../src/language/analysis/diagnostics';
import { hoverAt } from '../../../src/language/features/hover';
import { completionsAt } from '../../../src/language/features/completion';
import { PromptFileError, parsePromptFile, renderPromptFile } from '../../../src/promptFile/promptFile';
import { unsafeSegmentOf } from '../../../src/promptFile/unsafeKeys';
import { pick, seededCases } from './hostileCases';

const UNSAFE = ['__proto__', 'constructor', 'prototype', '__proto__.polluted', 'constructor.prototype', 'a.__proto__.b', 'x.constructor'];
const ODD = ['toString', 'valueOf', 'hasOwnProperty', '7', '0', '-1', '1.5', 'true', 'null', '~', '""', "''", 'é', '键', 'a.b', 'a..b', '.', 'promptsmith', 'promptsmith.task'];
const KEYS = [...UNSAFE, ...ODD, 'model', 'config', 'input', 'name'];
const VALUES = ['yes', '7', '8.5', 'null', '{}', '[]', '{7: 8}', '{a: 1}', '[1, 2]', '"text"', '&a v', '{__proto__: {polluted: 1}}'];

/** Places a key can be written, as YAML lines. */
const PLACES: ((key: string, value: string) => string)[] = [
  (k, v) => `${k}: ${v}`,
  (k, v) => `config:\n  ${k}: ${v}`,
  (k, v) => `input:\n  schema:\n    ${k}: string\n  default:\n    ${k}: ${v}`,
  (k, v) => `promptsmith.softPrompt:\n  ${k}: ${v}`,
  (k, v) => `promptsmith.task:\n  labels:\n    ${k}: " happy"\n    b: ${v}`,
  (k, v) => `promptsmith.rl: {${k}: ${v}}`,
  (k, v) => `metadata:\n  ${k}:\n    ${k}: ${v}`,
  (k, v) => `${k}.${k}: ${v}`,
];

function prototypeFingerprint(): string {
  return JSON.stringify([Object.getOwnPropertyNames(Object.prototype).sort(), Object.getOwnPropertyNames(Function.prototype).sort(), Object.getOwnPropertyNames(Array.prototype).sort()]);
}

interface Tally {
  cases: number;
  clean: number;
  refusedUnsafe: number;
}

test('generated hostile keys: no exception, no pollution, every problem placed, every unsafe key refused by name', async () => {
  const before = prototypeFingerprint();
  const tally: Tally = { cases: 0, clean: 0, refusedUnsafe: 0 };
  for (const random of seededCases(400, 1)) {
    const lines = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(random, PLACES)(pick(random, KEYS), pick(random, VALUES)));
    const source = `---\n${lines.join('\n')}\n---\nHello {{name}} {{constructor}} {{toString}} {{> __proto__}}\n`;
    tally.cases++;
    const analysis = analyzePromptSource(source);
    for (const p of analysis.problems) {
      assert.ok(Number.isInteger(p.start) && Number.isInteger(p.end) && p.start >= 0 && p.end >= p.start && p.end <= source.length, `problem without a position in:\n${source}\n${JSON.stringify(p)}`);
    }
    const parsed = parsePromptFile(source);
    // After a YAML syntax error the rest of the document is not read at all (nothing to refuse).
    const readWhole = !parsed.problems.some((p) => p.code === 'yaml-syntax');
    for (const line of readWhole ? lines : []) {
      for (const key of line.match(/[\w.$]*(__proto__|constructor|prototype)[\w.]*(?=:)/g) ?? []) {
        if (unsafeSegmentOf(key) === undefined) continue;
        assert.ok(parsed.problems.some((p) => p.code === 'unsafe-key' && p.severity === 'error' && p.message.includes(`'${key}'`)), `'${key}' not refused in:\n${source}`);
        tally.refusedUnsafe++;
      }
    }
    assert.equal(JSON.stringify(Object.keys(parsed.ext).filter((ns) => unsafeSegmentOf(ns) !== undefined)), '[]');
    try {
      await renderPromptFile(parsed, { name: 'x' });
    } catch (err) {
      assert.ok(err instanceof PromptFileError, `render threw ${(err as Error).stack}`);
    }
    // The editor's features on the same analysis answer too.
    completionsAt(analysis, source.indexOf('Hello'), []);
    await hoverAt(analysis, source.indexOf('name'), () => ({ tokenizer: 'none' }));
    await hoverAt(analysis, 5, () => ({ tokenizer: 'none' }));
    assert.equal(prototypeFingerprint(), before, `Object.prototype changed by:\n${source}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    tally.clean++;
  }
  console.log(`front matter: ${tally.cases} generated files, ${tally.clean} handled cleanly, ${tally.refusedUnsafe} unsafe keys refused by name, 0 polluted`);
  assert.equal(tally.clean, tally.cases);
});

test('the issue’s cases: __proto__.polluted is refused and assigns nothing; {7: 8} and numeric top-level keys get real positions', () => {
  const polluted = parsePromptFile('---\nmodel: x\n__proto__.polluted: yes\nconstructor.prototype.bad: 1\n---\nHi\n');
  assert.deepEqual(
    polluted.problems.map((p) => [p.code, p.severity]),
    [
      ['unsafe-key', 'error'],
      ['unsafe-key', 'error'],
    ],
  );
  assert.match(polluted.problems[0]!.message, /^the key '__proto__\.polluted' is refused/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(Object.getPrototypeOf(polluted.ext), null);

  const dir = mkdtempSync(join(tmpdir(), 'ps-keys-'));
  const files = {
    'numeric-in-map.prompt': '---\npromptsmith.softPrompt: {7: 8}\n---\nhi\n',
    'numeric-top.prompt': '---\n7: x\n---\nhi\n',
    'fine.prompt': '---\nmodel: x\n---\nhi\n',
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const checked = Object.keys(files).map((name) => checkPromptFile(join(dir, name)));
  assert.deepEqual(
    checked.map((f) => f.diagnostics.map((d) => `${d.code}@${d.line}:${d.column}`)),
    [['promptsmith-unknown-key@2:26'], ['unknown-key@2:1'], []],
  );
});
