import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { skipNoStories, storiesHf, storiesReference } from './sharedModels';

test('stories260k tokenizer reproduces reference encode_cases and greedy_text', { skip: skipNoStories }, () => {
  const tok = loadTokenizer(storiesHf);
  const ref = storiesReference();
  for (const c of ref.encode_cases) assert.deepEqual(tok.encode(c.text), c.ids, `encode ${JSON.stringify(c.text)}`);
  assert.equal(tok.decode(ref.greedy_from_bos), ref.greedy_text);
  assert.equal(tok.bosId, 1);
  assert.equal(tok.eosId, 2);
  assert.equal(tok.unkId, 0);
  assert.equal(tok.padId, undefined);
  assert.equal(tok.vocabSize, 512);
  assert.deepEqual(tok.encode(' happy', { addSpecialTokens: false }), [393]);
  assert.equal(tok.idToToken(393), '▁happy');
  assert.equal(tok.hasChatTemplate, false);
  assert.throws(() => tok.applyChatTemplate([{ role: 'user', content: 'x' }]), /tokenizer_config\.json: the model has no chat_template/);
});

test('chat template renders through jinja with the special tokens', { skip: skipNoStories }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tok-'));
  try {
    copyFileSync(join(storiesHf, 'tokenizer.json'), join(dir, 'tokenizer.json'));
    const template = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>', eos_token: { content: '</s>' }, chat_template: template }));
    const tok = loadTokenizer(dir);
    assert.equal(tok.hasChatTemplate, true);
    assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }]), '<s><user>Hi</s><assistant>');
    assert.equal(tok.applyChatTemplate([{ role: 'user', content: 'Hi' }], { addGenerationPrompt: false }), '<s><user>Hi</s>');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('missing or corrupt tokenizer files give one-line errors naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tok-'));
  try {
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message === `${join(dir, 'tokenizer.json')}: file not found`);
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": ');
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message.startsWith(`${join(dir, 'tokenizer.json')}: not valid JSON`) && !e.message.includes('\n'));
    writeFileSync(join(dir, 'tokenizer.json'), '{"model": {"type": "Nonsense"}}');
    assert.throws(() => loadTokenizer(dir), (e: Error) => e.message.startsWith(`${join(dir, 'tokenizer.json')}: cannot build the tokenizer`) && !e.message.includes('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
