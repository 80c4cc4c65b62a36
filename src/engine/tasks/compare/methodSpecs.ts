// How each way of adapting a model runs inside a comparison, and what it leaves to evaluate:
// the hand-written template as it is; a soft prompt (gradient, or gradient-free BBT) as its
// adapter; LoRA or full fine tuning as a model folder; random search and RL as a prompt text in
// the template's slot. Every one is then scored by the same `evaluate`, so the numbers compare.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompareMethod } from '../../../protocol/methods/compare';
import type { EvaluateParams } from '../../../protocol/methods/evaluate';
import type { EngineEvent } from '../../../protocol/engineApi';
import type { EngineDevice } from '../../../protocol/modelApi';
import type { RemoteAccess } from '../../../protocol/remoteAccess';
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
  /** What the methods run before this one left (random search takes RL's evaluation count). */
  earlier: Partial<Record<CompareMethod, MethodOutcome>>;
  /** A task model served elsewhere: what every request that scores needs to reach it. */
  remote?: RemoteTask;
  /** RL's policy LM (needed when the task model is remote; default: the task model). */
  policyModel?: string;
  signal?: AbortSignal;
  onEvent?(event: EngineEvent): void;
}

export interface RemoteTask {
  model: string;
  endpoint?: string;
  remote?: RemoteAccess;
}

/** A method that needs the model's weights (gradients, or a saved adapter) has no remote form. */
export class LocalOnlyMethod extends Error {
  readonly code = 'E_LOCAL_ONLY';
}

function localOnly(ctx: MethodContext, what: string): void {
  if (ctx.remote) throw new LocalOnlyMethod(`${what} needs the model's weights here; ${ctx.remote.model} is served elsewhere`);
}

/** The fields of a scoring request that reach a remote task model (none for a local one). */
export function remoteFields(remote: RemoteTask | undefined): { model?: string; endpoint?: string; remote?: RemoteAccess } {
  return remote ? { model: remote.model, endpoint: remote.endpoint, remote: remote.remote } : {};
}

export interface MethodOutcome {
  /** What `evaluate` needs besides the file: the adapter, the model, or the file's text with the prompt. */
  evaluate: Omit<EvaluateParams, 'promptFile' | 'predictions'>;
  trainableParams: number;
  artifact: string | null;
  /** Reward evaluations a prompt search spent (prompt × example scorings). */
  evaluations?: number;
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
      localOnly(ctx, 'soft prompt tuning');
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
      localOnly(ctx, 'fine tuning');
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

/** RL or random search for the file's slot; the best prompt on dev is then evaluated in the file's text. */
function promptSearch(method: 'rl' | 'random'): MethodSpec {
  return {
    title: method === 'rl' ? 'RL prompt tuning (RLPrompt, Deng et al. 2022)' : "random discrete prompts at RL's evaluation budget",
    trains: true,
    async run(ctx) {
      // Equal budgets: random search stops at the evaluations RL spent, when RL ran first.
      const rlEvaluations = method === 'random' ? ctx.earlier.rl?.evaluations : undefined;
      const budget = rlEvaluations === undefined ? {} : { maxEvaluations: Math.max(1, rlEvaluations), steps: 1_000_000 };
      const policy = ctx.policyModel ? { policyModel: ctx.policyModel } : {};
      const r = await ctx.proc.request(
        'tuneRl',
        {
          promptFile: ctx.promptFile,
          method,
          out: join(ctx.outDir, 'prompts'),
          workspaceDir: ctx.outDir,
          device: ctx.device,
          timeBudgetS: ctx.timeBudgetS,
          overrides: { ...seedOf(ctx), ...budget, ...policy },
          ...remoteFields(ctx.remote),
        },
        requestOptions(ctx),
      );
      const best = r.prompts[0];
      if (!best) throw new Error(`${method === 'rl' ? 'RL prompt tuning' : 'random search'} found no prompt`);
      const source = readFileSync(ctx.promptFile, 'utf8');
      return {
        evaluate: { source: source.slice(0, r.slot.start) + best.text + source.slice(r.slot.end), noSoftPrompt: true, device: ctx.device, ...remoteFields(ctx.remote) },
        trainableParams: r.trainable_params,
        artifact: r.out,
        evaluations: r.evaluations,
      };
    },
  };
}

export const METHOD_SPECS: Partial<Record<CompareMethod, MethodSpec>> = {
  manual: {
    title: 'the hand-written prompt',
    trains: false,
    run: async (ctx) => ({ evaluate: { noSoftPrompt: true, device: ctx.device, ...remoteFields(ctx.remote) }, trainableParams: 0, artifact: null }),
  },
  soft: softPrompt('gradient'),
  bbt: softPrompt('bbt'),
  rl: promptSearch('rl'),
  random: promptSearch('random'),
  lora: fineTuning('lora'),
  finetune: fineTuning('full'),
};
