// The "tune soft prompt" task: from a .prompt file (model, task datasets and labels,
// promptsmith.softPrompt settings) to a PEFT adapter folder, with progress events, cancel,
// checkpoints and resume. Shared by the CLI (`promptsmith tune soft`) and the engine method.
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { PromptsmithSoftPrompt } from '../../../language/analysis/promptFile';
import { writeJsonAtomic } from '../../host/runMeta';
import { createRun, type RunHandle } from '../../host/runStore';
import type { Device } from '../../runtime/executionProviders';
import { Rng } from '../optim/rng';
import { tableStd, trainBbt } from './bbt';
import { BBT_CHECKPOINT_FILE } from './bbtCheckpoint';
import { CHECKPOINT_FILE } from './checkpoint';
import { initialSoftPrompt } from './init';
import { NEAREST_TOKENS_FILE, type NearestToken, nearestTokens } from './nearestTokens';
import { SoftPromptObjective } from './objective';
import { PROMPT_TUNING_INITS, type PromptTuningInit, saveSoftPrompt } from './peft';
import { openSoftPromptSessions, releaseSessions } from './softPromptSession';
import { loadSoftPromptTask, type RenderedSplit, splitExamples } from './taskData';
import { type OptimizerKind, type TrainProgress, trainSoftPrompt } from './trainer';
import { loadTrainingGraph } from './trainingGraph';

// The adapter key says which saved soft prompt run/eval use; tuning writes a new one instead.
export type SoftPromptSettings = Required<Omit<PromptsmithSoftPrompt, 'initText' | 'slot' | 'adapter'>> & { initText?: string; slot?: string };

/** Defaults as the .prompt settings table documents them (paper: Adafactor, lr 0.3, n = 100). */
export const SOFT_PROMPT_DEFAULTS: SoftPromptSettings = {
  tokens: 100,
  init: 'RANDOM',
  steps: 100,
  lr: 0.3,
  optimizer: 'adafactor',
  method: 'gradient',
  batchSize: 8,
  evalEvery: 10,
  patience: 0,
  seed: 0,
};

/** `device`: the execution provider the sessions actually opened on (known only once they are open). */
export type TuneSoftEvent = TrainProgress | { type: 'message'; message: string } | { type: 'device'; device: string };

export interface TuneSoftRequest {
  promptFile: string;
  /** Settings that win over the file's promptsmith.softPrompt. */
  overrides?: Partial<PromptsmithSoftPrompt>;
  /** Adapter folder; default: a new run folder under <workspace>/.promptsmith/runs. */
  out?: string;
  /** A previous run's output folder (or checkpoint) to continue. */
  resume?: string;
  workspaceDir?: string;
  device?: Device;
  /** Checkpoint every this many steps (default: evalEvery). */
  checkpointEvery?: number;
  nearestK?: number;
  /** A run record kept by the caller (the engine's task queue): its folder holds the adapter and
   * the caller records events, status and result. Without it (and without `out`) a run is made here. */
  run?: RunHandle;
  /** Awaited before each training step (pause point). */
  beforeStep?: () => Promise<void>;
  /** Called after each checkpoint write with its step and file. */
  onCheckpoint?: (step: number, file: string) => void;
  signal?: AbortSignal;
  onEvent?: (event: TuneSoftEvent) => void;
}

export interface TuneSoftResult {
  out: string;
  dev_acc: number;
  /** Dev accuracy of the file's template with no soft prompt (the manual baseline). */
  manual_dev_acc: number;
  best_step: number;
  steps_run: number;
  stopped_early: boolean;
  cancelled: boolean;
  method: 'gradient' | 'bbt';
  device: string;
  num_virtual_tokens: number;
  nearest_tokens: string[][];
  nearest: NearestToken[][];
  run_dir?: string;
}

