// The "fine tune" task: from a .prompt file (model, task datasets, promptsmith.finetune settings)
// to a fine-tuned Hugging Face model folder (full) or a PEFT LoRA adapter folder (lora), with a
// memory check before anything big is loaded, progress events, pause/cancel, checkpoints and
// exact resume. Shaped like tuneSoftPrompt; the caller (CLI, engine task queue) owns run records.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readPromptFile } from '../../../promptFile/promptFile';
import { buildCheckpointFolder, moveFolderContents } from '../../onnx/export/checkpointFolder';
import { buildOnnxModel } from '../../onnx/export/exportModel';
import { architectureOf, readHfConfig } from '../../onnx/export/hfConfig';
import { readLlamaShape } from '../../onnx/export/llama';
import type { FineTuneResult, SplitScores } from '../../../protocol/methods/fineTune';
import type { Device } from '../../runtime/executionProviders';
import type { TaskHooks } from '../../tasks/taskHooks';
import { Rng } from '../optim/rng';
import { checkResumable } from '../resumeFingerprint';
import { buildBatch } from '../softprompt/batchFeeds';
import { checkpointTensorShapes, hasSafetensorsCheckpoint, parameterCount } from './checkpointHeaders';
import { findFineTuneCheckpoint, readFineTuneFingerprint } from './checkpoint';
import { evaluateSplit, type SplitEvaluation } from './evaluation';
import { addLoraAdapters } from './loraGraph';
import { checkTrainingMemory, estimateTrainingMemory, type MemoryEstimate, modelShapeFromConfig } from './memoryEstimate';
import { checkpointLayout, type ParameterSet, weightsAsInputs } from './parameters';
import { saveLoraAdapter } from './peftLora';
import { type FineTuneSettings, mergeFineTuneSettings, type RawFineTuneSettings } from './settings';
import { type FineTuneTask, loadFineTuneTask } from './taskData';
import { type FineTuneTrainerOptions, fineTuneFingerprint, trainFineTune } from './trainer';
import { type FineTuneSessions, openFineTuneSessions, releaseFineTuneSessions } from './trainingSession';

export const FINETUNE_SUMMARY_FILE = 'finetune.json';

export interface FineTuneRequest extends TaskHooks {
  promptFile: string;
  /** Settings that win over the file's promptsmith.finetune. */
  overrides?: RawFineTuneSettings;
  /** Output folder: the fine-tuned model (full) or the adapter (lora); its checkpoint/ goes inside. */
  out: string;
  /** Continue from the checkpoint in `<out>/checkpoint` (a fresh start, said so, when there is none). */
  resume?: boolean;
  device?: Device;
  /** Bytes the run may use (default: free memory now); e.g. a GPU's memory when the caller knows it. */
  memoryAvailable?: number;
  /** Checkpoint every this many steps (default: evalEvery). */
  checkpointEvery?: number;
  onCheckpoint?: (step: number, file: string) => void;
}

/** The protocol's result, with the settings the run used (saved beside the model). */
export interface FineTuneOutcome extends Omit<FineTuneResult, 'run_dir'> {
  settings: FineTuneSettings;
}

const MIB = 2 ** 20;

function loraParameterCount(modelDir: string, s: FineTuneSettings): number {
  const config = readHfConfig(modelDir);
  const arch = architectureOf(config);
  if (arch !== 'LlamaForCausalLM' && arch !== 'llama') throw new Error(`${config.path}: LoRA is supported on Llama-family models (q/k/v/o_proj), not ${arch ?? 'this architecture'}; use method: full`);
  const shape = readLlamaShape(config);
  const q = shape.heads * shape.headDim;
  const kv = shape.kvHeads * shape.headDim;
  const sizes: Record<string, number> = { q_proj: shape.hidden + q, k_proj: shape.hidden + kv, v_proj: shape.hidden + kv, o_proj: q + shape.hidden };
  return shape.layers * s.targetModules.reduce((n, t) => n + s.rank * (sizes[t] ?? 0), 0);
}

/** The estimate for this run: the largest training batch, AdamW in float32, one JS copy of the weights. */
export function estimateFineTuneMemory(task: FineTuneTask, s: FineTuneSettings): { estimate: MemoryEstimate; total: number; trainable: number } {
  const total = parameterCount(checkpointTensorShapes(task.modelDir));
  const trainable = s.method === 'full' ? total : loraParameterCount(task.modelDir, s);
  const longest = [...task.train].sort((a, b) => b.ids.length + (b.target?.length ?? 0) - (a.ids.length + (a.target?.length ?? 0))).slice(0, s.batchSize);
  const batch = buildBatch(longest, task.classTokens, task.tokenizer.vocabSize);
  const shape = modelShapeFromConfig(readHfConfig(task.modelDir).json, total);
  const estimate = estimateTrainingMemory({ shape, trainable, optimizerSlots: 2, rows: batch.rows, seqLen: batch.seqLen, keepBest: true });
  return { estimate, total, trainable };
}

function scores(train?: SplitEvaluation, dev?: SplitEvaluation, test?: SplitEvaluation): SplitScores {
  const acc = (e?: SplitEvaluation) => e?.accuracy ?? null;
  const loss = (e?: SplitEvaluation) => (e && Number.isFinite(e.loss) ? e.loss : null);
  return { train_acc: acc(train), dev_acc: acc(dev), test_acc: acc(test), train_loss: loss(train), dev_loss: loss(dev), test_loss: loss(test) };
}

async function evaluateAll(s: FineTuneSessions, task: FineTuneTask, signal?: AbortSignal): Promise<SplitScores> {
  const run = (examples: FineTuneTask['train']) => (examples.length > 0 ? evaluateSplit(s, examples, task.classTokens, { kind: task.kind, signal }) : Promise.resolve(undefined));
  return scores(await run(task.train), await run(task.dev), await run(task.test));
}

