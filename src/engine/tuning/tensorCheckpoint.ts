// A trainer's checkpoint as one safetensors file: its arrays as tensors (bit-exact), the rest as
// JSON in the file's metadata under a format name and a version. writeSafetensors writes a
// temporary file and renames it over the old one, so a crash leaves the previous checkpoint or
// the new one, never half of one. Fine tuning and RL prompt tuning each decide what goes inside;
// every error about a file's content names the file.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openSafetensors, readSafetensors, type SafetensorsFile, type TensorToWrite, writeSafetensors } from '../onnx/safetensors';

const VERSION = 1;

export interface CheckpointFormat {
  /** The metadata's `format`, e.g. 'promptsmith-finetune'. */
  name: string;
  /** The trainer, as errors name it: "not a Promptsmith <what> checkpoint". */
  what: string;
}

/** Writes `<dir>/<fileName>`: `state` as JSON, `tensors` as they are; returns the file's path. */
export function writeTensorCheckpoint<S extends object>(dir: string, fileName: string, format: CheckpointFormat, state: S, tensors: TensorToWrite[]): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, fileName);
  writeSafetensors(file, tensors, { format: format.name, state: JSON.stringify({ version: VERSION, ...state }) });
  return file;
}

export interface SavedCheckpoint<S> {
  /** The state as written (its shape is the writer's: only the format and version are checked here). */
  state: S;
  /**
   * Tensor `name` as a fresh vector of `dtype` (and `length`, where the reader knows it); a
   * mismatch throws, saying what was `expected`.
   */
  vector(name: string, dtype: 'F32', length?: number, expected?: string): Float32Array;
  vector(name: string, dtype: 'F64', length?: number, expected?: string): Float64Array;
}

/** The run state in a checkpoint's metadata (its header alone), checked to be of `format` and this version. */
function savedState<S>(st: SafetensorsFile, format: CheckpointFormat): S {
  if (st.metadata.format !== format.name || typeof st.metadata.state !== 'string') throw new Error(`not a Promptsmith ${format.what} checkpoint`);
  const s = JSON.parse(st.metadata.state);
  if (s.version !== VERSION) throw new Error(`unsupported checkpoint version ${JSON.stringify(s.version)}`);
  return s;
}

function namingFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new Error(`${file}: bad checkpoint (${(err as Error).message})`);
  }
}

/** Reads a whole checkpoint and hands it to `decode`. */
export function readTensorCheckpoint<S, T>(file: string, format: CheckpointFormat, decode: (saved: SavedCheckpoint<S>) => T): T {
  const st = readSafetensors(file);
  return namingFile(file, () => {
    const state = savedState<S>(st, format);
    const vector = (name: string, dtype: 'F32' | 'F64', length?: number, expected = length === undefined ? `a ${dtype} vector` : `${dtype} [${length}]`) => {
      const e = st.entry(name);
      if (e.dtype !== dtype || e.shape.length !== 1 || (length !== undefined && e.shape[0] !== length)) throw new Error(`tensor '${name}' is ${e.dtype} [${e.shape}], ${expected}`);
      const bytes = e.bytes.buffer.slice(e.bytes.byteOffset, e.bytes.byteOffset + e.bytes.byteLength);
      return dtype === 'F32' ? new Float32Array(bytes) : new Float64Array(bytes);
    };
    return decode({ state, vector } as SavedCheckpoint<S>);
  });
}

/** A checkpoint's run state from its header alone (no tensor is read). */
export function readTensorCheckpointState<S>(file: string, format: CheckpointFormat): S {
  const st = openSafetensors(file);
  return namingFile(file, () => savedState<S>(st, format));
}