export function mergeSettings(file: PromptsmithSoftPrompt | undefined, overrides: Partial<PromptsmithSoftPrompt> | undefined): SoftPromptSettings {
  const defined = (o: object | undefined) => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => v !== undefined));
  const s = { ...SOFT_PROMPT_DEFAULTS, ...defined(file), ...defined(overrides) } as SoftPromptSettings;
  if (!Number.isInteger(s.tokens) || s.tokens < 1) throw new Error(`softPrompt.tokens must be a positive integer, got ${s.tokens}`);
  if (!Number.isInteger(s.steps) || s.steps < 1) throw new Error(`softPrompt.steps must be a positive integer, got ${s.steps}`);
  if (!(s.lr >= 0)) throw new Error(`softPrompt.lr must be a number ≥ 0, got ${s.lr}`);
  if (!PROMPT_TUNING_INITS.includes(s.init as PromptTuningInit)) throw new Error(`softPrompt.init must be one of ${PROMPT_TUNING_INITS.join(', ')}, got ${s.init}`);
  if (s.optimizer !== 'adam' && s.optimizer !== 'adafactor') throw new Error(`softPrompt.optimizer must be adam or adafactor, got ${s.optimizer}`);
  if (s.method !== 'gradient' && s.method !== 'bbt') throw new Error(`softPrompt.method must be gradient or bbt, got ${s.method}`);
  if (s.init === 'TEXT' && !s.initText) throw new Error('softPrompt.init TEXT needs softPrompt.initText');
  return s;
}

