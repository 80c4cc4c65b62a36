// How each way of adapting a model runs inside a comparison, and what it leaves to evaluate:
// the hand-written template as it is; a soft prompt (gradient, or gradient-free BBT) as its
// adapter; LoRA or full fine tuning as a model folder; random search and RL as a prompt text in
// the template's slot. Every one is then scored by the same `evaluate`, so the numbers compare.
import { join } from 'node:path';
import type { CompareMethod } from '../../../protocol/methods/compare';
import type { EvaluateParams } from '../../../protocol/methods/evaluate';
import type { EngineEvent } from '../../../protocol/engineApi';
import type { EngineDevice } from '../../../protocol/modelApi';
import type { MethodProcess } from './methodProcess';

export interface MethodContext {
  promptFile: string;
  /** This method's folder inside the comparison's output. */
  outDir: string;
  device?: EngineDevice;
  seed?: number;
  /** Seconds of training this method may use (none: its own settings decide). */
  timeBudgetS?: number;
  proc: MethodProcess;
  signal?: AbortSignal;
  onEvent?(event: EngineEvent): void;
}

export interface MethodOutcome {
  /** What `evaluate` needs besides the file: the adapter, the model, or the file's text with the prompt. */
  evaluate: Omit<EvaluateParams, 'promptFile' | 'predictions'>;
  trainableParams: number;
  artifact: string | null;
}

export interface MethodSpec {
  /** One line for progress and the report. */
  title: string;
  /** False: runs no training (no time budget share). */
  trains: boolean;
  run(ctx: MethodContext): Promise<MethodOutcome>;
}

const seedOf = (ctx: MethodContext) => (ctx.seed === undefined ? {} : { seed: ctx.seed });
const requestOptions = (ctx: MethodContext) => ({ signal: ctx.signal, onEvent: ctx.onEvent });

function softPrompt(method: 'gradient' | 'bbt'): MethodSpec {
  return {
    title: method === 'bbt' ? 'soft prompt, gradient-free (BBT, CMA-ES)' : 'soft prompt (Lester et al. 2021)',
    trains: true,
    async run(ctx) {
      const out = join(ctx.outDir, 'adapter');
      const r = await ctx.proc.request(
        'tuneSoft',
        { promptFile: ctx.promptFile, out, workspaceDir: ctx.outDir, device: ctx.device, timeBudgetS: ctx.timeBudgetS, overrides: { method, ...seedOf(ctx) } },
        requestOptions(ctx),
      );
      return { evaluate: { softPrompt: r.out, device: ctx.device }, trainableParams: r.trainable_params, artifact: r.out };
    },
  };
}

function fineTuning(method: 'full' | 'lora'): MethodSpec {
  return {
    title: method === 'lora' ? 'LoRA adapters (Hu et al. 2021)' : 'full fine tuning',
    trains: true,
    async run(ctx) {
      const out = join(ctx.outDir, 'model');
      const r = await ctx.proc.request(
        'fineTune',
        { promptFile: ctx.promptFile, out, workspaceDir: ctx.outDir, device: ctx.device, timeBudgetS: ctx.timeBudgetS, overrides: { method, ...seedOf(ctx) } },
        requestOptions(ctx),
      );
      if (!r.artifact) throw new Error('fine tuning wrote no model');
      return { evaluate: { model: r.artifact, noSoftPrompt: true, device: ctx.device }, trainableParams: r.trainable_params, artifact: r.artifact };
    },
  };
}

export const METHOD_SPECS: Partial<Record<CompareMethod, MethodSpec>> = {
  manual: {
    title: 'the hand-written prompt',
    trains: false,
    run: async (ctx) => ({ evaluate: { noSoftPrompt: true, device: ctx.device }, trainableParams: 0, artifact: null }),
  },
  soft: softPrompt('gradient'),
  bbt: softPrompt('bbt'),
  lora: fineTuning('lora'),
  finetune: fineTuning('full'),
};
