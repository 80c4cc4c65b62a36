import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { resolveHubModel } from '../../../src/engine/runtime/hub';
import { defaultHubCacheDir, hubToken, looksLikeHubId, offlineFromEnv, repoCacheDir } from '../../../src/modelFiles/hubCache';
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

/** A local stand-in of the hub and its file CDN (another origin), with gated repos, LFS redirects, Range requests and faults to order. */
async function hubWithCdn(files: Record<string, Uint8Array>, options: { gated?: string; corrupt?: string; cutOnce?: string }) {
  const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
  const gitSha1 = (b: Uint8Array) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
  const log: { server: string; url: string; range?: string; auth?: string }[] = [];
  let cut = options.cutOnce;
  const cdn = createServer((req, res) => {
    log.push({ server: 'cdn', url: req.url!, range: req.headers.range, auth: req.headers.authorization });
    const name = decodeURIComponent(req.url!.slice('/cdn/'.length));
    const original = files[name];
    if (!original) return void res.writeHead(404).end();
    const body = name === options.corrupt ? Buffer.from(original).fill(7, 0, 1) : Buffer.from(original);
    const start = Number(/bytes=(\d+)-/.exec(req.headers.range ?? '')?.[1] ?? 0);
    res.writeHead(start > 0 ? 206 : 200, { 'content-length': String(body.length - start) });
    if (name === cut) {
      cut = undefined;
      res.write(body.subarray(start, start + Math.floor((body.length - start) / 2)));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => cdn.listen(0, '127.0.0.1', r));
  const cdnUrl = `http://localhost:${(cdn.address() as AddressInfo).port}`;
  const hub = createServer((req, res) => {
    log.push({ server: 'hub', url: req.url!, auth: req.headers.authorization });
    const repo = /^\/(?:api\/models\/)?(org\/[\w-]+)/.exec(req.url!)?.[1];
    if (repo === options.gated && req.headers.authorization !== 'Bearer hf_good') return void res.writeHead(req.headers.authorization ? 403 : 401).end();
    if (req.url!.startsWith('/api/models/')) {
      res.setHeader('content-type', 'application/json');
      return void res.end(JSON.stringify({ sha: 'c0ffee', siblings: Object.keys(files).map((rfilename) => ({ rfilename })) }));
    }
    const name = /\/resolve\/c0ffee\/(.+)$/.exec(req.url!)?.[1];
    const body = name === undefined ? undefined : files[decodeURIComponent(name)];
    if (!body) return void res.writeHead(404).end();
    if (name!.endsWith('.onnx')) {
      // LFS: the hub answers with the file's sha256 and size and redirects to the CDN.
      res.writeHead(302, { location: `${cdnUrl}/cdn/${name}`, 'x-linked-etag': `"${sha256(body)}"`, 'x-linked-size': String(body.length) });
      return void res.end();
    }
    res.writeHead(200, { etag: `"${gitSha1(body)}"`, 'content-length': String(body.length) });
    res.end(Buffer.from(body));
  });
  await new Promise<void>((r) => hub.listen(0, '127.0.0.1', r));
  return {
    endpoint: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`,
    log,
    close: () => {
      hub.close();
      cdn.close();
    },
  };
}

const modelFiles = () => ({ 'config.json': new TextEncoder().encode(config), 'tokenizer.json': new TextEncoder().encode('{}'), 'onnx/model.onnx': identityModelBytes() });
const selectModel = (list: readonly string[]) => ['config.json', 'tokenizer.json', 'onnx/model.onnx'].filter((f) => list.includes(f));

test('gated models: HF_TOKEN goes to the hub only (never to the CDN); no token or a refused one is a clear error', async () => {
  const files = modelFiles();
  const hub = await hubWithCdn(files, { gated: 'org/gated' });
  try {
    const cache = join(root, 'gated-cache');
    await assert.rejects(resolveHubModel('org/gated', selectModel, { cacheDir: cache, endpoint: hub.endpoint, token: '' }), /access denied .*HTTP 401\); it is gated or private: accept its terms on huggingface\.co and set HF_TOKEN/);
    await assert.rejects(resolveHubModel('org/gated', selectModel, { cacheDir: cache, endpoint: hub.endpoint, token: 'hf_bad' }), /HTTP 403\); the token in HF_TOKEN has no access/);
    const dir = await resolveHubModel('org/gated', selectModel, { cacheDir: cache, endpoint: hub.endpoint, token: 'hf_good' });
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'onnx/model.onnx'))), files['onnx/model.onnx']);
    assert.ok(hub.log.filter((r) => r.server === 'hub').every((r) => r.auth === undefined || r.auth.startsWith('Bearer ')));
    assert.deepEqual(hub.log.filter((r) => r.server === 'cdn').map((r) => r.auth), [undefined], 'the token never leaves the hub');
  } finally {
    hub.close();
  }
});

test('an interrupted download resumes with a Range request from the bytes already in blobs/…incomplete', async () => {
  const files = modelFiles();
  const hub = await hubWithCdn(files, { cutOnce: 'onnx/model.onnx' });
  try {
    const cache = join(root, 'resume-cache');
    await assert.rejects(resolveHubModel('org/resume', selectModel, { cacheDir: cache, endpoint: hub.endpoint, token: undefined }), /download interrupted at \d+ of \d+ bytes .*run again to resume/);
    const blobs = join(repoCacheDir(cache, 'org/resume'), 'blobs');
    const partial = readdirSync(blobs).find((f) => f.endsWith('.incomplete'))!;
    const have = statSync(join(blobs, partial)).size;
    assert.ok(have > 0 && have < files['onnx/model.onnx'].length);
    const dir = await resolveHubModel('org/resume', selectModel, { cacheDir: cache, endpoint: hub.endpoint, token: undefined });
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'onnx/model.onnx'))), files['onnx/model.onnx']);
    assert.deepEqual(hub.log.filter((r) => r.server === 'cdn').map((r) => r.range), [undefined, `bytes=${have}-`]);
    assert.deepEqual(readdirSync(blobs).filter((f) => f.endsWith('.incomplete')), []);
  } finally {
    hub.close();
  }
});

test('a file whose bytes do not match the hub\'s sha256 is deleted and reported, never linked into the snapshot', async () => {
  const hub = await hubWithCdn(modelFiles(), { corrupt: 'onnx/model.onnx' });
  try {
    const cache = join(root, 'corrupt-cache');
    await assert.rejects(resolveHubModel('org/corrupt', selectModel, { cacheDir: cache, endpoint: hub.endpoint, token: undefined }), /onnx\/model\.onnx: checksum mismatch \(sha256 [0-9a-f]{64}, the hub says [0-9a-f]{64}\)/);
    const repo = repoCacheDir(cache, 'org/corrupt');
    assert.deepEqual(readdirSync(join(repo, 'blobs')).length, 2, 'only the two small, verified files');
    assert.ok(!existsSync(join(repo, 'snapshots', 'c0ffee', 'onnx', 'model.onnx')));
  } finally {
    hub.close();
  }
});

test('the token comes from HF_TOKEN, the legacy variable, or the token file, as huggingface_hub finds it', () => {
  const dir = mkdtempSync(join(root, 'home-'));
  writeFileSync(join(dir, 'token'), 'hf_file\n');
  assert.equal(hubToken({ HF_TOKEN: 'hf_env', HF_HOME: dir }), 'hf_env');
  assert.equal(hubToken({ HUGGING_FACE_HUB_TOKEN: 'hf_old', HF_HOME: dir }), 'hf_old');
  assert.equal(hubToken({ HF_HOME: dir }), 'hf_file');
  assert.equal(hubToken({ HF_TOKEN_PATH: join(dir, 'absent') }), undefined);
});
