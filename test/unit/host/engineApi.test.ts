import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorCode } from '../../../src/engine/host/engineHost';
import { parseClassifyParams, parseGenerateParams, parseModelEvent, parseScoreParams } from '../../../src/protocol/modelApi';
import { ProtocolError } from '../../../src/protocol/guards';

test('valid params parse to their typed form', () => {
  assert.deepEqual(parseGenerateParams({ model: 'm', prompt: 'p', maxTokens: 5, greedy: true, stop: ['.'], device: 'cpu' }), {
    model: 'm',
    device: 'cpu',
    variant: undefined,
    offline: undefined,
    cacheDir: undefined,
    prompt: 'p',
    messages: undefined,
    maxTokens: 5,
    temperature: undefined,
    topK: undefined,
    topP: undefined,
    stop: ['.'],
    seed: undefined,
    greedy: true,
  });
  assert.deepEqual(parseScoreParams({ model: 'm', prompts: ['a'], continuations: ['b'] }).continuations, ['b']);
  assert.deepEqual(parseClassifyParams({ model: 'm', texts: ['t'], template: '{text}', labels: { a: ' x', b: ' y' } }).labels, { a: ' x', b: ' y' });
});

test('each malformed field is named', () => {
  const bad: [() => unknown, RegExp][] = [
    [() => parseGenerateParams(null), /^params: expected an object$/],
    [() => parseGenerateParams({ prompt: 'p' }), /^params\.model: expected a string$/],
    [() => parseGenerateParams({ model: ' ', prompt: 'p' }), /^params\.model: must not be empty$/],
    [() => parseGenerateParams({ model: 'm' }), /^params\.prompt: expected a string \(or give messages\)$/],
    [() => parseGenerateParams({ model: 'm', messages: [{ role: 'user' }] }), /^params\.messages\[0\]\.content: expected a string$/],
    [() => parseGenerateParams({ model: 'm', prompt: 'p', maxTokens: 1.5 }), /^params\.maxTokens: expected a whole number ≥ 0$/],
    [() => parseGenerateParams({ model: 'm', prompt: 'p', device: 'tpu' }), /^params\.device: expected one of auto, cpu/],
    [() => parseGenerateParams({ model: 'm', prompt: 'p', topP: 0 }), /^params\.topP: expected a number in \(0, 1\]$/],
    [() => parseGenerateParams({ model: 'm', prompt: 'p', stop: ['a', 3] }), /^params\.stop\[1\]: expected a string$/],
    [() => parseGenerateParams({ model: 'm', prompt: 'p', greedy: 'yes' }), /^params\.greedy: expected true or false$/],
    [() => parseScoreParams({ model: 'm', prompts: ['a', 'b'], continuations: ['c'] }), /^params\.continuations: expected 2 items/],
    [() => parseClassifyParams({ model: 'm', texts: [], template: '', labels: { a: 1 } }), /^params\.labels\.a: expected a verbalizer string$/],
    [() => parseModelEvent({ type: 'nope' }), /^event\.type: unknown model event 'nope'$/],
  ];
  for (const [fn, message] of bad) assert.throws(fn, (e: Error) => e instanceof ProtocolError && message.test(e.message));
});

test('error codes: protocol errors are E_BAD_REQUEST, coded errors keep their code', () => {
  assert.equal(errorCode(new ProtocolError('x'), false), 'E_BAD_REQUEST');
  assert.equal(errorCode(Object.assign(new Error('x'), { code: 'E_MODEL_NOT_FOUND' }), false), 'E_MODEL_NOT_FOUND');
  assert.equal(errorCode(Object.assign(new Error('x'), { code: 'ENOENT' }), false), 'E_FAILED');
  assert.equal(errorCode(new Error('x'), true), 'E_CANCELLED');
});
