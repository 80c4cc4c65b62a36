// Hugging Face hub ids (e.g. onnx-community/SmolLM2-135M-Instruct) resolved into the standard
// HF cache layout that huggingface_hub uses, so models are shared with Python tools:
//   <cache>/models--<org>--<name>/{refs/<revision>, blobs/<etag>, snapshots/<commit>/<file>}
// Files come from <endpoint>/<repo>/resolve/<revision>/<file>. We fetch directly rather than
// through @huggingface/transformers: its node build loads onnxruntime-node on import (only
// ort.ts may) and it keeps its own cache layout instead of the standard one.
import { copyFileSync, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { cachedSnapshot, defaultHubCacheDir, offlineFromEnv, repoCacheDir } from '../../modelFiles/hubCache';
import { RuntimeError } from './errors';

export interface DownloadProgress {
  file: string;
  loaded: number;
  /** Undefined when the server did not say. */
  total: number | undefined;
}

export interface HubOptions {
  /** Default: $HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub. */
  cacheDir?: string;
  /** Never use the network (also when HF_HUB_OFFLINE=1). */
  offline?: boolean;
  revision?: string;
  /** Default: $HF_ENDPOINT or https://huggingface.co. */
  endpoint?: string;
  onProgress?(progress: DownloadProgress): void;
  /** Only for tests of the download path; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Chooses, from the repository's file list, the files to download (relative paths). */
export type FileSelector = (files: readonly string[]) => string[];

async function fetchOrExplain(doFetch: typeof fetch, url: string, repoId: string, cacheDir: string): Promise<Response> {
  let response: Response;
  try {
    response = await doFetch(url, { redirect: 'follow' });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new RuntimeError('E_OFFLINE', `model '${repoId}': cannot reach the hub (${cause}) and it is not in the cache at ${repoCacheDir(cacheDir, repoId)}`);
  }
  if (response.status === 401 || response.status === 403 || response.status === 404) {
    throw new RuntimeError('E_MODEL_NOT_FOUND', `model '${repoId}': not found on the hub or not public (${url} → HTTP ${response.status})`);
  }
  if (!response.ok) throw new RuntimeError('E_DOWNLOAD', `model '${repoId}': ${url} → HTTP ${response.status}`);
  return response;
}

/** Streams a response body to `file` (via a temp file + rename), reporting bytes as they come. */
async function saveBody(response: Response, file: string, name: string, onProgress?: HubOptions['onProgress']): Promise<void> {
  const totalHeader = response.headers.get('content-length');
  const total = totalHeader ? Number(totalHeader) : undefined;
  const temp = `${file}.${process.pid}.incomplete`;
  mkdirSync(dirname(file), { recursive: true });
  const out = createWriteStream(temp);
  let loaded = 0;
  try {
    const reader = response.body!.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      loaded += value.byteLength;
      if (!out.write(value)) await new Promise<void>((r) => out.once('drain', () => r()));
      onProgress?.({ file: name, loaded, total });
    }
    await new Promise<void>((resolveClose, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolveClose())));
    if (total !== undefined && loaded !== total) throw new Error(`got ${loaded} of ${total} bytes`);
    renameSync(temp, file);
  } catch (err) {
    out.destroy();
    rmSync(temp, { force: true });
    throw new RuntimeError('E_DOWNLOAD', `${name}: download failed (${(err as Error).message})`);
  }
}

/** Links snapshot/<file> to its blob like huggingface_hub does; copies where links are not allowed. */
function linkIntoSnapshot(blob: string, target: string): void {
  mkdirSync(dirname(target), { recursive: true });
  rmSync(target, { force: true });
  try {
    symlinkSync(relative(dirname(target), blob), target);
  } catch {
    copyFileSync(blob, target);
  }
}

/**
 * Returns the snapshot folder holding the files `select` picks for `repoId`, downloading what
 * is missing. Offline (option or HF_HUB_OFFLINE) and no network: the cached snapshot if it has
 * the needed files, else an error naming the model and the cache path.
 */
export async function resolveHubModel(repoId: string, select: FileSelector, options: HubOptions = {}): Promise<string> {
  const cacheDir = options.cacheDir ?? defaultHubCacheDir();
  const revision = options.revision ?? 'main';
  const offline = options.offline ?? offlineFromEnv();
  const cached = cachedSnapshot(cacheDir, repoId, revision);
  const cachedComplete = (): string | undefined => {
    if (!cached) return undefined;
    try {
      const wanted = select(cached.files);
      return wanted.every((f) => cached.files.includes(f)) ? cached.dir : undefined;
    } catch {
      return undefined;
    }
  };
  if (offline) {
    const dir = cachedComplete();
    if (dir) return dir;
    throw new RuntimeError('E_OFFLINE', `model '${repoId}' is not in the cache at ${repoCacheDir(cacheDir, repoId)} and offline mode is on (promptsmith.offline or HF_HUB_OFFLINE)`);
  }
  const doFetch = options.fetch ?? fetch;
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  let info: { sha?: string; siblings?: { rfilename: string }[] };
  try {
    const response = await fetchOrExplain(doFetch, `${endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`, repoId, cacheDir);
    info = (await response.json()) as typeof info;
  } catch (err) {
    // No network but a complete snapshot: use it (as huggingface_hub does).
    const dir = err instanceof RuntimeError && err.code === 'E_OFFLINE' ? cachedComplete() : undefined;
    if (dir) return dir;
    throw err;
  }
  if (!info.sha || !Array.isArray(info.siblings)) throw new RuntimeError('E_DOWNLOAD', `model '${repoId}': unexpected answer from ${endpoint}/api/models`);
  const repoDir = repoCacheDir(cacheDir, repoId);
  const snapshot = join(repoDir, 'snapshots', info.sha);
  const wanted = select(info.siblings.map((s) => s.rfilename));
  for (const file of wanted) {
    const target = join(snapshot, file);
    if (existsSync(target)) continue;
    const url = `${endpoint}/${repoId}/resolve/${info.sha}/${file}`;
    const response = await fetchOrExplain(doFetch, url, repoId, cacheDir);
    const etag = (response.headers.get('x-linked-etag') ?? response.headers.get('etag') ?? `${info.sha}-${file}`).replace(/^W\//, '').replace(/"/g, '');
    const blob = join(repoDir, 'blobs', etag.replace(/[^\w.-]/g, '_'));
    if (!existsSync(blob)) await saveBody(response, blob, `${repoId}/${file}`, options.onProgress);
    else await response.body?.cancel();
    linkIntoSnapshot(blob, target);
  }
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  writeFileSync(join(repoDir, 'refs', revision), info.sha);
  return snapshot;
}
