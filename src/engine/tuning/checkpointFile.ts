// The one checkpoint file format every trainer uses: one JSON file, typed arrays as base64 of
// their bytes (bit-exact), a format version, replaced atomically so a reader or a run resumed
// after a crash never sees half of it. Each trainer decides what goes inside.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../runs/atomicFile';

export type EncodedArray = { $f32: string } | { $f64: string };

export function encodeArray(a: Float32Array | Float64Array): EncodedArray {
  const b64 = Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
  return a instanceof Float32Array ? { $f32: b64 } : { $f64: b64 };
}

export function decodeArray(v: unknown, where: string): Float32Array | Float64Array {
  const o = v as Record<string, unknown> | null;
  const b64 = o && typeof o === 'object' ? (o.$f32 ?? o.$f64) : undefined;
  if (typeof b64 !== 'string') throw new Error(`${where}: expected an encoded float array`);
  const bytes = Buffer.from(b64, 'base64');
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return '$f32' in o! ? new Float32Array(copy.buffer) : new Float64Array(copy.buffer);
}

const VERSION = 1;

/** Writes `<dir>/<fileName>` atomically; returns the file's path. */
export function writeCheckpointFile(dir: string, fileName: string, content: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, fileName);
  writeFileAtomic(file, JSON.stringify({ version: VERSION, ...content }));
  return file;
}

/**
 * Reads `path` (the checkpoint file, or the folder holding `fileName`) and hands its JSON to
 * `decode`; every error names the file (a missing one says so plainly).
 */
export function readCheckpointFile<T>(path: string, fileName: string, decode: (raw: Record<string, unknown>) => T): T {
  const file = path.endsWith('.json') ? path : join(path, fileName);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`${file}: ${code === 'ENOENT' ? 'no checkpoint here' : `unreadable checkpoint (${(err as Error).message})`}`);
  }
  try {
    if (raw.version !== VERSION) throw new Error(`unsupported checkpoint version ${JSON.stringify(raw.version)}`);
    return decode(raw);
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
}
