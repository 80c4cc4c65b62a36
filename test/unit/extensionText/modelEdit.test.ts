// "Use this model" edits: the front matter's `model:` value is replaced (comments and other keys
// untouched), or a `model:` line is added; the result parses to the new model.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { modelEdit } from '../../../src/extension/finetune/modelEdit';
import { parsePromptFile } from '../../../src/promptFile/promptFile';

const apply = (source: string, model: string) => {
  const e = modelEdit(source, model);
  return source.slice(0, e.start) + e.text + source.slice(e.end);
};

test('Use this model replaces the model value, adds a model line, or adds front matter', () => {
  const withModel = '# license\n---\nmodel: ../../models/stories260k   # the embedded one\nconfig: { temperature: 0 }\n---\n{{text}} They were\n';
  const replaced = apply(withModel, './.promptsmith/runs/r1/model');
  assert.equal(parsePromptFile(replaced).model, './.promptsmith/runs/r1/model');
  assert.match(replaced, /# the embedded one\nconfig: \{ temperature: 0 \}/, 'the comment and other keys stay');

  const noModel = '---\ninput:\n  schema: { text: string }\n---\n{{text}}\n';
  const added = apply(noModel, '/abs/model dir');
  assert.equal(parsePromptFile(added).model, '/abs/model dir');
  assert.deepEqual(parsePromptFile(added).problems, []);

  const noFrontMatter = apply('{{text}} They were\n', './m');
  assert.equal(parsePromptFile(noFrontMatter).model, './m');
  assert.equal(parsePromptFile(noFrontMatter).template, '{{text}} They were');
});
