// `promptsmith check` on Dotprompt's own example and sample files (google/dotprompt examples/ and
// packages/monaco/samples/ at HEAD, vendored with their license). Each file's errors are listed
// here; every Handlebars error is one the dotprompt library itself fails to render on, and the
// `valid-*` examples that Handlebars can parse render to the messages their roles describe.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { Dotprompt } from 'dotprompt';
import { renderForCli } from '../../../src/cli/commands/render';
import { checkPromptFile, expandPromptPaths } from '../../../src/cli/commands/check';

const root = resolve(__dirname, '../../../test/unit/language/fixtures/dotprompt-examples');

/** Error codes per file; files not listed have none. */
const EXPECTED_ERRORS: Record<string, string[]> = {
  'examples/autocomplete.prompt': ['unbalanced-braces'], // written half-typed on purpose, to try completion
  'examples/error-invalid-yaml.prompt': ['yaml-syntax'],
  'examples/error-multiple-issues.prompt': ['unbalanced-braces'],
  'examples/error-unclosed-block.prompt': ['unclosed-block'],
  'examples/error-unmatched-closing-block.prompt': ['unmatched-close-block'],
  // `{{#if age >= 18}}`: Handlebars has no operators; the dotprompt library cannot render it either.
  'examples/valid-greeting.prompt': ['handlebars-syntax'],
  // `style?: "formal" | "casual" | "technical"` is not YAML (nor Picoschema).
  'samples/02-schema-and-config.prompt': ['picoschema', 'yaml-syntax'],
  // `{ name: string, … }[]` is not YAML.
  'samples/06-partials.prompt': ['yaml-syntax'],
  // `{{section "thought"}}…{{/section}}`: section is not a block helper.
  'samples/08-sections-thinking.prompt': ['unmatched-close-block'],
  'samples/10-kitchen-sink.prompt': ['unmatched-close-block', 'yaml-syntax'],
};
const HANDLEBARS_ERRORS = ['unbalanced-braces', 'unclosed-block', 'unmatched-close-block', 'handlebars-syntax'];

function checked(helpers: string[] = []) {
  return expandPromptPaths([join(root, 'examples'), join(root, 'samples')]).map((file) => ({ rel: file.slice(root.length + 1), result: checkPromptFile(file, undefined, helpers) }));
}

test("check on Dotprompt's examples and samples: the listed errors and no others; the library fails on each Handlebars error too", async () => {
  const files = checked();
  assert.equal(files.length, 27);
  for (const { rel, result } of files) {
    const errors = [...new Set(result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.code))].sort();
    assert.deepEqual(errors, EXPECTED_ERRORS[rel] ?? [], rel);
    if (errors.some((code) => HANDLEBARS_ERRORS.includes(code))) {
      const source = readFileSync(join(root, rel), 'utf8');
      await assert.rejects(new Dotprompt().render(source.slice(source.indexOf('---'))), `${rel}: the dotprompt library should fail too`);
    }
  }
  const yamlErrors = files.flatMap((f) => f.result.diagnostics.filter((d) => d.code === 'yaml-syntax'));
  assert.equal(yamlErrors.length, 4, 'one YAML error per broken front matter, not one per token after it');
  assert.match(yamlErrors.find((d) => d.message.includes('{ … }[]'))!.message, /field\(array\): \{ name: string \}/);
});

test('declaring the application helpers of the helper sample (add, gt) removes its unknown-helper warnings', () => {
  const warnings = (helpers?: string[]) =>
    checked(helpers)
      .find((f) => f.rel === 'samples/05-handlebars-helpers.prompt')!
      .result.diagnostics.filter((d) => d.code === 'unknown-helper')
      .map((d) => d.message.split(':')[0]);
  assert.deepEqual(warnings(), ["unknown helper 'add'", "unknown helper 'gt'"]);
  assert.deepEqual(warnings(['add', 'gt']), []);
});

test("Dotprompt's role-block examples render to a system and a user message", async () => {
  const support = await renderForCli(join(root, 'examples/valid-customer-support.prompt'), { input: { name: 'Ann', email: 'ann@example.com', company: 'Acme' } });
  assert.deepEqual(
    support.messages.map((m) => m.role),
    ['system', 'user'],
  );
  assert.match(JSON.stringify(support.messages[1]), /my name is Ann and I work at Acme/);
  const blog = await renderForCli(join(root, 'examples/valid-blog-generator.prompt'), { input: { topic: 'tea' } });
  assert.deepEqual(
    blog.messages.map((m) => [m.role, m.content.length]),
    [
      ['system', 1],
      ['user', 1],
    ],
  );
  assert.deepEqual(blog.config, { temperature: 0.9 });
});
