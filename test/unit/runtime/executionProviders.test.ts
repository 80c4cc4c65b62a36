import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSession, providerCandidates } from '../../../src/engine/runtime/executionProviders';
import { float32Tensor, supportedBackends } from '../../../src/engine/runtime/ort';
import { SessionCache } from '../../../src/engine/runtime/sessionCache';
import { identityModelBytes } from './identityModel';

const dir = mkdtempSync(join(tmpdir(), 'eps-'));
const modelFile = join(dir, 'identity.onnx');
writeFileSync(modelFile, identityModelBytes());
after(() => rmSync(dir, { recursive: true, force: true }));

async function runIdentity(session: Awaited<ReturnType<typeof openSession>>['session']): Promise<number[]> {
  const out = await session.run({ x: float32Tensor(new Float32Array([1.5, -2]), [2]) });
  return [...(out.y!.data as Float32Array)];
}

test('auto tries the platform GPU providers first and always ends with cpu', () => {
  assert.deepEqual(providerCandidates('auto', 'linux', 'x64'), ['cuda', 'webgpu', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'win32', 'x64'), ['dml', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'darwin', 'arm64'), ['coreml', 'cpu']);
  assert.deepEqual(providerCandidates('auto', 'linux', 'arm64'), ['cpu']);
  assert.deepEqual(providerCandidates('cpu'), ['cpu']);
  assert.deepEqual(providerCandidates('webgpu'), ['webgpu', 'cpu']);
});

test('cpu runs the model and reports cpu with no fallbacks', async () => {
  const opened = await openSession(modelFile, 'cpu');
  assert.equal(opened.provider, 'cpu');
  assert.deepEqual(opened.fallbacks, []);
  assert.deepEqual(await runIdentity(opened.session), [1.5, -2]);
  await opened.session.release();
});

test('webgpu without an adapter falls over to cpu with the reason recorded', async () => {
  const opened = await openSession(modelFile, 'webgpu');
  assert.deepEqual(await runIdentity(opened.session), [1.5, -2]);
  if (opened.provider === 'webgpu') {
    assert.deepEqual(opened.fallbacks, [], 'this machine has a WebGPU adapter');
  } else {
    assert.equal(opened.provider, 'cpu');
    assert.equal(opened.fallbacks.length, 1);
    assert.equal(opened.fallbacks[0]!.provider, 'webgpu');
    assert.match(opened.fallbacks[0]!.reason, /WebGPU adapter/);
    assert.ok(!opened.fallbacks[0]!.reason.includes('\n'));
  }
  await opened.session.release();
});

test('cuda without its provider files falls back with instructions, never a crash', async () => {
  const cuda = supportedBackends().find((b) => b.name === 'cuda');
  const opened = await openSession(modelFile, 'cuda');
  assert.deepEqual(await runIdentity(opened.session), [1.5, -2]);
  if (opened.provider === 'cpu') {
    assert.equal(opened.fallbacks[0]!.provider, 'cuda');
    assert.match(opened.fallbacks[0]!.reason, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
  } else {
    assert.ok(cuda, 'cuda ran, so the binding must list it');
  }
  await opened.session.release();
});

test('a corrupt model file is one E_BAD_MODEL line naming the file', async () => {
  const bad = join(dir, 'bad.onnx');
  writeFileSync(bad, Buffer.from('this is not protobuf at all'));
  await assert.rejects(openSession(bad, 'cpu'), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_BAD_MODEL');
    assert.ok(e.message.startsWith(`${bad}: ONNX Runtime cannot load it`), e.message);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
});

test('session cache shares one session per (file, device) and releases it when idle', async () => {
  const cache = new SessionCache({ idleMs: 40 });
  const a = await cache.acquire(modelFile, 'cpu');
  const b = await cache.acquire(modelFile, 'cpu');
  assert.equal(a.session, b.session);
  assert.equal(cache.size, 1);
  const c = await cache.acquire(modelFile, 'webgpu');
  assert.notEqual(c.session, a.session);
  assert.equal(cache.size, 2);
  a.release();
  await new Promise((r) => setTimeout(r, 80));
  assert.ok(cache.has(modelFile, 'cpu'), 'still in use by b: must stay open');
  b.release();
  c.release();
  await new Promise((r) => setTimeout(r, 80));
  assert.equal(cache.size, 0);
  const d = await cache.acquire(modelFile, 'cpu');
  assert.notEqual(d.session, a.session, 'reopened after the idle release');
  assert.deepEqual(await runIdentity(d.session), [1.5, -2]);
  d.release();
  await cache.dispose();
  assert.equal(cache.size, 0);
});

test('a failed open is not cached', async () => {
  const cache = new SessionCache();
  const missing = join(dir, 'missing.onnx');
  await assert.rejects(cache.acquire(missing, 'cpu'), /E_BAD_MODEL|cannot load/);
  assert.equal(cache.size, 0);
  writeFileSync(missing, identityModelBytes());
  const lease = await cache.acquire(missing, 'cpu');
  assert.deepEqual(await runIdentity(lease.session), [1.5, -2]);
  lease.release();
  await cache.dispose();
});

test('a model file rewritten in place gets a fresh session', async () => {
  const cache = new SessionCache();
  const file = join(dir, 'rewritten.onnx');
  writeFileSync(file, identityModelBytes());
  const a = await cache.acquire(file, 'cpu');
  a.release();
  utimesSync(file, new Date(), new Date(Date.now() + 5000));
  const b = await cache.acquire(file, 'cpu');
  assert.notEqual(b.session, a.session);
  b.release();
  await cache.dispose();
});
