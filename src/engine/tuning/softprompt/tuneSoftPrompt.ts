// The "tune soft prompt" task: from a .prompt file (model, task datasets and labels,
// promptsmith.softPrompt settings) to a PEFT adapter folder, with progress events, cancel,
// checkpoints and resume. Plain: the engine's `tuneSoft` method queues it and records the run.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { modelSpecOf } from '../../../promptFile/promptFile';
import type { SoftPromptInit } from '../../../promptFile/promptsmithSettings';
import type { SoftPromptOverrides, TuneSoftResult } from '../../../protocol/methods/tuneSoft';
import { writeJsonAtomic } from '../../../runs/atomicFile';
import type { Device } from '../../runtime/executionProviders';
import { modelService } from '../../runtime/modelService';
import type { TaskHooks } from '../../tasks/taskHooks';
import { Rng } from '../optim/rng';
import { trainBbt } from './bbt';
import { BBT_CHECKPOINT_FILE } from './bbtCheckpoint';
import { CHECKPOINT_FILE } from './checkpoint';
import { frequentTokenIds, initialSoftPrompt, tableStats } from './init';
import { NEAREST_TOKENS_FILE, nearestTokens } from './nearestTokens';
import { SoftPromptObjective } from './objective';
import { type SoftPromptAdapter, saveSoftPrompt } from './peft';
import { measureSoftPrompt } from './softPromptResult';
import { filledSlot } from './placement';
import { openSoftPromptSessions, releaseSessions } from './softPromptSession';
import { mergeSettings } from './softPromptSettings';
import { loadSoftPromptTask, type RenderedSplit, splitExamples } from './taskData';
import { type OptimizerKind, type TrainProgress, trainSoftPrompt } from './trainer';
import { loadTrainingGraph } from './trainingGraph';

export interface TuneSoftOptions extends TaskHooks {
  promptFile: string;
  /** Settings that win over the file's promptsmith.softPrompt (already validated). */
  overrides?: SoftPromptOverrides;
  /** The adapter folder to write: PEFT files, nearest tokens, and checkpoint/. */
  out: string;
  /** Continue from the checkpoint in `<out>/checkpoint` (a fresh start, said so, when there is none). */
  resume?: boolean;
  device?: Device;
  /** Checkpoint every this many steps (default: evalEvery). */
  checkpointEvery?: number;
  nearestK?: number;
  /** Called after each checkpoint write with its step and file. */
  onCheckpoint?: (step: number, file: string) => void;
}

/** A progress event as the task channel carries it (dev loss stays inside the trainer). */
function taskProgress(e: TrainProgress) {
  const { dev_loss: _devLoss, ...progress } = e;
  return progress;
}

