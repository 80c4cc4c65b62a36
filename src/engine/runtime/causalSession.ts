// Opens a causal LM's ONNX file with the `logits_positions` input (onnx/scoredPositions.ts), so
// scoring runs the LM head only where it reads logits. The graph is rewritten in memory and
// handed to ORT; when that is not possible or not worth it, the file is opened as it is and
// scoring gathers from the full logits instead (forward.ts hides the difference):
//  - the head is not one findLmHead recognises, or the file does not decode here;
//  - the weights exceed SCORED_POSITIONS_MAX_BYTES: a rewritten graph over 64 MiB reaches ORT
//    through a temporary copy of its weights (modelSession.ts), and past 1 GiB that copy's disk
//    and load time outweigh what the gathered head saves on a typical evaluation;
//  - ORT refuses the rewritten graph on this provider.
import { readModelFile } from '../onnx/codec';
import type { OnnxModel } from '../onnx/ir';
import { withScoredPositions } from '../onnx/scoredPositions';
import { type Device, openSession, type SessionFactory, type SessionOnProvider } from './executionProviders';
import { openModelSession } from './modelSession';
import { createSession, modelBytes } from './ort';

/** Weights above this size keep the plain graph (measured at 540 MB: open 5.4 s → 9.2 s, a 16 × 40 scoring batch 1.4 s → 0.8 s). */
export const SCORED_POSITIONS_MAX_BYTES = 2 ** 30;

export async function openCausalSession(file: string, device: Device, factory: SessionFactory = createSession): Promise<SessionOnProvider> {
  if (factory !== createSession || modelBytes(file) > SCORED_POSITIONS_MAX_BYTES) return openSession(file, device, factory);
  let rewritten: OnnxModel | undefined;
  try {
    rewritten = withScoredPositions(readModelFile(file, { lazyTensors: true }));
  } catch {
    // A file that does not decode here gets ORT's own verdict below.
  }
  if (rewritten) {
    try {
      return await openModelSession(rewritten, device);
    } catch {
      // Opened as it is below: either that works, or its error names the file.
    }
  }
  return openSession(file, device, factory);
}
