// The engine method `tuneSoft`: params validated here (errors name the field); the task runs
// through the engine's task queue (its turn on the model, pause/resume/cancel from the panel,
// a run record under .promptsmith/runs), with progress streamed as events on the request.
import { existsSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { type PromptsmithSoftPrompt, readPromptFile } from '../../../language/analysis/promptFile';
import { expectRecord, expectString, type Json, optionalNumber, optionalString, ProtocolError } from '../../../protocol/guards';
import type { TaskResult } from '../../../protocol/taskEvents';
import type { RequestContext } from '../../host/methods';
import { runQueued } from '../../host/queuedTask';
import { createRun, openRun } from '../../host/runStore';
import { parseDevice } from '../../runtime/executionProviders';
import { BBT_CHECKPOINT_FILE } from './bbtCheckpoint';
import { CHECKPOINT_FILE } from './checkpoint';
import { type TuneSoftRequest, type TuneSoftResult, tuneSoftPrompt } from './tuneSoftPrompt';

type TuneSoftParams = Omit<TuneSoftRequest, 'signal' | 'onEvent'>;

function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: readonly T[], where: string): T | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw new ProtocolError(`${where}.${key}: expected one of ${allowed.join(', ')}`);
  return v as T;
}

export function parseTuneSoftParams(params: Json): TuneSoftParams {
  const p = expectRecord(params, 'params');
  const o = p.overrides === undefined ? {} : expectRecord(p.overrides, 'params.overrides');
  const w = 'params.overrides';
  const overrides: Partial<PromptsmithSoftPrompt> = {
    tokens: optionalNumber(o, 'tokens', w),
    init: oneOf(o, 'init', ['RANDOM', 'SAMPLE_VOCAB', 'TEXT'], w),
    initText: optionalString(o, 'initText', w),
    steps: optionalNumber(o, 'steps', w),
    lr: optionalNumber(o, 'lr', w),
    optimizer: oneOf(o, 'optimizer', ['adam', 'adafactor'], w),
    method: oneOf(o, 'method', ['gradient', 'bbt'], w),
    seed: optionalNumber(o, 'seed', w),
    batchSize: optionalNumber(o, 'batchSize', w),
    evalEvery: optionalNumber(o, 'evalEvery', w),
    patience: optionalNumber(o, 'patience', w),
    slot: optionalString(o, 'slot', w),
  };
  const device = optionalString(p, 'device', 'params');
  return {
    promptFile: expectString(p, 'promptFile', 'params'),
    overrides,
    out: optionalString(p, 'out', 'params'),
    resume: optionalString(p, 'resume', 'params'),
    workspaceDir: optionalString(p, 'workspaceDir', 'params'),
    device: device === undefined ? undefined : parseDevice(device, 'params.device'),
    checkpointEvery: optionalNumber(p, 'checkpointEvery', 'params'),
  };
}

/** NaN/Infinity are not JSON: they travel as null. */
function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
}

/** What the runs panel shows: metrics, the soft prompt as its nearest tokens, the adapter file. */
export function taskResultOf(r: TuneSoftResult): TaskResult {
  const finite = (x: number) => (Number.isFinite(x) ? x : 0);
  return {
    metrics: { dev_acc: finite(r.dev_acc), manual_dev_acc: finite(r.manual_dev_acc), best_step: r.best_step, steps_run: r.steps_run },
    bestPrompts: [
      {
        text: r.nearest.map((row) => row[0]?.token ?? '?').join(' '),
        tokens: r.nearest.map((row) => row[0]?.token ?? '?'),
        ids: r.nearest.map((row) => row[0]?.id ?? -1),
        ...(Number.isFinite(r.dev_acc) ? { dev_acc: r.dev_acc } : {}),
      },
    ],
    artifacts: { adapter: 'adapter/adapter_config.json' },
    summary: `soft prompt (${r.num_virtual_tokens} tokens, ${r.method} on ${r.device}): dev accuracy ${r.dev_acc} vs ${r.manual_dev_acc} for the manual template`,
  };
}

export async function tuneSoftMethod(params: Json, ctx: RequestContext): Promise<Json> {
  const request = parseTuneSoftParams(params);
  const parsed = readPromptFile(request.promptFile);
  const model = parsed.model ?? '';
  // `resume` naming a run folder continues that run's record (its adapter/checkpoint, if any).
  const resumedRun = request.resume && !request.out && existsSync(join(request.resume, 'run.json')) ? openRun(request.resume) : undefined;
  if (resumedRun) {
    const adapter = join(resumedRun.dir, 'adapter');
    const saved = [CHECKPOINT_FILE, BBT_CHECKPOINT_FILE].some((f) => existsSync(join(adapter, 'checkpoint', f)));
    request.resume = saved ? adapter : undefined;
  }
  // With an explicit output folder the caller owns the files; otherwise the run folder holds them.
  const run =
    resumedRun ??
    (request.out || request.resume
      ? undefined
      : createRun(request.workspaceDir ?? dirname(request.promptFile), {
          kind: 'soft',
          name: basename(request.promptFile, '.prompt'),
          promptFile: request.promptFile,
          model,
          device: request.device ?? 'auto',
          settings: toJson(request.overrides ?? {}) as { [key: string]: Json },
          seed: request.overrides?.seed,
        }));
  // Tells the client which run this request records (for the panel's controls by run id).
  if (run) ctx.emit({ type: 'run', runId: run.id, dir: run.dir });
  let summary: TuneSoftResult | undefined;
  await runQueued(ctx, {
    model,
    label: `tune soft ${basename(request.promptFile)}`,
    run,
    execute: async (task) => {
      summary = await tuneSoftPrompt({
        ...request,
        run,
        signal: task.signal,
        beforeStep: () => task.checkpoint(),
        // Checkpoints inside the run folder are announced to the panel (path relative to the run).
        onCheckpoint: (step, file) => {
          if (run) task.emit({ type: 'checkpoint', step, path: relative(run.dir, dirname(file)).split('\\').join('/') });
        },
        onEvent: (e) => {
          if (e.type === 'progress') {
            const { dev_loss: _devLoss, ...progress } = e;
            task.emit(progress);
          } else {
            ctx.emit(toJson(e));
          }
        },
      });
      return taskResultOf(summary);
    },
  });
  return toJson(summary);
}