/** Builds the training graph and its sessions: every weight an input; LoRA adds adapters and freezes the rest. */
async function openSessions(task: FineTuneTask, s: FineTuneSettings, device: Device): Promise<FineTuneSessions> {
  // No variable keeps the exported graph: its weight initializers are garbage once copied into the vector.
  const full = weightsAsInputs(buildOnnxModel(task.modelDir, { withPast: false }), checkpointTensorShapes(task.modelDir));
  if (s.method === 'full') return openFineTuneSessions(full.model, full.params, { loss: task.kind, device });
  // The LoRA init draws from its own stream, so data order does not depend on the adapter shapes.
  const lora = addLoraAdapters(full.model, { r: s.rank, alpha: s.alpha, targetModules: s.targetModules }, new Rng(s.seed + 104729));
  return openFineTuneSessions(lora.model, lora.params, { loss: task.kind, device, frozen: full.params });
}

function saveFullModel(task: FineTuneTask, params: ParameterSet, out: string, summary: string): void {
  const replaced = new Map(params.tensors.map((t) => [t.hfName, checkpointLayout(params, t)]));
  const tmp = buildCheckpointFolder(task.modelDir, out, replaced, {
    editConfig: (c) => ({ ...c, torch_dtype: 'float32' }),
    extraFiles: { [FINETUNE_SUMMARY_FILE]: summary },
  });
  moveFolderContents(tmp, out);
}

export async function fineTune(req: FineTuneRequest): Promise<FineTuneOutcome> {
  const emit = req.emit ?? (() => {});
  const { out } = req;
  const settings = mergeFineTuneSettings(readPromptFile(req.promptFile).data['promptsmith.finetune'], req.overrides, req.promptFile);
  const task = await loadFineTuneTask(req.promptFile, settings);
  if (!hasSafetensorsCheckpoint(task.modelDir)) {
    throw new Error(`${task.modelDir}: fine tuning needs the model's safetensors checkpoint (model.safetensors); ONNX-only folders cannot be trained`);
  }
  if (task.train.length === 0) throw new Error(`${req.promptFile}: the training split is empty`);

  const { estimate, total, trainable } = estimateFineTuneMemory(task, settings);
  emit({ type: 'message', level: 'info', message: `memory estimate ${Math.round(estimate.total / MIB)} MiB (weights, gradients, optimizer state, activations)` });
  checkTrainingMemory(estimate, `${settings.method === 'lora' ? `LoRA (r ${settings.rank})` : 'full'} fine tuning of ${task.modelDir}`, { force: !settings.memoryCheck, available: req.memoryAvailable });

  const resumeFrom = req.resume ? findFineTuneCheckpoint(out) : undefined;
  const trainerOptions: FineTuneTrainerOptions = {
    ...settings,
    kind: task.kind,
    checkpointEvery: req.checkpointEvery ?? settings.evalEvery,
    checkpointDir: join(out, 'checkpoint'),
    resumeFrom,
    fingerprint: { method: settings.method, rank: settings.method === 'lora' ? settings.rank : 0, alpha: settings.method === 'lora' ? settings.alpha : 0 },
    signal: req.signal,
    beforeStep: req.beforeStep,
    shouldStop: req.shouldStop,
    onProgress: emit,
    onCheckpoint: req.onCheckpoint,
  };
  // A checkpoint of other settings or another task is refused before the graph is built, its
  // sessions opened and every split evaluated (the trainer checks the parameter count too).
  if (resumeFrom) checkResumable(resumeFrom, readFineTuneFingerprint(resumeFrom), fineTuneFingerprint(trainerOptions, task));

  const sessions = await openSessions(task, settings, req.device ?? 'auto');
  try {
    emit({ type: 'device', device: sessions.provider });
    if (sessions.params.count !== trainable) emit({ type: 'message', level: 'info', message: `training ${sessions.params.count} parameters (estimated ${trainable})` });
    const manual = await evaluateAll(sessions, task, req.signal);
    if (req.resume && !resumeFrom) emit({ type: 'message', level: 'info', message: `${join(out, 'checkpoint')} holds no checkpoint (the run stopped before its first one): starting again from step 0.` });
    const result = await trainFineTune(sessions, task, trainerOptions);
    const final = result.cancelled ? scores() : await evaluateAll(sessions, task, req.signal);
    if (result.cancelled && result.best) Object.assign(final, { dev_acc: Number.isFinite(result.best.devAcc) ? result.best.devAcc : null, dev_loss: result.best.devLoss });
    const summary: FineTuneOutcome = {
      out,
      method: settings.method,
      objective: task.kind,
      ...final,
      manual,
      trainable_params: sessions.params.count,
      total_params: total,
      best_step: result.best?.step ?? result.stepsRun,
      steps_run: result.stepsRun,
      stopped_early: result.stoppedEarly,
      cancelled: result.cancelled,
      device: sessions.provider,
      memory_estimate_mib: Math.round(estimate.total / MIB),
      artifact: result.cancelled ? null : out,
      settings,
    };
    if (!result.cancelled) {
      const text = `${JSON.stringify({ ...summary, promptFile: req.promptFile, baseModel: task.baseModel }, null, 2)}\n`;
      if (settings.method === 'full') saveFullModel(task, sessions.params, out, text);
      else {
        saveLoraAdapter(out, { r: settings.rank, alpha: settings.alpha, targetModules: settings.targetModules, baseModel: task.baseModel, params: sessions.params });
        writeFileSync(join(out, FINETUNE_SUMMARY_FILE), text);
      }
    }
    return summary;
  } finally {
    await releaseFineTuneSessions(sessions);
  }
}
