// Where an export may go, and how it replaces an earlier one. An export is written into a
// temporary folder and renamed into place; replacing the destination must never delete what no
// export wrote: a folder of the user's files, the checkpoint being exported, or a folder that
// holds it. The content key of the export cache lives here too: exports are redone when any
// input file changes, not only when the weights' size or mtime do.
import { createHash } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, openSync, readdirSync, readSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { isInsideFolder } from '../../../modelFiles/confinedPath';
import { ExportError } from './hfConfig';

/** Files copied beside onnx/model.onnx when present. */
export const COPIED_FILES = [
  'config.json',
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'added_tokens.json',
  'vocab.json',
  'merges.txt',
  'tokenizer.model',
  'chat_template.jinja',
];

/** What an earlier export or llama2.c import leaves in its folder, and nothing else. */
const EXPORT_FILES = new Set([...COPIED_FILES, 'onnx', 'model.safetensors']);

/** The path with symbolic links resolved where it exists (else as written). */
function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

/**
 * Throws an ExportError unless `outDir` may receive an export of `sources` (files or folders):
 * it must not be, hold or lie inside a source, and an existing folder must be empty or an
 * earlier export, unless `force` says to replace whatever it holds.
 */
export function checkExportTarget(sources: readonly string[], outDir: string, options: { force?: boolean } = {}): void {
  const out = realOrResolved(outDir);
  for (const source of sources) {
    const src = realOrResolved(source);
    if (isInsideFolder(out, src)) throw new ExportError(`--out ${outDir} is or holds the source ${source}: replacing it would delete the checkpoint; choose another folder`);
    if (isInsideFolder(src, out)) throw new ExportError(`--out ${outDir} is inside the source ${source}; choose a folder outside it`);
  }
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new ExportError(`--out ${outDir}: exists and is not a folder`);
  const entries = readdirSync(out);
  if (entries.length === 0 || options.force || isEarlierExport(out, entries)) return;
  const shown = entries.slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
  throw new ExportError(`--out ${outDir}: the folder holds files no export wrote (${shown}); choose a new or empty folder, or pass --force to replace it and everything in it`);
}

function isEarlierExport(dir: string, entries: readonly string[]): boolean {
  if (!entries.includes('onnx') || !entries.every((e) => EXPORT_FILES.has(e))) return false;
  try {
    return readdirSync(join(dir, 'onnx')).every((f) => /^model[\w.-]*\.onnx(_data[\w.-]*)?$/.test(f));
  } catch {
    return false;
  }
}

/** A fresh temporary folder name beside `outDir` (same file system, so renaming is atomic). */
export function tempFolderBeside(outDir: string): string {
  const out = resolve(outDir);
  return join(dirname(out), `.${basename(out)}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`);
}

/**
 * Puts the finished `tmp` folder at `outDir`, replacing a folder already there. If the swap
 * fails, the old folder is put back and `tmp` removed: nothing is lost and nothing is left over.
 */
export function replaceFolder(tmp: string, outDir: string): void {
  const out = resolve(outDir);
  if (!existsSync(out)) {
    try {
      renameSync(tmp, out);
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    return;
  }
  const old = `${tmp}.old`;
  try {
    renameSync(out, old);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  try {
    renameSync(tmp, out);
  } catch (err) {
    renameSync(old, out);
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  rmSync(old, { recursive: true, force: true });
}

const contentHashes = new Map<string, { stamp: string; hash: string }>();

/**
 * A key over the content of `files` (names relative to `dir`): sha256 of each file, remembered
 * per process while the file's size, mtime, ctime and inode stay the same (ctime cannot be set
 * back, so an edit always shows), so a model in use is hashed once.
 */
export function contentKey(dir: string, files: readonly string[], prefix: string): string {
  const key = createHash('sha256').update(prefix);
  for (const name of [...files].sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    const stamp = `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`;
    let known = contentHashes.get(path);
    if (known?.stamp !== stamp) {
      known = { stamp, hash: hashFile(path) };
      contentHashes.set(path, known);
    }
    key.update(`\0${name}\0${known.hash}`);
  }
  return key.digest('hex').slice(0, 16);
}

function hashFile(path: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    if (!fstatSync(fd).isFile()) throw new ExportError(`${path}: not a regular file`);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
