// The ONLY module that imports onnxruntime-node. Everything else asks this file for sessions
// and tensors, so the native binding is loaded lazily, once, and only in engine processes.
import type * as OrtModule from 'onnxruntime-node';

export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;
export type OrtTensor = OrtModule.Tensor;

let loaded: Ort | undefined;

/** Loads onnxruntime-node on first use (never at import time). */
export function ort(): Ort {
  if (!loaded) {
    // A lazy require keeps the native module out of start-up and out of non-engine processes.
    loaded = require('onnxruntime-node') as Ort;
  }
  return loaded;
}
