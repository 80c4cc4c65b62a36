// One file from the Hugging Face hub into the cache's blobs/, as huggingface_hub does it: the
// `resolve` URL is asked without following its redirect, so the file's identity comes from the
// hub itself (X-Linked-Etag = the LFS file's sha256, or ETag = the git blob sha1 of a small
// file) before the bytes come from wherever it points; bytes go to `blobs/<etag>.incomplete`,
// which a later attempt resumes with a Range request; the finished file is checked against
// that hash and size before it becomes `blobs/<etag>`. HF_TOKEN (or the token file) is sent to
// the hub for gated and private models, never to another host.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RuntimeError } from './errors';

export interface FileDownload {
  repoId: string;
  /** The hub URL `<endpoint>/<repo>/resolve/<commit>/<file>`. */
  url: string;
  /** `org/name/path` for messages and progress. */
  name: string;
  blobsDir: string;
  token?: string;
  fetch: typeof fetch;
  onProgress?(progress: { file: string; loaded: number; total: number | undefined }): void;
  /** For messages: where the model would be cached. */
  cacheHint: string;
}

/** Downloads (or finds) the file's blob; returns its path. */
export async function downloadBlob(d: FileDownload): Promise<string> {
  const hub = new URL(d.url);
  const authorized = (url: URL): Record<string, string> => (d.token && url.origin === hub.origin ? { authorization: `Bearer ${d.token}` } : {});
  const first = await request(d, hub, { redirect: 'manual', headers: authorized(hub) });
  const location = first.status >= 300 && first.status < 400 ? first.headers.get('location') : null;
  const etag = cleanEtag(first.headers.get('x-linked-etag') ?? first.headers.get('etag'));
  const sizeHeader = first.headers.get('x-linked-size') ?? (location ? null : first.headers.get('content-length'));
  const expectedSize = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : undefined;
  const blob = join(d.blobsDir, (etag ?? `${hashOf('sha256', d.url)}`).replace(/[^\w.-]/g, '_'));
  if (existsSync(blob)) {
    await first.body?.cancel();
    return blob;
  }
  mkdirSync(d.blobsDir, { recursive: true });
  const partial = `${blob}.incomplete`;
  const dataUrl = location ? new URL(location, hub) : hub;
  let offset = existsSync(partial) ? statSync(partial).size : 0;
  if (expectedSize !== undefined && offset > expectedSize) {
    rmSync(partial, { force: true });
    offset = 0;
  }
  if (expectedSize !== undefined && offset === expectedSize && offset > 0) {
    // An earlier attempt got every byte but stopped before the rename: check it and keep it.
    await first.body?.cancel();
    return finish(d, partial, blob, checksumFor(etag), async (hash) => hashFile(partial, hash));
  }
  let response = first;
  if (location || offset > 0) {
    await first.body?.cancel();
    const range: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
    response = await request(d, dataUrl, { redirect: 'follow', headers: { ...authorized(dataUrl), ...range } });
  }
  const resumed = offset > 0 && response.status === 206;
  const checksum = checksumFor(etag);
  if (resumed && checksum) await hashFile(partial, checksum.hash);
  let loaded = resumed ? offset : 0;
  const total = expectedSize ?? contentLength(response, loaded);
  const out = createWriteStream(partial, { flags: resumed ? 'a' : 'w' });
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      checksum?.hash.update(value);
      loaded += value.byteLength;
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
      d.onProgress?.({ file: d.name, loaded, total });
    }
    await new Promise<void>((done, fail) => out.end((err?: Error | null) => (err ? fail(err) : done())));
  } catch (err) {
    // The bytes so far stay in blobs/…incomplete (flushed, not dropped): the next attempt resumes from them.
    await new Promise<void>((done) => out.end(() => done()));
    throw new RuntimeError('E_DOWNLOAD', `${d.name}: download interrupted at ${loaded}${total ? ` of ${total}` : ''} bytes (${(err as Error).message}); run again to resume`);
  }
  if (total !== undefined && loaded !== total) throw new RuntimeError('E_DOWNLOAD', `${d.name}: got ${loaded} of ${total} bytes; run again to resume`);
  return finish(d, partial, blob, checksum, async () => undefined);
}

