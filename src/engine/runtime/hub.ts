// Hugging Face hub ids (e.g. onnx-community/SmolLM2-135M-Instruct) resolved into the standard
// HF cache layout that huggingface_hub uses, so models are shared with Python tools:
//   <cache>/models--<org>--<name>/{refs/<revision>, blobs/<etag>, snapshots/<commit>/<file>}
// Files come from <endpoint>/<repo>/resolve/<commit>/<file> (hubDownload.ts: HF_TOKEN, resume,
// checksums). We fetch directly rather than through @huggingface/transformers (its node build
// loads onnxruntime-node on import, and only ort.ts may) or @huggingface/hub (2.x pulls a WASM
// chunker for Xet storage; these files come from the plain resolve endpoint either way).
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { cachedSnapshot, defaultHubCacheDir, hubToken, offlineFromEnv, repoCacheDir } from '../../modelFiles/hubCache';
import { describeRemoteModel, remoteModelOf } from '../../promptFile/modelIds';
import { RuntimeError } from './errors';
import { downloadBlob, hubError } from './hubDownload';

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
  /** Default: hubToken() (HF_TOKEN, HUGGING_FACE_HUB_TOKEN, the token file); '' sends none. */
  token?: string;
  /** Only for tests of the download path; defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** Chooses, from the repository's file list, the files to download (relative paths). */
export type FileSelector = (files: readonly string[]) => string[];

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
  const remote = remoteModelOf(repoId);
  if (remote) throw new RuntimeError('E_MODEL_NOT_FOUND', describeRemoteModel(repoId, remote));
  const doFetch = options.fetch ?? fetch;
  const token = (options.token ?? hubToken()) || undefined; // '' = no token
  const endpoint = (options.endpoint ?? process.env.HF_ENDPOINT ?? 'https://huggingface.co').replace(/\/$/, '');
  const repoDir = repoCacheDir(cacheDir, repoId);
  let info: { sha?: string; siblings?: { rfilename: string }[] };
  const apiUrl = `${endpoint}/api/models/${repoId}/revision/${encodeURIComponent(revision)}`;
  try {
    let response: Response;
    try {
      response = await doFetch(apiUrl, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new RuntimeError('E_OFFLINE', `model '${repoId}': cannot reach the hub (${cause}) and it is not in the cache at ${repoDir}`);
    }
    if (!response.ok) throw hubError(repoId, apiUrl, response.status, token !== undefined);
    info = (await response.json()) as typeof info;
  } catch (err) {
    // No network but a complete snapshot: use it (as huggingface_hub does).
    const dir = err instanceof RuntimeError && err.code === 'E_OFFLINE' ? cachedComplete() : undefined;
    if (dir) return dir;
    throw err;
  }
  if (!info.sha || !Array.isArray(info.siblings)) throw new RuntimeError('E_DOWNLOAD', `model '${repoId}': unexpected answer from ${endpoint}/api/models`);
  const snapshot = join(repoDir, 'snapshots', info.sha);
  const wanted = select(info.siblings.map((s) => s.rfilename));
  for (const file of wanted) {
    const target = join(snapshot, file);
    if (existsSync(target)) continue;
    const url = `${endpoint}/${repoId}/resolve/${info.sha}/${file.split('/').map(encodeURIComponent).join('/')}`;
    const blob = await downloadBlob({ repoId, url, name: `${repoId}/${file}`, blobsDir: join(repoDir, 'blobs'), token, fetch: doFetch, onProgress: options.onProgress, cacheHint: repoDir });
    linkIntoSnapshot(blob, target);
  }
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  writeFileSync(join(repoDir, 'refs', revision), info.sha);
  return snapshot;
}
