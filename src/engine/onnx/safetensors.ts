// safetensors read/write (https://github.com/huggingface/safetensors: u64 LE header length, JSON
// header {name: {dtype, shape, data_offsets}}, then the data section). Every error names the file
// and, where one is involved, the tensor.
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { confinedPath } from '../../modelFiles/confinedPath';
import { FILE_LIMITS, FileReadError, readRegularFile, readRegularFileBytes } from '../../modelFiles/regularFile';
import { bfloat16ToFloat32, float16ToFloat32 } from './tensorTypes';

export { halfToFloat } from './tensorTypes';

export type SafetensorsDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

const DTYPE_BYTES: Record<SafetensorsDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export class SafetensorsError extends Error {}

export interface SafetensorsEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** The tensor's bytes, a view into the file buffer. */
  bytes: Uint8Array;
}

export class SafetensorsFile {
  constructor(
    readonly path: string,
    readonly entries: Map<string, SafetensorsEntry>,
    readonly metadata: Record<string, string>,
  ) {}

  has(name: string): boolean {
    return this.entries.has(name);
  }

  entry(name: string): SafetensorsEntry {
    const e = this.entries.get(name);
    if (!e) throw new SafetensorsError(`${this.path}: no tensor named '${name}'`);
    return e;
  }

  /** The tensor as float32 (F16/BF16/F64/ints converted); a fresh array the caller may keep. */
  float32(name: string): Float32Array {
    return entryToFloat32(this.entry(name), this.path);
  }
}