export async function tuneSoftPrompt(req: TuneSoftRequest): Promise<TuneSoftResult> {
  const emit = req.onEvent ?? (() => {});
  const task = await loadSoftPromptTask(req.promptFile, { needTrain: true });
  const { parsed, modelDir, tokenizer, classTokens } = task;
  const settings = mergeSettings(parsed.softPrompt, req.overrides);
  const n = settings.tokens;

  let method = settings.method;
  // One session serves training, dev evaluation and the manual baseline (no virtual ids).
  const sessions = await openSoftPromptSessions(loadTrainingGraph(modelDir), { numVirtualTokens: n, loss: 'classification', device: req.device ?? 'auto', gradient: method === 'gradient' });
  let run: RunHandle | undefined;
  const external = req.run;
  try {
    external?.update({ device: sessions.provider });
    emit({ type: 'device', device: sessions.provider });
    if (method === 'gradient' && !sessions.differentiable) {
      method = 'bbt';
      emit({ type: 'message', message: `The autodiff cannot differentiate this model (${sessions.autodiffError}); falling back to gradient-free Black-Box Tuning (BBT).` });
    }
    const placed = (split: RenderedSplit | undefined, count: number) => splitExamples(task, split, { vocabSize: sessions.vocabSize, numVirtualTokens: count, slot: settings.slot });
    const data = { train: placed(task.train, n), dev: placed(task.dev, n) };
    const objective = new SoftPromptObjective(sessions, classTokens);
    const manual = task.dev ? await objective.evaluate(undefined, placed(task.dev, 0)) : undefined;

    // The table is read when needed, not held through training (at 135M it is 113 MB).
    const table = () => sessions.table.data as Float32Array;
    const textIds = settings.initText ? tokenizer.encode(settings.initText, { addSpecialTokens: false }) : undefined;
    const p0 = initialSoftPrompt(settings.init as PromptTuningInit, { numVirtualTokens: n, hidden: sessions.hidden, vocabSize: sessions.vocabSize, table: table(), rng: new Rng(settings.seed + 7919), textIds });

    let out = req.out ?? req.resume ?? (external ? join(external.dir, 'adapter') : undefined);
    if (!out) {
      run = createRun(req.workspaceDir ?? dirname(req.promptFile), {
        kind: 'soft',
        name: basename(req.promptFile, '.prompt'),
        promptFile: req.promptFile,
        model: parsed.model ?? '',
        device: sessions.provider,
        settings: { ...settings, method },
        seed: settings.seed,
        status: 'running',
      });
      out = join(run.dir, 'adapter');
    }
    // --resume names a previous output folder (checkpoint/ inside) or a checkpoint itself.
    const checkpointFile = method === 'gradient' ? CHECKPOINT_FILE : BBT_CHECKPOINT_FILE;
    const resumeFrom = req.resume ? (existsSync(join(req.resume, 'checkpoint', checkpointFile)) ? join(req.resume, 'checkpoint') : req.resume) : undefined;
    const onCheckpoint = (step: number, file: string) => {
      req.onCheckpoint?.(step, file);
      if (run) run.appendEvent({ type: 'checkpoint', step, path: relative(run.dir, dirname(file)).split('\\').join('/') });
    };
    const onProgress = (e: TrainProgress) => {
      emit(e);
      run?.appendEvent({ type: 'progress', step: e.step, totalSteps: e.totalSteps, loss: e.loss, train_acc: e.train_acc, dev_acc: e.dev_acc, elapsed_s: e.elapsed_s, steps_per_s: e.steps_per_s });
    };
    // What both trainers share: length, evaluation, checkpoints, pause/cancel and progress.
    const common = {
      steps: settings.steps,
      seed: settings.seed,
      evalEvery: settings.evalEvery,
      checkpointEvery: req.checkpointEvery ?? settings.evalEvery,
      checkpointDir: join(out, 'checkpoint'),
      resumeFrom,
      signal: req.signal,
      beforeStep: req.beforeStep,
      onCheckpoint,
      onProgress,
    };
    const result =
      method === 'gradient'
        ? await trainSoftPrompt(objective, data, p0, {
            ...common,
            lr: settings.lr,
            optimizer: settings.optimizer as OptimizerKind,
            batchSize: settings.batchSize,
            patience: settings.patience,
          })
        : await trainBbt(objective, data, p0, { ...common, embeddingStd: tableStd(table()), batchSize: Math.max(settings.batchSize, 32) });
    saveSoftPrompt(out, {
      numVirtualTokens: n,
      tokenDim: sessions.hidden,
      embeddings: result.prompt,
      init: settings.init as PromptTuningInit,
      initText: settings.initText,
      baseModel: parsed.model ?? '',
    });
    const nearest = nearestTokens(result.prompt, table(), { numVirtualTokens: n, vocabSize: sessions.vocabSize, hidden: sessions.hidden }, req.nearestK ?? 5, (id) => tokenizer.idToToken(id) ?? `<${id}>`);
    writeJsonAtomic(join(out, NEAREST_TOKENS_FILE), nearest);
    const summary: TuneSoftResult = {
      out,
      dev_acc: result.devAcc,
      manual_dev_acc: manual ? manual.accuracy : Number.NaN,
      best_step: result.bestStep,
      steps_run: result.stepsRun,
      stopped_early: result.stoppedEarly,
      cancelled: result.cancelled,
      method,
      device: sessions.provider,
      num_virtual_tokens: n,
      nearest_tokens: nearest.map((row) => row.map((t) => t.token)),
      nearest,
      run_dir: (run ?? external)?.dir,
    };
    if (run) {
      const finite = (x: number) => (Number.isFinite(x) ? x : 0);
      run.writeResult({
        metrics: { dev_acc: finite(summary.dev_acc), manual_dev_acc: finite(summary.manual_dev_acc), best_step: summary.best_step },
        artifacts: { adapter: 'adapter/adapter_config.json' },
        summary: `soft prompt (${n} tokens, ${method}): dev accuracy ${summary.dev_acc} vs manual ${summary.manual_dev_acc}`,
      });
      run.setStatus(result.cancelled ? 'cancelled' : 'completed');
    }
    return summary;
  } catch (err) {
    run?.setStatus('failed', (err as Error).message);
    throw err;
  } finally {
    await releaseSessions(sessions);
  }
}
