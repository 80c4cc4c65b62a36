// The engine process keeps the memory of repeated work (glibc malloc settings, Linux only); a
// value the user set is kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { engineProcessEnv } from '../../../src/engine/client/engineProcessEnv';

test('the engine starts with the malloc settings unless the user set them, and with the rest of the environment', { skip: process.platform !== 'linux' && 'glibc settings apply on Linux only' }, () => {
  const env = engineProcessEnv({ PATH: '/bin', MALLOC_TRIM_THRESHOLD_: '0' });
  assert.equal(env.PATH, '/bin');
  assert.equal(env.MALLOC_MMAP_THRESHOLD_, String(4 * 2 ** 20));
  assert.equal(env.MALLOC_TRIM_THRESHOLD_, '0', "the user's value wins");
  const base = { PATH: '/bin' };
  engineProcessEnv(base);
  assert.deepEqual(base, { PATH: '/bin' }, 'the caller’s environment is not changed');
});
