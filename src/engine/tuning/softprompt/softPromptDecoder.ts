// The model's own decoder graph (the KV-cache ONNX file generation runs) with the `soft_prompt
// [n, d]` input added by the same surgery as tuning, opened on the provider the model runs on.
// Sessions are cached per (ONNX file version, n, provider): every generation with an adapter of
// n tokens on that model reuses one session; only the soft prompt tensor changes per call.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { readModelFile } from '../../onnx/codec';
import type { Provider } from '../../runtime/executionProviders';
import type { LanguageModel } from '../../runtime/languageModel';
import { openModelSession } from '../../runtime/modelSession';
import { float32Tensor, type OrtFeeds, type OrtSession } from '../../runtime/ort';
import { addSoftPromptInput, SOFT_PROMPT_INPUT } from './surgery';

export interface SoftPromptDecoder {
  session: OrtSession;
  provider: Provider;
  numVirtualTokens: number;
  /** Vocabulary size V of the embedding table: virtual token i has id V + i. */
  vocabSize: number;
  hidden: number;
}

/** Decoders kept open at most (adapters of other lengths or models evict the oldest). */
const MAX_CACHED = 4;
const cache = new Map<string, Promise<SoftPromptDecoder>>();

function cacheKey(onnxFile: string, n: number, provider: Provider): string {
  const path = resolve(onnxFile);
  const st = statSync(path);
  // The file's size and time are in the key: a re-exported model gets a new decoder.
  return [path, `${st.size}:${st.mtimeMs}`, n, provider].join('\u0000');
}

async function buildDecoder(onnxFile: string, n: number, provider: Provider): Promise<SoftPromptDecoder> {
  const graph = addSoftPromptInput(readModelFile(onnxFile, { lazyTensors: true }), n);
  const opened = await openModelSession(graph.model, provider);
  return { session: opened.session, provider: opened.provider, numVirtualTokens: n, vocabSize: graph.vocabSize, hidden: graph.hidden };
}

/** The decoder with an `n`-token soft prompt input for `model`, on the model's provider. */
export function softPromptDecoder(model: LanguageModel, n: number): Promise<SoftPromptDecoder> {
  const key = cacheKey(model.folder.onnxFile, n, model.provider);
  let entry = cache.get(key);
  if (entry) {
    // Most recently used goes last, so eviction takes the oldest.
    cache.delete(key);
    cache.set(key, entry);
    return entry;
  }
  entry = buildDecoder(model.folder.onnxFile, n, model.provider);
  cache.set(key, entry);
  // A failed build is forgotten, so fixing the model and asking again works.
  entry.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  while (cache.size > MAX_CACHED) {
    const [oldest, evicted] = cache.entries().next().value as [string, Promise<SoftPromptDecoder>];
    cache.delete(oldest);
    // Released once any run that holds it has had its turn (runs on one model are queued).
    evicted.then((d) => d.session.release()).catch(() => undefined);
  }
  return entry;
}

/** How many decoders are cached (tests check that a second run reuses the first's). */
export function cachedSoftPromptDecoders(): number {
  return cache.size;
}

/**
 * A view of the decoder that looks like the plain model to the runtime's forward pass: it hides
 * the `soft_prompt` input and feeds the adapter's embeddings at every step (the virtual ids of
 * a cached prefix are never looked up again, but the graph needs the input on every run).
 */
export function feedingSoftPrompt(decoder: SoftPromptDecoder, embeddings: Float32Array): OrtSession {
  const { session, numVirtualTokens: n, hidden: d } = decoder;
  if (embeddings.length !== n * d) throw new Error(`soft prompt: expected ${n}×${d} values, got ${embeddings.length}`);
  const tensor = float32Tensor(embeddings, [n, d]);
  const metadata = (session as unknown as { inputMetadata?: readonly { name: string }[] }).inputMetadata;
  const view = {
    inputNames: session.inputNames.filter((name) => name !== SOFT_PROMPT_INPUT),
    outputNames: session.outputNames,
    inputMetadata: metadata?.filter((m) => m.name !== SOFT_PROMPT_INPUT),
    outputMetadata: (session as unknown as { outputMetadata?: unknown }).outputMetadata,
    run: (feeds: OrtFeeds, fetches?: readonly string[]) =>
      fetches === undefined ? session.run({ ...feeds, [SOFT_PROMPT_INPUT]: tensor }) : session.run({ ...feeds, [SOFT_PROMPT_INPUT]: tensor }, fetches),
    release: () => Promise.resolve(),
  };
  return view as unknown as OrtSession;
}
