// A model loaded once and shared: its resolved folder, tokenizer and (cached) ORT session on
// the chosen device. Scoring, classification and generation take one of these.
import { RuntimeError } from './errors';
import type { Device, Provider, ProviderFallback } from './executionProviders';
import { checkModelOutputs, checkTokenizerUsable } from './modelSanity';
import { describeModel, type ModelIo } from './forward';
import { contextLengthOf, type ModelFolder, type ResolveOptions, resolveModelFolder } from './modelFolder';
import type { OrtSession } from './ort';
import { SessionCache } from './sessionCache';
import { type ChatMessage, loadTokenizer, type TextTokenizer } from '../../modelFiles/tokenizer';

export interface ActiveSession {
  session: OrtSession;
  io: ModelIo;
  provider: Provider;
  fallbacks: ProviderFallback[];
}

export interface LoadOptions extends ResolveOptions {
  device?: Device;
  /** Sessions shared across models of one process; a private cache when omitted. */
  sessions?: SessionCache;
}

let sharedSessions: SessionCache | undefined;

/** The process-wide session cache (the engine process uses one for all models). */
export function processSessionCache(): SessionCache {
  sharedSessions ??= new SessionCache();
  return sharedSessions;
}

export class LanguageModel {
  private constructor(
    readonly folder: ModelFolder,
    readonly tokenizer: TextTokenizer,
    readonly device: Device,
    private readonly sessions: SessionCache,
    /** Set by the first session opened: the provider in use and why others were skipped. */
    public provider: Provider,
    public fallbacks: ProviderFallback[],
  ) {}

  /** Resolves, validates and opens the model once (so errors surface at load, not at first use). */
  static async load(spec: string, options: LoadOptions = {}): Promise<LanguageModel> {
    const folder = await resolveModelFolder(spec, options);
    const tokenizer = loadTokenizer(folder.dir);
    const sessions = options.sessions ?? processSessionCache();
    const device = options.device ?? 'auto';
    checkTokenizerUsable(tokenizer, folder.dir, folder.spec);
    const lease = await sessions.acquire(folder.onnxFile, device, { causal: folder.kind === 'causal' });
    try {
      const io = describeModel(lease.session, folder.config, folder.onnxFile);
      await checkModelOutputs(lease.session, io, tokenizer.bosId ?? folder.generation.bosTokenId ?? 0, folder.onnxFile);
      return new LanguageModel(folder, tokenizer, device, sessions, lease.provider, lease.fallbacks);
    } finally {
      lease.release();
    }
  }

  get kind(): ModelFolder['kind'] {
    return this.folder.kind;
  }

  /** Runs `fn` with the model's session (reopened transparently if it was released while idle). */
  async withSession<T>(fn: (active: ActiveSession) => Promise<T>): Promise<T> {
    const lease = await this.sessions.acquire(this.folder.onnxFile, this.device, { causal: this.folder.kind === 'causal' });
    try {
      this.provider = lease.provider;
      this.fallbacks = lease.fallbacks;
      const io = describeModel(lease.session, this.folder.config, this.folder.onnxFile);
      return await fn({ session: lease.session, io, provider: lease.provider, fallbacks: lease.fallbacks });
    } finally {
      lease.release();
    }
  }

  /** Ids that end a generation: generation_config eos ids, the tokenizer's eos, and BOS (stories end with it). */
  stopIds(): Set<number> {
    const ids = new Set(this.folder.generation.eosTokenIds);
    if (this.tokenizer.eosId !== undefined) ids.add(this.tokenizer.eosId);
    const bos = this.tokenizer.bosId ?? this.folder.generation.bosTokenId;
    if (bos !== undefined) ids.add(bos);
    return ids;
  }

  /** Positions the model was trained for (config.json), if it says. */
  contextLength(): number | undefined {
    return contextLengthOf(this.folder.config);
  }

  /**
   * Prompt ids. Text gets the tokenizer's special tokens (BOS); chat messages go through the
   * model's chat template, which writes its own special tokens. An empty prompt becomes [BOS].
   */
  encodePrompt(prompt: string | readonly ChatMessage[]): number[] {
    const ids =
      typeof prompt === 'string'
        ? this.tokenizer.encode(prompt, { addSpecialTokens: true })
        : this.tokenizer.encode(this.tokenizer.applyChatTemplate(prompt), { addSpecialTokens: false });
    if (ids.length > 0) return ids;
    const bos = this.tokenizer.bosId ?? this.folder.generation.bosTokenId;
    if (bos === undefined) throw new RuntimeError('E_BAD_INPUT', 'the prompt is empty and the model has no BOS token to start from');
    return [bos];
  }

  /** Id used for padding rows of a batch (masked out, so any valid id works). */
  padId(): number {
    return this.tokenizer.padId ?? this.folder.generation.padTokenId ?? this.tokenizer.eosId ?? 0;
  }
}