export async function tuneSoftPrompt(req: TuneSoftOptions): Promise<Omit<TuneSoftResult, 'run_dir'>> {
  const emit = req.emit ?? (() => {});
  const task = await loadSoftPromptTask(req.promptFile, { needTrain: true });
  const { parsed, tokenizer, classTokens } = task;
  const settings = mergeSettings(parsed.softPrompt, req.overrides);
  const n = settings.tokens;

  let method = settings.method;
  // Generation tasks learn the reference's tokens (cross-entropy); classification the labels.
  const loss = task.generation ? 'generation' : 'classification';
  // One session serves training, dev evaluation and the manual baseline (no virtual ids).
  const sessions = await openSoftPromptSessions(loadTrainingGraph(task.modelDir), { numVirtualTokens: n, loss, device: req.device ?? 'auto', gradient: method === 'gradient' });
  try {
    emit({ type: 'device', device: sessions.provider });
    if (method === 'gradient' && !sessions.differentiable) {
      method = 'bbt';
      emit({ type: 'message', level: 'warning', message: `The autodiff cannot differentiate this model (${sessions.autodiffError}); falling back to gradient-free Black-Box Tuning (BBT).` });
    }
    const placed = (split: RenderedSplit | undefined, count: number) => splitExamples(task, split, { vocabSize: sessions.vocabSize, numVirtualTokens: count, slot: settings.slot });
    const data = { train: placed(task.train, n), dev: placed(task.dev, n) };
    const objective = new SoftPromptObjective(sessions, classTokens);
    const manual = objective;

    // The table is read when needed, not held through training (at 135M it is 113 MB).
    const table = () => sessions.table.data as Float32Array;
    // BBT searches around real token embeddings (bbt.py); a random start gives it nothing to search around.
    let init: SoftPromptInit = settings.init;
    if (method === 'bbt' && init === 'RANDOM') {
      init = 'SAMPLE_VOCAB';
      emit({ type: 'message', level: 'info', message: 'BBT starts from real token embeddings: init RANDOM is replaced by SAMPLE_VOCAB.' });
    }
    const p0 = initialSoftPrompt(init, {
      numVirtualTokens: n,
      hidden: sessions.hidden,
      vocabSize: sessions.vocabSize,
      table: table(),
      rng: new Rng(settings.seed + 7919),
      textIds: settings.initText ? tokenizer.encode(settings.initText, { addSpecialTokens: false }) : undefined,
      classTokens,
      frequentIds: frequentTokenIds(tokenizer, sessions.vocabSize),
    });

    const checkpointDir = join(req.out, 'checkpoint');
    const checkpointFile = method === 'gradient' ? CHECKPOINT_FILE : BBT_CHECKPOINT_FILE;
    const hasCheckpoint = existsSync(join(checkpointDir, checkpointFile));
    if (req.resume && !hasCheckpoint) {
      emit({ type: 'message', level: 'info', message: `${join(checkpointDir, checkpointFile)} was never written (the run stopped before its first checkpoint): starting again from step 0.` });
    }
    // What both trainers share: length, evaluation, checkpoints, pause/cancel and progress.
    const common = {
      steps: settings.steps,
      seed: settings.seed,
      evalEvery: settings.evalEvery,
      // Generation has no accuracy to select on: the dev loss (the reference's cross-entropy) it is.
      selectBy: task.generation ? 'devLoss' : settings.selectBy,
      checkpointEvery: req.checkpointEvery ?? settings.evalEvery,
      checkpointDir,
      resumeFrom: req.resume && hasCheckpoint ? checkpointDir : undefined,
      signal: req.signal,
      beforeStep: req.beforeStep,
      shouldStop: req.shouldStop,
      onCheckpoint: req.onCheckpoint,
      onProgress: (e: TrainProgress) => emit(taskProgress(e)),
    };
    const result =
      method === 'gradient'
        ? await trainSoftPrompt(objective, data, p0, {
            ...common,
            lr: settings.lr,
            optimizer: settings.optimizer as OptimizerKind,
            batchSize: settings.batchSize,
            patience: settings.patience,
            weightDecay: settings.weightDecay,
            decayAnchor: settings.decayToward === 'init' ? p0 : undefined,
          })
        : await trainBbt(objective, data, p0, {
            ...common,
            embeddingStd: tableStats(table()).std,
            batchSize: Math.max(settings.batchSize, 32),
            intrinsicDim: settings.bbtDim,
            popsize: settings.bbtPopulation,
            sigma: settings.bbtSigma,
          });
    const adapter: SoftPromptAdapter = {
      numVirtualTokens: n,
      tokenDim: sessions.hidden,
      embeddings: result.prompt,
      init,
      initText: settings.initText,
      // Marked in adapter_config.json: a slot-trained prompt is never applied as a prefix.
      slot: filledSlot(task.train!.texts[0] ?? '', settings.slot),
      // An absolute folder or the hub id: PEFT reads this path from wherever the adapter goes.
      baseModel: modelSpecOf(parsed, req.promptFile),
    };
    saveSoftPrompt(req.out, adapter);
    const nearest = nearestTokens(result.prompt, table(), { numVirtualTokens: n, vocabSize: sessions.vocabSize, hidden: sessions.hidden }, req.nearestK ?? 5, (id) => tokenizer.idToToken(id) ?? `<${id}>`);
    writeJsonAtomic(join(req.out, NEAREST_TOKENS_FILE), nearest);

    const measured = await measureSoftPrompt({
      task,
      tuned: objective,
      manual,
      placed,
      numVirtualTokens: n,
      training: result,
      adapter,
      model: () => modelService.model({ model: adapter.baseModel, device: sessions.provider }),
      signal: req.signal,
    });
    return {
      out: req.out,
      ...measured,
      best_step: result.bestStep,
      steps_run: result.stepsRun,
      stopped_early: result.stoppedEarly,
      cancelled: result.cancelled,
      method,
      device: sessions.provider,
      num_virtual_tokens: n,
      trainable_params: method === 'bbt' ? settings.bbtDim : n * sessions.hidden,
      nearest_tokens: nearest.map((row) => row.map((t) => t.token)),
      nearest,
    };
  } finally {
    await releaseSessions(sessions);
  }
}
