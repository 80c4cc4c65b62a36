import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveHubModel } from '../../../src/engine/runtime/hub';
import { defaultHubCacheDir, looksLikeHubId, offlineFromEnv, repoCacheDir } from '../../../src/modelFiles/hubCache';
import { resolveModelFolder } from '../../../src/engine/runtime/modelFolder';
import { identityModelBytes } from './identityModel';

const root = mkdtempSync(join(tmpdir(), 'hub-'));
after(() => rmSync(root, { recursive: true, force: true }));
const config = JSON.stringify({ architectures: ['LlamaForCausalLM'], model_type: 'llama' });

test('hub ids and the standard cache location', () => {
  assert.ok(looksLikeHubId('onnx-community/SmolLM2-135M-Instruct'));
  assert.ok(!looksLikeHubId('./models/x'));
  assert.ok(!looksLikeHubId('../shared/models'));
  assert.ok(!looksLikeHubId('justaname'));
  assert.equal(defaultHubCacheDir({ HF_HUB_CACHE: '/c' }), '/c');
  assert.equal(defaultHubCacheDir({ HF_HOME: '/h' }), join('/h', 'hub'));
  assert.equal(repoCacheDir('/c', 'org/name'), join('/c', 'models--org--name'));
  assert.equal(offlineFromEnv({ HF_HUB_OFFLINE: '1' }), true);
  assert.equal(offlineFromEnv({ HF_HUB_OFFLINE: '0' }), false);
  assert.equal(offlineFromEnv({}), false);
});

test('HF_HUB_OFFLINE=1 alone is enough to forbid the network', async () => {
  const saved = process.env.HF_HUB_OFFLINE;
  process.env.HF_HUB_OFFLINE = '1';
  try {
    // Without the env check this would fail differently ('cannot reach the hub'); offline must not try.
    await assert.rejects(resolveHubModel('org/x', () => ['config.json'], { cacheDir: join(root, 'env-cache'), endpoint: 'http://127.0.0.1:9' }), /offline mode is on/);
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_OFFLINE;
    else process.env.HF_HUB_OFFLINE = saved;
  }
});

test('offline and not cached: the error names the model and the cache path', async () => {
  const cache = join(root, 'empty-cache');
  await assert.rejects(resolveModelFolder('org/absent-model', { hubCacheDir: cache, offline: true }), (e: Error & { code?: string }) => {
    assert.equal(e.code, 'E_OFFLINE');
    assert.ok(e.message.includes("'org/absent-model'"), e.message);
    assert.ok(e.message.includes(join(cache, 'models--org--absent-model')), e.message);
    return true;
  });
});

test('a snapshot laid out by hand in the HF cache is used offline, and when the network is down', async () => {
  const cache = join(root, 'cache');
  const repo = repoCacheDir(cache, 'org/tiny');
  const snapshot = join(repo, 'snapshots', 'abc123');
  mkdirSync(join(snapshot, 'onnx'), { recursive: true });
  mkdirSync(join(repo, 'refs'), { recursive: true });
  writeFileSync(join(repo, 'refs', 'main'), 'abc123\n');
  writeFileSync(join(snapshot, 'config.json'), config);
  writeFileSync(join(snapshot, 'tokenizer.json'), '{}');
  writeFileSync(join(snapshot, 'onnx', 'model.onnx'), identityModelBytes());
  const m = await resolveModelFolder('org/tiny', { hubCacheDir: cache, offline: true });
  assert.equal(m.dir, snapshot);
  assert.equal(m.onnxFile, join(snapshot, 'onnx', 'model.onnx'));
  // Online, but the hub is unreachable (a closed local port): the complete snapshot still serves.
  const dir = await resolveHubModel('org/tiny', () => ['config.json', 'tokenizer.json', 'onnx/model.onnx'], { cacheDir: cache, offline: false, endpoint: 'http://127.0.0.1:9' });
  assert.equal(dir, snapshot);
  // An asked-for variant that the snapshot lacks is not a cache hit.
  await assert.rejects(resolveModelFolder('org/tiny', { hubCacheDir: cache, offline: true, variant: 'q4' }), /E_OFFLINE|not in the cache/);
});

test('downloads into the standard layout (blobs, snapshot links, refs) with byte progress', async () => {
  const onnx = identityModelBytes();
  const files: Record<string, Uint8Array | string> = { 'config.json': config, 'tokenizer.json': '{}', 'onnx/model.onnx': onnx, 'onnx/model_q4.onnx': onnx, 'README.md': 'x' };
  const requested: string[] = [];
  const server: Server = createServer((req, res) => {
    requested.push(req.url!);
    if (req.url === '/api/models/org/remote/revision/main') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ sha: 'f00d', siblings: Object.keys(files).map((rfilename) => ({ rfilename })) }));
      return;
    }
    const m = /^\/org\/remote\/resolve\/f00d\/(.+)$/.exec(req.url!);
    const body = m ? files[m[1]!] : undefined;
    if (body === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.from(body);
    res.setHeader('etag', `"etag-${m![1]!.replace(/\W/g, '')}"`);
    res.setHeader('content-length', String(bytes.length));
    res.end(bytes);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cache = join(root, 'dl-cache');
    const progress: { file: string; loaded: number; total?: number }[] = [];
    const select = (list: readonly string[]) => ['config.json', 'tokenizer.json', 'onnx/model.onnx'].filter((f) => list.includes(f));
    const dir = await resolveHubModel('org/remote', select, { cacheDir: cache, endpoint, onProgress: (p) => progress.push(p) });
    const repo = repoCacheDir(cache, 'org/remote');
    assert.equal(dir, join(repo, 'snapshots', 'f00d'));
    assert.equal(readFileSync(join(repo, 'refs', 'main'), 'utf8'), 'f00d');
    assert.ok(lstatSync(join(dir, 'onnx', 'model.onnx')).isSymbolicLink());
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'onnx', 'model.onnx'))), onnx);
    assert.ok(existsSync(join(repo, 'blobs', 'etag-onnxmodelonnx')));
    assert.ok(!existsSync(join(dir, 'README.md')), 'only selected files are downloaded');
    const last = progress.filter((p) => p.file === 'org/remote/onnx/model.onnx').at(-1)!;
    assert.equal(last.loaded, onnx.length);
    assert.equal(last.total, onnx.length);
    // Second call: nothing is downloaded again.
    const before = requested.length;
    await resolveHubModel('org/remote', select, { cacheDir: cache, endpoint });
    assert.deepEqual(requested.slice(before), ['/api/models/org/remote/revision/main']);
    // A missing repository is a clear not-found error naming it.
    await assert.rejects(resolveHubModel('org/missing', select, { cacheDir: cache, endpoint }), /model 'org\/missing': not found on the hub/);
  } finally {
    server.close();
  }
});
