// RL checkpoints on disk: the safetensors file gives every array back bit for bit (float64 Adam
// moments included), a checkpoint of the earlier JSON format still resumes, and a damaged or
// foreign file is refused naming it.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeSafetensors } from '../../../src/engine/onnx/safetensors';
import { encodeArray, writeCheckpointFile } from '../../../src/engine/tuning/checkpointFile';
import { RL_CHECKPOINT_FILE, type RlCheckpoint, readRlCheckpoint, writeRlCheckpoint } from '../../../src/engine/tuning/rlprompt/checkpoint';

const root = mkdtempSync(join(tmpdir(), 'rl-checkpoint-'));
after(() => rmSync(root, { recursive: true, force: true }));

function sample(): RlCheckpoint {
  const params = Float32Array.from({ length: 300 }, (_, i) => Math.sin(i) / 3);
  const target = Float32Array.from(params, (v) => v * 0.99);
  // Values a float32 could not carry: the moments must come back as float64, exactly.
  const m = Float64Array.from({ length: 300 }, (_, i) => 1 / (i + 3));
  const v = Float64Array.from({ length: 300 }, (_, i) => Math.PI ** -i);
  return {
    method: 'rl',
    search: { step: 4, evaluations: 96, table: { pending: [], scored: [] }, rewards: [] },
    rng: [1, 2, 3, 4],
    policy: { params, target, optimizer: { kind: 'adam', step: 4, buffers: { m, v } } },
    fingerprint: { method: 'rl', steps: 6 },
  };
}

const bits = (a: Float32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

test('a checkpoint reads back bit for bit, from its file, its folder or the run folder above', () => {
  const c = sample();
  const run = join(root, 'run');
  const file = writeRlCheckpoint(join(run, 'checkpoint'), c);
  assert.equal(file, join(run, 'checkpoint', RL_CHECKPOINT_FILE));
  assert.deepEqual(readdirSync(join(run, 'checkpoint')), [RL_CHECKPOINT_FILE], 'no temporary file is left');
  for (const where of [file, join(run, 'checkpoint'), run]) {
    const back = readRlCheckpoint(where);
    assert.deepEqual(back.search, c.search);
    assert.deepEqual(back.rng, c.rng);
    assert.deepEqual(back.fingerprint, c.fingerprint);
    assert.equal(back.policy!.optimizer.kind, 'adam');
    assert.equal(back.policy!.optimizer.step, 4);
    assert.deepEqual(bits(back.policy!.params), bits(c.policy!.params));
    assert.deepEqual(bits(back.policy!.target), bits(c.policy!.target));
    for (const k of ['m', 'v']) {
      assert.ok(back.policy!.optimizer.buffers[k] instanceof Float64Array, k);
      assert.deepEqual(bits(back.policy!.optimizer.buffers[k]!), bits(c.policy!.optimizer.buffers[k]!), k);
    }
  }
  // Random search has no networks.
  const random = writeRlCheckpoint(join(root, 'random'), { ...sample(), method: 'random', policy: undefined });
  assert.equal(readRlCheckpoint(random).policy, undefined);
});

test('a checkpoint written in the earlier JSON format (arrays as base64) still resumes', () => {
  const c = sample();
  const dir = join(root, 'old', 'checkpoint');
  const p = c.policy!;
  writeCheckpointFile(dir, 'rlprompt-checkpoint.json', {
    method: c.method,
    search: c.search,
    rng: c.rng,
    policy: { params: encodeArray(p.params), target: encodeArray(p.target), optimizer: { kind: 'adam', step: 4, buffers: { m: encodeArray(p.optimizer.buffers.m!), v: encodeArray(p.optimizer.buffers.v!) } } },
    fingerprint: c.fingerprint,
  });
  const back = readRlCheckpoint(join(root, 'old'));
  assert.deepEqual(back.search, c.search);
  assert.deepEqual(bits(back.policy!.params), bits(p.params));
  assert.deepEqual(bits(back.policy!.optimizer.buffers.v!), bits(p.optimizer.buffers.v!));
});

test('a missing, truncated or foreign checkpoint is refused naming the file', () => {
  assert.throws(() => readRlCheckpoint(join(root, 'nothing-here')), /nothing-here\/rlprompt-checkpoint\.safetensors: no checkpoint here/);
  const file = writeRlCheckpoint(join(root, 'cut'), sample());
  writeFileSync(file, Buffer.from('short'));
  assert.throws(() => readRlCheckpoint(file), (err: Error) => err.message.includes(file));
  const foreign = join(root, 'foreign.safetensors');
  writeSafetensors(foreign, [{ name: 'w', dtype: 'F32', shape: [1], data: new Float32Array([1]) }], { format: 'pt' });
  assert.throws(() => readRlCheckpoint(foreign), /foreign\.safetensors: bad checkpoint \(not a Promptsmith RL prompt tuning checkpoint\)/);
});