/** Parses safetensors bytes; `source` names the file in errors. */
export function parseSafetensors(bytes: Uint8Array, source: string): SafetensorsFile {
  if (bytes.length < 8) throw new SafetensorsError(`${source}: truncated safetensors file (${bytes.length} bytes, the header length alone needs 8)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) {
    throw new SafetensorsError(`${source}: bad safetensors header: its length ${headerLength} runs past the end of the ${bytes.length}-byte file`);
  }
  const dataStart = 8 + headerLength;
  const header = parseHeader(bytes.subarray(8, dataStart), bytes.length - dataStart, source);
  const entries = new Map<string, SafetensorsEntry>();
  for (const e of header.entries) entries.set(e.name, { name: e.name, dtype: e.dtype, shape: e.shape, bytes: bytes.subarray(dataStart + e.begin, dataStart + e.end) });
  return new SafetensorsFile(source, entries, header.metadata);
}

/**
 * Opens a safetensors file reading only its header; each tensor's bytes are read from the file
 * when asked for (every time), so a checkpoint of any size is never in memory all at once.
 */
export function openSafetensors(path: string): SafetensorsFile {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new SafetensorsError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  let dataStart: number;
  let header: ReturnType<typeof parseHeader>;
  try {
    const size = fstatSync(fd).size;
    if (size < 8) throw new SafetensorsError(`${path}: truncated safetensors file (${size} bytes, the header length alone needs 8)`);
    const head = readRange(fd, 0, 8, path);
    const headerLength = Number(new DataView(head.buffer).getBigUint64(0, true));
    if (headerLength > size - 8) throw new SafetensorsError(`${path}: bad safetensors header: its length ${headerLength} runs past the end of the ${size}-byte file`);
    dataStart = 8 + headerLength;
    header = parseHeader(readRange(fd, 8, headerLength, path), size - dataStart, path);
  } finally {
    closeSync(fd);
  }
  const entries = new Map<string, SafetensorsEntry>();
  for (const e of header.entries) {
    entries.set(e.name, {
      name: e.name,
      dtype: e.dtype,
      shape: e.shape,
      get bytes() {
        const file = openSync(path, 'r');
        try {
          return readRange(file, dataStart + e.begin, e.end - e.begin, path);
        } finally {
          closeSync(file);
        }
      },
    });
  }
  return new SafetensorsFile(path, entries, header.metadata);
}

function readRange(fd: number, position: number, length: number, path: string): Uint8Array {
  const out = new Uint8Array(length);
  for (let done = 0; done < length; ) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) throw new SafetensorsError(`${path}: truncated (wanted ${length} bytes at ${position})`);
    done += n;
  }
  return out;
}

interface HeaderEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  /** Byte range in the data section. */
  begin: number;
  end: number;
}

function parseHeader(headerBytes: Uint8Array, dataLength: number, source: string): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    throw new SafetensorsError(`${source}: bad safetensors header: not JSON (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new SafetensorsError(`${source}: bad safetensors header: not a JSON object`);
  const entries: HeaderEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const where = `${source}: tensor '${name}'`;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) throw new SafetensorsError(`${where}: header entry is not an object`);
    const dtype = info.dtype as SafetensorsDType;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_BYTES)) throw new SafetensorsError(`${where}: unsupported dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new SafetensorsError(`${where}: bad shape ${JSON.stringify(shape)}`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
      throw new SafetensorsError(`${where}: bad data_offsets ${JSON.stringify(offsets)}`);
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) throw new SafetensorsError(`${where}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLength} bytes; file truncated?)`);
    const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) throw new SafetensorsError(`${where}: data_offsets span ${end - begin} bytes but ${dtype} shape [${shape}] needs ${expected}`);
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  return { entries, metadata };
}

export function readSafetensors(path: string): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFileBytes(path, FILE_LIMITS.weights);
  } catch (e) {
    throw new SafetensorsError((e as Error).message);
  }
  return parseSafetensors(bytes, path);
}

/** A weight_map shard name: a file in the checkpoint folder itself, never a path leading elsewhere. */
function shardPath(dir: string, indexPath: string, name: string, shard: unknown): string {
  if (typeof shard !== 'string' || shard === '') throw new SafetensorsError(`${indexPath}: weight_map['${name}'] must be a file name, got ${JSON.stringify(shard)}`);
  const path = confinedPath(dir, shard);
  if (path === undefined || shard.includes('/') || shard.includes('\\')) {
    throw new SafetensorsError(`${indexPath}: weight_map['${name}'] names '${shard}', which is not a file in ${dir}; shards must sit beside the index`);
  }
  return path;
}

/**
 * The tensors of a Hugging Face checkpoint folder: `model.safetensors`, or the shards listed in
 * `model.safetensors.index.json`. Looked up by name across shards; read from disk tensor by
 * tensor when asked for.
 */
export class SafetensorsCheckpoint {
  private constructor(private readonly byName: Map<string, SafetensorsFile>, readonly files: string[]) {}

  static open(dir: string): SafetensorsCheckpoint {
    const indexPath = join(dir, 'model.safetensors.index.json');
    if (existsSync(indexPath)) {
      let weightMap: unknown;
      try {
        weightMap = JSON.parse(readRegularFile(indexPath, FILE_LIMITS.json)).weight_map;
      } catch (e) {
        throw new SafetensorsError(e instanceof FileReadError ? e.message : `${indexPath}: not valid JSON (${(e as Error).message})`);
      }
      if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) throw new SafetensorsError(`${indexPath}: missing 'weight_map'`);
      const shards = new Map<string, SafetensorsFile>();
      const byName = new Map<string, SafetensorsFile>();
      const entries = Object.entries(weightMap as Record<string, unknown>).map(([name, shard]) => [name, shardPath(dir, indexPath, name, shard)] as const);
      for (const [name, path] of entries) {
        let file = shards.get(path);
        if (!file) {
          file = openSafetensors(path);
          shards.set(path, file);
        }
        byName.set(name, file);
      }
      return new SafetensorsCheckpoint(byName, [...shards.values()].map((f) => f.path));
    }
    const path = join(dir, 'model.safetensors');
    if (!existsSync(path)) throw new SafetensorsError(`${path}: missing (no model.safetensors or model.safetensors.index.json in ${dir})`);
    const file = openSafetensors(path);
    return new SafetensorsCheckpoint(new Map([...file.entries.keys()].map((k) => [k, file])), [path]);
  }

  has(name: string): boolean {
    return this.byName.get(name)?.has(name) ?? false;
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  entry(name: string): SafetensorsEntry {
    const file = this.byName.get(name);
    if (!file) throw new SafetensorsError(`${this.files.join(', ')}: no tensor named '${name}'`);
    return file.entry(name);
  }

  /**
   * A float32 copy of a tensor, checking its shape when `shape` is given. NaN or infinite values
   * are refused: such weights make every score NaN and every generation empty, without a word.
   */
  float32(name: string, shape?: number[]): Float32Array {
    return this.lazyFloat32(name, shape)();
  }

  /**
   * Checks the tensor's shape now and returns a function that reads it as float32 (from disk,
   * a fresh array each call): exporters build lazy initializers with it.
   */
  lazyFloat32(name: string, shape?: number[]): () => Float32Array {
    const entry = this.entry(name);
    const path = this.byName.get(name)!.path;
    if (shape && (entry.shape.length !== shape.length || entry.shape.some((d, i) => d !== shape[i]))) {
      throw new SafetensorsError(`${path}: tensor '${name}' has shape [${entry.shape}], config.json implies [${shape}]`);
    }
    // Read when the graph needs it; a broken checkpoint (NaN or infinite weights) is refused then.
    return () => {
      const values = entryToFloat32(entry, path);
      let bad = 0;
      for (const v of values) if (!Number.isFinite(v)) bad++;
      if (bad > 0) throw new SafetensorsError(`${path}: tensor '${name}' holds ${bad} NaN or infinite values of ${values.length}: the checkpoint is broken`);
      return values;
    };
  }
}

export function entryToFloat32(entry: SafetensorsEntry, source: string): Float32Array {
  const b = entry.bytes;
  const copy = new Uint8Array(b); // an aligned copy (Buffer.slice would be a view)
  switch (entry.dtype) {
    case 'F32':
      return new Float32Array(copy.buffer);
    case 'F16':
      return float16ToFloat32(new Uint16Array(copy.buffer));
    case 'BF16':
      return bfloat16ToFloat32(new Uint16Array(copy.buffer));
    case 'F64':
      return Float32Array.from(new Float64Array(copy.buffer));
    case 'I64':
      return Float32Array.from(new BigInt64Array(copy.buffer), (v) => Number(v));
    case 'I32':
      return Float32Array.from(new Int32Array(copy.buffer));
    case 'I16':
      return Float32Array.from(new Int16Array(copy.buffer));
    case 'I8':
      return Float32Array.from(new Int8Array(copy.buffer));
    case 'U8':
    case 'BOOL':
      return Float32Array.from(copy);
    default:
      throw new SafetensorsError(`${source}: tensor '${entry.name}': cannot convert ${entry.dtype} to float32`);
  }
}

export interface TensorToWrite {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Uint16Array | Int16Array;
}

/** The header bytes (length prefix included) of a file holding `tensors`, and the data size. */
function safetensorsHeader(tensors: TensorToWrite[], metadata?: Record<string, string>): { header: Uint8Array; dataBytes: number } {
  const json: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) json['__metadata__'] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== size) throw new SafetensorsError(`tensor '${t.name}': ${t.data.byteLength} data bytes, ${t.dtype} shape [${t.shape}] needs ${size}`);
    json[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let text = JSON.stringify(json);
  // Pad the header with spaces so the data section starts 8-byte aligned (as the reference writer does).
  text += ' '.repeat((8 - ((8 + Buffer.byteLength(text)) % 8)) % 8);
  const body = new TextEncoder().encode(text);
  const header = new Uint8Array(8 + body.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(body.length), true);
  header.set(body, 8);
  return { header, dataBytes: offset };
}

function bytesOf(t: TensorToWrite): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

/** Serializes tensors (in the given order) with optional string metadata. */
export function encodeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const { header, dataBytes } = safetensorsHeader(tensors, metadata);
  const out = new Uint8Array(header.length + dataBytes);
  out.set(header, 0);
  let at = header.length;
  for (const t of tensors) {
    out.set(bytesOf(t), at);
    at += t.data.byteLength;
  }
  return out;
}

/**
 * Writes a safetensors file atomically (temp file + rename), tensor by tensor, so a large
 * checkpoint is never assembled in memory a second time.
 */
export function writeSafetensors(path: string, tensors: TensorToWrite[], metadata?: Record<string, string>): void {
  const { header } = safetensorsHeader(tensors, metadata);
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, header);
    for (const t of tensors) writeAll(fd, bytesOf(t));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
}
