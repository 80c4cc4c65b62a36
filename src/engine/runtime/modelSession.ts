// Opening a session on an in-memory ONNX model (a graph made by surgery or the autodiff). Small
// models go to ORT as bytes. A big one would then exist three times at once: the graph's
// tensors here, its encoded bytes, and ORT's parsed copy; so its tensors are written once to a
// private temporary folder as external data, ORT reads them from there, and the folder is
// removed as soon as the session is open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeModel, initializerBytes, writeModelFile } from '../onnx/codec';
import type { OnnxModel } from '../onnx/ir';
import { createSession, type SessionTuning } from './ort';
import { type Device, openSession, type SessionOnProvider } from './executionProviders';

/** Above this many bytes of initializers the model goes through a temporary file. */
export const IN_MEMORY_LIMIT = 64 * 2 ** 20;

export async function openModelSession(model: OnnxModel, device: Device, tuning?: SessionTuning, inMemoryLimit = IN_MEMORY_LIMIT): Promise<SessionOnProvider> {
  if (initializerBytes(model) <= inMemoryLimit) return openSession(encodeModel(model), device, createSession, tuning);
  const dir = mkdtempSync(join(tmpdir(), 'promptsmith-model-'));
  try {
    const file = join(dir, 'model.onnx');
    writeModelFile(file, model, true);
    return await openSession(file, device, createSession, tuning);
  } finally {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // A platform that keeps an open file from being removed: the OS temp folder clears it.
    }
  }
}
