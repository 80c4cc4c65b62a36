// Chat templates are code shipped with a model. The bounded interpreter renders real templates
// exactly as @huggingface/jinja does, and stops runaway ones (endless loops, exploding strings,
// huge ranges, endless recursion) with a clear error, each within about a second.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Template } from '@huggingface/jinja';
import { CHAT_TEMPLATE_LIMITS, ChatTemplateLimitError, renderChatTemplate } from '../../../src/modelFiles/chatTemplate';
import { loadTokenizer } from '../../../src/modelFiles/tokenizer';
import { storiesHfDir, STORIES_ABSENT } from '../helpers/fixtures';
import { seededCases } from './hostileCases';

/** Templates in the shapes real models ship (ChatML, Llama 3 with a date, Zephyr, Gemma). */
const REAL_SHAPES = [
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
  "{{- bos_token }}{%- set date_string = strftime_now('%d %b %Y') %}{{- '<|start_header_id|>system<|end_header_id|>\\n\\nToday Date: ' + date_string + '<|eot_id|>' }}{%- for m in messages %}{{- '<|start_header_id|>' + m.role + '<|end_header_id|>\\n\\n' + m.content | trim + '<|eot_id|>' }}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}",
  "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% else %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
  "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% set role = 'model' if message['role'] == 'assistant' else message['role'] %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
  "{% for i in range(3) %}{{ i }}{% endfor %}{% for i in range(1, 9, 3) %}{{ i }}{% endfor %}{% for i in range(5, 0, -2) %}{{ i }}{% endfor %}{{ messages | length }}",
];

function conversation(random: () => number): { role: string; content: string }[] {
  const n = 1 + Math.floor(random() * 6);
  const words = ['Hi', 'tell me', 'a story', 'about', 'Lily', '🙂', 'ünïcode', '{{ x }}', '{% if %}', '\n', '"quoted"'];
  return Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: Array.from({ length: 1 + Math.floor(random() * 8) }, () => words[Math.floor(random() * words.length)]).join(' '),
  }));
}

test('real chat template shapes render exactly as @huggingface/jinja renders them (generated conversations)', () => {
  let compared = 0;
  for (const source of REAL_SHAPES) {
    const template = new Template(source);
    for (const random of seededCases(40, 17)) {
      const variables = { messages: conversation(random), add_generation_prompt: random() < 0.5, bos_token: '<s>', eos_token: '</s>' };
      let expected: string | Error;
      try {
        expected = template.render(variables);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) assert.throws(() => renderChatTemplate(template, variables), { message: expected.message });
      else assert.equal(renderChatTemplate(template, variables), expected);
      compared++;
    }
  }
  assert.equal(compared, REAL_SHAPES.length * 40);
});

const RUNAWAY: [string, string, RegExp][] = [
  ['a loop of 10^10 steps', '{% for i in range(100000) %}{% for j in range(100000) %}{{ i }}{% endfor %}{% endfor %}', /more than 50,000 steps/],
  ['range(10**10)', '{% for i in range(10000000000) %}x{% endfor %}', /range\(\) of 10000000000 items/],
  ['a string doubled in a loop', "{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s + ns.s %}{% endfor %}{{ ns.s }}", /more than 16,777,216 characters/],
  ['a macro calling itself', '{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}', /more than 400 levels deep/],
  ['a list doubled in a loop', '{% set ns = namespace(l=[1]) %}{% for i in range(1000) %}{% set ns.l = ns.l + ns.l %}{% endfor %}', /lists of more than 1,000,000 items/],
];

for (const [name, source, expected] of RUNAWAY) {
  test(`a chat template with ${name} stops with a clear error within about a second`, () => {
    const started = performance.now();
    assert.throws(() => renderChatTemplate(new Template(source), { messages: [] }), (err: Error) => err instanceof ChatTemplateLimitError && expected.test(err.message));
    const ms = performance.now() - started;
    console.log(`${name}: stopped after ${ms.toFixed(0)} ms`);
    assert.ok(ms < 20_000, `${name} took ${ms} ms`); // a hang shows up here; the print above is the measurement
  });
}

test("a model's runaway chat template and an oversized one are one-line TokenizerErrors naming tokenizer_config.json", (t) => {
  const stories = storiesHfDir();
  if (!stories) return t.skip(STORIES_ABSENT);
  const dir = mkdtempSync(join(tmpdir(), 'ps-chat-'));
  writeFileSync(join(dir, 'tokenizer.json'), readFileSync(join(stories, 'tokenizer.json'), 'utf8'));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: RUNAWAY[0]![1] }));
  const tok = loadTokenizer(dir);
  assert.throws(() => tok.applyChatTemplate([{ role: 'user', content: 'hi' }]), /tokenizer_config\.json: chat_template failed \(the template ran more than/);
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ chat_template: 'x'.repeat(CHAT_TEMPLATE_LIMITS.maxTemplateChars + 1) }));
  assert.throws(() => loadTokenizer(dir), /tokenizer_config\.json: chat_template is 1024 KB; Promptsmith runs chat templates up to 1024 KB/);
});
