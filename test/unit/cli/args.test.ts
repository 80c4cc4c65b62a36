import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from '../../../src/cli/args';

const spec = {
  json: { kind: 'boolean', description: '' },
  'max-tokens': { kind: 'number', description: '' },
  input: { kind: 'strings', description: '' },
  prompt: { kind: 'string', description: '' },
} as const;

test('parses positionals, booleans, numbers, repeated and = forms', () => {
  const a = parseArgs(['m', '--json', '--max-tokens', '5', '--input', 'a=1', '--input=b=2', '--prompt=hi there'], spec);
  assert.deepEqual(a.positionals, ['m']);
  assert.deepEqual(a.flags, { json: true, 'max-tokens': 5, input: ['a=1', 'b=2'], prompt: 'hi there' });
});

test('unknown flags, missing values and bad numbers are usage errors', () => {
  assert.throws(() => parseArgs(['--nope'], spec), UsageError);
  assert.throws(() => parseArgs(['--prompt'], spec), /needs a value/);
  assert.throws(() => parseArgs(['--max-tokens', 'x'], spec), /needs a number/);
  assert.throws(() => parseArgs(['--json=1'], spec), /takes no value/);
});