/** Checks the finished bytes against the hub's hash, then makes them the blob. */
async function finish(d: FileDownload, partial: string, blob: string, checksum: ReturnType<typeof checksumFor>, feed: (hash: Hash) => Promise<void>): Promise<string> {
  if (checksum) {
    await feed(checksum.hash);
    const actual = checksum.hash.digest('hex');
    if (actual !== checksum.expected) {
      rmSync(partial, { force: true });
      throw new RuntimeError('E_DOWNLOAD', `${d.name}: checksum mismatch (${checksum.kind} ${actual}, the hub says ${checksum.expected}); the download was deleted, run again`);
    }
  }
  renameSync(partial, blob);
  return blob;
}

async function request(d: FileDownload, url: URL, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await d.fetch(url, init);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new RuntimeError('E_OFFLINE', `model '${d.repoId}': cannot reach ${url.host} (${cause}) and it is not in the cache at ${d.cacheHint}`);
  }
  if (response.ok || (response.status >= 300 && response.status < 400 && init.redirect === 'manual')) return response;
  throw hubError(d.repoId, url.href, response.status, d.token !== undefined);
}

/** 401/403: gated or private (say how to get access); 404: not found; else the status. */
export function hubError(repoId: string, url: string, status: number, hadToken: boolean): RuntimeError {
  if (status === 401 || status === 403) {
    const how = hadToken
      ? 'the token in HF_TOKEN has no access to it: accept its terms on huggingface.co with that account, or use a token that can read it'
      : 'it is gated or private: accept its terms on huggingface.co and set HF_TOKEN (or log in with `hf auth login`)';
    return new RuntimeError('E_MODEL_NOT_FOUND', `model '${repoId}': access denied (${url} → HTTP ${status}); ${how}`);
  }
  if (status === 404) return new RuntimeError('E_MODEL_NOT_FOUND', `model '${repoId}': not found on the hub (${url} → HTTP 404)`);
  return new RuntimeError('E_DOWNLOAD', `model '${repoId}': ${url} → HTTP ${status}`);
}

function cleanEtag(etag: string | null): string | undefined {
  const clean = etag?.replace(/^W\//, '').replace(/"/g, '').trim();
  return clean ? clean : undefined;
}

/** LFS files: the etag is their sha256; small files: the git blob sha1 (of "blob <size>\0" + bytes). */
function checksumFor(etag: string | undefined): { kind: string; expected: string; hash: Hash } | undefined {
  if (etag && /^[0-9a-f]{64}$/.test(etag)) return { kind: 'sha256', expected: etag, hash: createHash('sha256') };
  if (etag && /^[0-9a-f]{40}$/.test(etag)) return { kind: 'git sha1', expected: etag, hash: gitBlobHash() };
  return undefined;
}

/** A git blob hash needs the size first: collect, then hash at digest time. */
function gitBlobHash(): Hash {
  const chunks: Buffer[] = [];
  const wrapper = {
    update(data: Uint8Array) {
      chunks.push(Buffer.from(data));
      return wrapper;
    },
    digest(encoding: 'hex') {
      const body = Buffer.concat(chunks);
      return createHash('sha1').update(`blob ${body.length}\0`).update(body).digest(encoding);
    },
  };
  return wrapper as unknown as Hash;
}

async function hashFile(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

function hashOf(algorithm: string, text: string): string {
  return createHash(algorithm).update(text).digest('hex');
}

function contentLength(response: Response, offset: number): number | undefined {
  const header = response.headers.get('content-length');
  return header && /^\d+$/.test(header) ? offset + Number(header) : undefined;
}
