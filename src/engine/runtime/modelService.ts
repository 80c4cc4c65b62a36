// The engine's model methods behind the protocol: models are loaded once per (model, device,
// variant) and shared by every request; results carry the provider that ran them.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type {
  ClassifyParams,
  ClassifyResultWire,
  EngineStats,
  GenerateParams,
  GenerateResultWire,
  LoadModelResult,
  ModelEvent,
  ModelRef,
  ScoreParams,
  ScoreResultWire,
} from '../../protocol/modelApi';
import { classify } from './classify';
import { generate } from './generation';
import { LanguageModel, processSessionCache } from './languageModel';
import type { ModelProgress } from './modelFolder';
import { score } from './scoring';

export interface ServiceContext {
  emit(event: ModelEvent): void;
  signal: AbortSignal;
}

/**
 * Sizes and times of a local model folder's files: a re-exported or edited model is noticed on
 * the next request and loaded afresh instead of serving the old one until the engine restarts.
 */
export function folderFingerprint(dir: string): string {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return '';
  const parts: string[] = [];
  for (const sub of ['', 'onnx']) {
    const folder = join(dir, sub);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder).sort()) {
      if (!/\.(json|safetensors|bin|onnx|onnx_data)$/.test(name)) continue;
      const st = statSync(join(folder, name));
      parts.push(`${sub}/${name}:${st.size}:${st.mtimeMs}`);
    }
  }
  return parts.join('|');
}

interface ModelEntry {
  ref: ModelRef;
  fingerprint: string;
  /** When the fingerprint was last taken: it is re-taken at most once per FINGERPRINT_TTL_MS. */
  checkedAt: number;
  loading: Promise<LanguageModel>;
}

/**
 * A folder edited on disk is noticed within this long. Checking on every request costs a dozen
 * stat calls, which a scoring request of a small model feels (0.35 ms of ~3 ms measured).
 */
const FINGERPRINT_TTL_MS = 1000;

export class ModelService {
  private readonly models = new Map<string, ModelEntry>();

  constructor(private readonly fingerprintTtlMs = FINGERPRINT_TTL_MS) {}

  /** Whether a model names a local folder (a stat, 75 µs of a scoring request here), re-checked as often as the fingerprints. */
  private readonly localPaths = new Map<string, { path: string | undefined; checkedAt: number }>();

  private key(ref: ModelRef, now: number): string {
    const path = resolve(ref.model);
    let local = this.localPaths.get(path);
    if (!local || now - local.checkedAt >= this.fingerprintTtlMs) {
      local = { path: existsSync(path) ? path : undefined, checkedAt: now };
      this.localPaths.set(path, local);
    }
    return [local.path ?? ref.model, ref.device ?? 'auto', ref.variant ?? ''].join('\u0000');
  }

  /** The loaded model for `ref`, loading it on first use (concurrent callers share one load). */
  model(ref: ModelRef, ctx?: ServiceContext): Promise<LanguageModel> {
    const now = Date.now();
    const key = this.key(ref, now);
    let entry = this.models.get(key);
    if (entry && now - entry.checkedAt >= this.fingerprintTtlMs) {
      if (entry.fingerprint !== folderFingerprint(resolve(ref.model))) entry = undefined;
      else entry.checkedAt = now;
    }
    if (!entry) {
      const fingerprint = folderFingerprint(resolve(ref.model));
      const onProgress = (p: ModelProgress) => {
        if (p.phase === 'download') ctx?.emit({ type: 'download', file: p.file, loaded: p.loaded, total: p.total ?? null });
        else ctx?.emit({ type: 'export', fraction: p.fraction, message: p.message });
      };
      const loading = LanguageModel.load(ref.model, { device: ref.device, variant: ref.variant, offline: ref.offline, cacheDir: ref.cacheDir, onProgress, sessions: processSessionCache() });
      const created: ModelEntry = { ref, fingerprint, checkedAt: now, loading };
      entry = created;
      this.models.set(key, created);
      // A failed load is forgotten, so fixing the folder and asking again works.
      loading.catch(() => {
        if (this.models.get(key) === created) this.models.delete(key);
      });
    }
    return entry.loading;
  }

  async loadModel(ref: ModelRef, ctx: ServiceContext): Promise<LoadModelResult> {
    const m = await this.model(ref, ctx);
    return {
      dir: m.folder.dir,
      kind: m.folder.kind,
      architecture: m.folder.architecture,
      variant: m.folder.variant,
      device: m.provider,
      fallbacks: m.fallbacks,
      vocabSize: m.tokenizer.vocabSize,
      hasChatTemplate: m.tokenizer.hasChatTemplate,
    };
  }

  async generate(params: GenerateParams, ctx: ServiceContext): Promise<GenerateResultWire> {
    const m = await this.model(params, ctx);
    const r = await generate(m, params.messages ?? params.prompt ?? '', {
      maxTokens: params.maxTokens,
      temperature: params.temperature,
      topK: params.topK,
      topP: params.topP,
      stop: params.stop,
      seed: params.seed,
      greedy: params.greedy,
      signal: ctx.signal,
      onToken: (piece) => ctx.emit({ type: 'token', id: piece.id, text: piece.text }),
    });
    return { ids: r.ids, text: r.text, finishReason: r.finishReason, promptTokens: r.promptTokens, tokensPerS: r.tokensPerS, seed: r.seed, device: r.device };
  }

  async score(params: ScoreParams, ctx: ServiceContext): Promise<ScoreResultWire> {
    const m = await this.model(params, ctx);
    const r = await score(m, params.prompts, params.continuations, { batchSize: params.batchSize, signal: ctx.signal });
    return { items: r.items.map((i) => ({ logprob: i.logprob, tokenLogprobs: i.tokenLogprobs, tokens: i.tokens, tokenTexts: i.tokenTexts })), device: r.device };
  }

  async classify(params: ClassifyParams, ctx: ServiceContext): Promise<ClassifyResultWire> {
    const m = await this.model(params, ctx);
    return classify(m, params.texts, params.template, params.labels, { batchSize: params.batchSize, signal: ctx.signal });
  }

  async stats(): Promise<EngineStats> {
    const models: EngineStats['models'] = [];
    for (const { ref, loading } of this.models.values()) {
      const m = await loading.catch(() => undefined);
      if (m) models.push({ model: ref.model, device: m.provider, dir: m.folder.dir });
    }
    // maxRSS is in kilobytes.
    return { pid: process.pid, rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024, models };
  }

  async dispose(): Promise<void> {
    this.models.clear();
    this.localPaths.clear();
    await processSessionCache().dispose();
  }
}

/** The engine process's one service. */
export const modelService = new ModelService();
