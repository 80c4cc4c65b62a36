// The ONLY module that imports onnxruntime-node. Everything else asks this file for sessions
// and tensors, so the native binding is loaded lazily, once, and only in engine processes.
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as OrtModule from 'onnxruntime-node';

export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;
export type OrtTensor = OrtModule.Tensor;
export type OrtFeeds = Record<string, OrtModule.Tensor>;

let loaded: Ort | undefined;

/** Loads onnxruntime-node on first use (never at import time). */
export function ort(): Ort {
  if (!loaded) {
    // A lazy require keeps the native module out of start-up and out of non-engine processes.
    try {
      loaded = require('onnxruntime-node') as Ort;
    } catch (err) {
      throw new Error(`cannot load onnxruntime-node (${(err as Error).message.split('\n')[0]}); run 'npm ci' in the extension folder`);
    }
  }
  return loaded;
}

/** Provider names the installed onnxruntime-node knows, and whether their files ship with it. */
export function supportedBackends(): { name: string; bundled: boolean }[] {
  const list = (ort() as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] }).listSupportedBackends;
  return list ? list() : [{ name: 'cpu', bundled: true }];
}

/**
 * Whether the CUDA provider's library sits beside the native binding. onnxruntime-node's npm
 * package leaves it out (its install step downloads it), so asking ORT without it only logs noise.
 */
export function cudaProviderFilesPresent(): boolean {
  try {
    const bindingDir = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
    const file = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(bindingDir, file));
  } catch {
    return false;
  }
}

/**
 * Below this size (about 25M fp32 parameters) each op is too small to split across threads: the
 * hand-offs between threads cost more than they save, so CPU sessions run on one thread
 * (stories260k: 65 decoding steps in 56 ms on one thread vs 67 ms on two, measured side by side).
 */
const SMALL_MODEL_BYTES = 100 * 2 ** 20;

/** A model's bytes: the buffer's, or the file's with its external data file (infinite when unreadable). */
export function modelBytes(source: string | Uint8Array): number {
  if (typeof source !== 'string') return source.byteLength;
  try {
    const dataFile = `${source}_data`;
    return statSync(source).size + (existsSync(dataFile) ? statSync(dataFile).size : 0);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** What a caller knows that the model bytes do not say. */
export interface SessionTuning {
  /** Bytes of weights fed as inputs at run time (training graphs hold none): counts toward the model's size. */
  inputWeightBytes?: number;
  /**
   * false: no CPU memory arena (nor per-shape memory patterns), so a training step's large
   * transient tensors go back to the system after the run instead of staying in an arena that
   * keeps the largest peak of every batch shape.
   */
  memoryArena?: boolean;
  /**
   * false: kernels read the weights as they are instead of keeping a repacked copy of each
   * (ORT's CPU MatMul/Gemm prepacking). A graph that multiplies by a weight both ways (forward
   * and backward) would otherwise hold it twice more; big matrix products lose little.
   */
  prepackWeights?: boolean;
}

/**
 * Creates a session on exactly one execution provider (no silent fallback inside ORT: the
 * caller decides what to try next). `source` is a file path or the model's bytes.
 */
export async function createSession(source: string | Uint8Array, provider: string, tuning: SessionTuning = {}): Promise<OrtSession> {
  const size = modelBytes(source) + (tuning.inputWeightBytes ?? 0);
  const options: OrtModule.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    ...(provider === 'cpu' && size < SMALL_MODEL_BYTES ? { intraOpNumThreads: 1 } : {}),
    ...(tuning.memoryArena === false ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
    graphOptimizationLevel: 'all',
    // Errors reach the caller as exceptions; keep ORT's own console output to errors only.
    logSeverityLevel: 3,
    // No busy-waiting between ops: the engine shares the machine with the editor, and spinning
    // threads cost 3-4x throughput on small models when cores are contended (bench/generation).
    extra: {
      session: {
        intra_op: { allow_spinning: '0' },
        inter_op: { allow_spinning: '0' },
        ...(tuning.prepackWeights === false ? { disable_prepacking: '1' } : {}),
      },
    },
  };
  const { InferenceSession } = ort();
  return typeof source === 'string' ? InferenceSession.create(source, options) : InferenceSession.create(source, options);
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/**
 * Integers as int64, written as two int32 halves where they fit 32 bits: a BigInt per element
 * allocates, and token ids, masks and positions went through ~1,000 of them per forward call.
 */
export function toInt64Array(values: ArrayLike<number>, out = new BigInt64Array(values.length), at = 0): BigInt64Array {
  const words = LITTLE_ENDIAN ? new Int32Array(out.buffer, out.byteOffset, out.length * 2) : undefined;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (words && (v | 0) === v) {
      words[2 * (at + i)] = v;
      words[2 * (at + i) + 1] = v < 0 ? -1 : 0;
    } else {
      out[at + i] = BigInt(v);
    }
  }
  return out;
}

export function int64Tensor(values: readonly number[] | BigInt64Array, dims: readonly number[]): OrtTensor {
  const data = values instanceof BigInt64Array ? values : toInt64Array(values);
  return new (ort().Tensor)('int64', data, dims);
}

export function float32Tensor(values: Float32Array, dims: readonly number[]): OrtTensor {
  return new (ort().Tensor)('float32', values, dims);
}

/** Tensor metadata of a session's inputs: name → shape (numbers or symbolic names) and type. */
export function inputShapes(session: OrtSession): Map<string, { type: string; shape: readonly (number | string)[] }> {
  const shapes = new Map<string, { type: string; shape: readonly (number | string)[] }>();
  const metadata = (session as unknown as { inputMetadata?: readonly OrtModule.InferenceSession.ValueMetadata[] }).inputMetadata ?? [];
  for (const m of metadata) {
    if (m.isTensor) shapes.set(m.name, { type: m.type, shape: m.shape });
  }
  return shapes;
}
