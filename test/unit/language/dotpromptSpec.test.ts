// Dotprompt's own spec (google/dotprompt spec/*.yaml at HEAD, vendored with its license in
// fixtures/dotprompt-spec): `promptsmith render` must give the expected messages and config for
// every case, and Promptsmith's Picoschema expansion the expected JSON Schemas. `partials` and
// `resolverPartials` become `_name.prompt` files beside the case (Promptsmith's partial resolver).
// Cases with `options` (metadata a caller passes at render time) have no equivalent in a
// file-based render and are skipped, each by name.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { after, test } from 'node:test';
import { parse } from 'yaml';
import { renderForCli } from '../../../src/cli/commands/render';
import { picoschemaToJsonSchema } from '../../../src/promptFile/picoschemaJson';
import { parsePromptFile } from '../../../src/promptFile/promptFile';
import { parseRenderData } from '../../../src/promptFile/renderData';

const specDir = resolve(__dirname, '../../../test/unit/language/fixtures/dotprompt-spec');
const work = mkdtempSync(join(tmpdir(), 'dotprompt-spec-'));
after(() => rmSync(work, { recursive: true, force: true }));

interface SpecCase {
  desc?: string;
  data?: Record<string, unknown>;
  options?: unknown;
  expect: { messages?: unknown[]; config?: unknown; input?: { schema?: unknown }; output?: { schema?: unknown } };
}
interface SpecSuite {
  name: string;
  template: string;
  data?: Record<string, unknown>;
  schemas?: Record<string, Record<string, unknown>>;
  partials?: Record<string, string>;
  resolverPartials?: Record<string, string>;
  tests: SpecCase[];
}

function specFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? specFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []));
}

const suites = specFiles(specDir).flatMap((file) => (parse(readFileSync(file, 'utf8')) as SpecSuite[]).map((suite) => ({ file: relative(specDir, file), suite })));
const reproduced: string[] = [];
const skipped: string[] = [];

function skipReason(c: SpecCase): string | undefined {
  if (c.options) return 'options (render-time metadata such as input defaults passed by the caller)';
  return undefined;
}

test('every Dotprompt spec case without options or resolverPartials renders the expected messages and config', async () => {
  let n = 0;
  let withMessages = 0;
  for (const { file, suite } of suites) {
    for (const c of suite.tests) {
      const id = `${file} ${suite.name}: ${c.desc ?? ''}`;
      const why = skipReason(c);
      if (why) {
        skipped.push(`${id} — ${why}`);
        continue;
      }
      const dir = join(work, String(n++));
      mkdirSync(dir);
      writeFileSync(join(dir, 'case.prompt'), suite.template);
      for (const [name, source] of Object.entries({ ...suite.partials, ...suite.resolverPartials })) writeFileSync(join(dir, `_${name}.prompt`), source);
      const data = parseRenderData({ ...suite.data, ...c.data }, id);
      const result = await renderForCli(join(dir, 'case.prompt'), data);
      const plain = JSON.parse(JSON.stringify(result)) as typeof result;
      if (c.expect.messages) {
        assert.deepEqual(plain.messages, c.expect.messages, `${id}: messages`);
        withMessages++;
      }
      assert.deepEqual(plain.config, c.expect.config ?? {}, `${id}: config`);
      const parsed = parsePromptFile(suite.template);
      for (const which of ['input', 'output'] as const) {
        const expected = c.expect[which]?.schema;
        if (expected === undefined) continue;
        const schema = which === 'input' ? parsed.input.schema : parsed.output?.schema;
        assert.deepEqual(picoschemaToJsonSchema(schema, suite.schemas), expected, `${id}: ${which}.schema`);
      }
      reproduced.push(id);
    }
  }
  const total = reproduced.length + skipped.length;
  process.stdout.write(`# dotprompt spec: ${reproduced.length} of ${total} cases reproduced, ${skipped.length} skipped:\n${skipped.map((s) => `#   ${s}`).join('\n')}\n`);
  assert.equal(total, suites.reduce((sum, s) => sum + s.suite.tests.length, 0));
  assert.equal(skipped.length, 2, 'only the two `options` cases are skipped');
  assert.ok(withMessages >= 100, `messages compared in ${withMessages} cases`);
});
