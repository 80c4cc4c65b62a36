import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ModelService } from '../../../src/engine/runtime/modelService';
import { tinyModelDir } from '../helpers/fixtures';

const noEvents = { emit: () => undefined, signal: new AbortController().signal };

test('models load once per (model, device, variant) and reload when their files change', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'service-'));
  // Files are re-checked at most this often (0: on every request, so the change below is seen at once).
  const service = new ModelService(0);
  try {
    cpSync(tinyModelDir('gpt2'), dir, { recursive: true });
    const ref = { model: dir, device: 'cpu' as const };
    const [a, b] = await Promise.all([service.model(ref, noEvents), service.model(ref, noEvents)]);
    assert.equal(a, b, 'concurrent requests share one load');
    assert.equal(await service.model({ model: `${dir}/`, device: 'cpu' }, noEvents), a, 'the same folder spelled differently');
    assert.notEqual(await service.model({ model: dir, device: 'auto' }, noEvents), a, 'another device is another session');
    utimesSync(join(dir, 'onnx', 'model.onnx'), new Date(), new Date(Date.now() + 5000));
    const c = await service.model(ref, noEvents);
    assert.notEqual(c, a, 'a re-exported model is loaded afresh');
    assert.equal((await service.generate({ ...ref, prompt: 'hi', greedy: true, maxTokens: 3 }, noEvents)).device, 'cpu');
    const stats = await service.stats();
    assert.equal(stats.models.length, 2);
  } finally {
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a failed load is forgotten: fixing the folder and asking again works', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'service-'));
  const service = new ModelService();
  try {
    await assert.rejects(service.model({ model: dir, device: 'cpu' }, noEvents), /config\.json: file not found/);
    cpSync(tinyModelDir('llama'), dir, { recursive: true });
    const m = await service.model({ model: dir, device: 'cpu' }, noEvents);
    assert.equal(m.kind, 'causal');
  } finally {
    await service.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
});
