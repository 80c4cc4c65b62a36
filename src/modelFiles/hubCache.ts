// The Hugging Face cache layout (models--org--name/refs, snapshots/<commit>/…), read without the
// network or a runtime, so the language server can tell whether a hub model is cached.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const HUB_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

export function looksLikeHubId(spec: string): boolean {
  return HUB_ID.test(spec) && !spec.startsWith('.') && !spec.includes('..');
}

export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, 'hub');
  return join(homedir(), '.cache', 'huggingface', 'hub');
}

/** The hub token, as huggingface_hub finds it: HF_TOKEN, the legacy HUGGING_FACE_HUB_TOKEN, then the token file (HF_TOKEN_PATH, else $HF_HOME/token, else ~/.cache/huggingface/token). */
export function hubToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = (env.HF_TOKEN ?? env.HUGGING_FACE_HUB_TOKEN)?.trim();
  if (fromEnv) return fromEnv;
  const file = env.HF_TOKEN_PATH ?? (env.HF_HOME ? join(env.HF_HOME, 'token') : join(homedir(), '.cache', 'huggingface', 'token'));
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token || undefined;
  } catch {
    return undefined;
  }
}

export function offlineFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = (env.HF_HUB_OFFLINE ?? '').toLowerCase();
  return v === '1' || v === 'true' || v === 'yes' || v === 'on';
}

export function repoCacheDir(cacheDir: string, repoId: string): string {
  return join(cacheDir, `models--${repoId.replace(/\//g, '--')}`);
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(path).isDirectory() ? listFiles(path, rel) : [rel];
  });
}

/** The cached snapshot for a revision, if any: its folder and the files it holds. */
export function cachedSnapshot(cacheDir: string, repoId: string, revision = 'main'): { dir: string; files: string[] } | undefined {
  const repoDir = repoCacheDir(cacheDir, repoId);
  const refFile = join(repoDir, 'refs', revision);
  const commit = existsSync(refFile) ? readFileSync(refFile, 'utf8').trim() : revision;
  const dir = join(repoDir, 'snapshots', commit);
  return existsSync(dir) ? { dir, files: listFiles(dir) } : undefined;
}
