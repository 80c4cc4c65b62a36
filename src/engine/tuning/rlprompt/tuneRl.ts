// "Optimize this prompt with RL" (RLPrompt, Deng et al. 2022) and its honest baseline, random
// search: from a .prompt file, a slot in its template and `promptsmith.rl` settings to the best
// distinct discrete prompts, with progress events, pause/cancel, atomic checkpoints and exact
// resume. The reported accuracies are measured on the file with each prompt's text applied.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { RlPromptRow, RlSearchMethod, TuneRlResult as WireTuneRlResult } from '../../../protocol/methods/tuneRl';
import type { Device } from '../../runtime/executionProviders';
import { type RemoteRequest, remoteTargetOf } from '../../remote/remoteTarget';
import type { TaskHooks } from '../../tasks/taskHooks';
import { Rng } from '../optim/rng';
import { checkResumable, taskDigest } from '../resumeFingerprint';
import { writeJsonAtomic } from '../../../runs/atomicFile';
import { rlWarnings } from './rlWarnings';
import { type RlCheckpoint, readRlCheckpoint, writeRlCheckpoint } from './checkpoint';
import { initMlp, MlpParams } from './mlpParams';
import { accuracyWithText } from './promptEvaluation';
import type { PromptRecord } from './promptTable';
import { type Proposer, RandomProposer, RlProposer } from './proposers';
import { openRlSession, type RlSession } from './rlSession';
import { readRlTaskFile, type SplitName } from './rlTask';
import { bestPrompt, runSearch, type SearchEvent, type SearchState } from './searchLoop';
import { mergeRlSettings, type RlSettings } from './settings';
import type { SlotRange } from './slot';

export type RlMethod = RlSearchMethod;

export type TuneRlEvent = SearchEvent | { type: 'message'; message: string } | { type: 'device'; device: string };

export interface TuneRlRequest extends RemoteRequest {
  promptFile: string;
  /** Source offsets the prompt replaces; default: the template's `{{rlprompt}}`, else its end. */
  slot?: SlotRange;
  /** Settings that win over the file's promptsmith.rl (and the preset). */
  overrides?: Partial<RlSettings>;
  device?: Device;
  cacheDir?: string;
  offline?: boolean;
  /** Folder for checkpoints and the result file (none: nothing written). */
  out?: string;
  /** Overrides the file's `model:` (a local folder or hub id, or `openai-compatible/<name>`). */
  model?: string;
  /** A previous run's folder (or checkpoint file) to continue. */
  resume?: string;
  /** Checkpoint every this many steps (default: evalEvery). */
  checkpointEvery?: number;
  signal?: AbortSignal;
  /** Awaited before each step (pause point). */
  beforeStep?: () => Promise<void>;
  /** A remote task model's scorer pauses the task here while its endpoint is down. */
  pauseFor?: TaskHooks['pauseFor'];
  /** True once the search should end early but normally (a time budget): the best so far is measured and kept. */
  shouldStop?: () => boolean;
  onEvent?: (event: TuneRlEvent) => void;
  onCheckpoint?: (step: number, file: string) => void;
}

/** A found prompt, its accuracies measured on the file with `text` applied (the protocol's row). */
export type RlPromptResult = RlPromptRow;

export interface TuneRlResult extends Omit<WireTuneRlResult, 'out' | 'run_dir'> {
  settings: RlSettings;
  out?: string;
}

export const RL_RESULT_FILE = 'rlprompt-result.json';

function fingerprintOf(method: RlMethod, s: RlSettings, trainSize: number, task: string): Record<string, string | number> {
  const f: Record<string, string | number> = { method, promptLength: s.promptLength, samplesPerStep: s.samplesPerStep, examplesPerStep: s.examplesPerStep, vocabulary: s.vocabulary, seed: s.seed, trainSize, task };
  if (method === 'rl') Object.assign(f, { replay: s.replay, topK: s.topK, lr: s.lr, polyak: s.polyak, mlpHidden: s.mlpHidden, policyStart: s.policyStart, initGain: s.initGain, policyModel: s.policyModel ?? '' });
  return f;
}

/** RL prompt tuning (RLPrompt's soft Q-learning policy). */
export function tuneRl(request: TuneRlRequest): Promise<TuneRlResult> {
  return searchPrompts(request, 'rl');
}

/** Random search: random prompts from the same vocabulary, the same budget, selected the same way. */
export function randomSearch(request: TuneRlRequest): Promise<TuneRlResult> {
  return searchPrompts(request, 'random');
}

async function searchPrompts(request: TuneRlRequest, method: RlMethod): Promise<TuneRlResult> {
  const emit = request.onEvent ?? (() => {});
  const file = readRlTaskFile(request.promptFile, request.slot);
  const settings = mergeRlSettings(file.parsed.rl as Partial<RlSettings> | undefined, request.overrides);
  const device = request.device ?? 'auto';
  const modelSpec = request.model ?? file.parsed.model;
  const remote = modelSpec ? remoteTargetOf(modelSpec, file.parsed, request.promptFile, request) : undefined;
  const session = await openRlSession(
    { promptFile: request.promptFile, slot: request.slot, method, device, cacheDir: request.cacheDir, offline: request.offline, remote, hooks: { pauseFor: request.pauseFor } },
    settings,
    modelSpec,
  );
  try {
    emit({ type: 'device', device: session.policy?.provider ?? session.taskDevice });
    const { task } = session;
    const train = task.splits.train!.examples;
    const select = task.splits.dev?.examples ?? train;
    if (!task.splits.dev) emit({ type: 'message', message: `${request.promptFile}: no dev split; prompts are selected on train (expect optimistic accuracies)` });
    // What it scores: every example's text around the slot, its label, and the verbalizers.
    const fingerprint = fingerprintOf(method, settings, train.length, taskDigest(task.verbalizers, train, select));
    const resumed = request.resume ? readRlCheckpoint(request.resume) : undefined;
    if (resumed) checkResumable(request.resume!, resumed.fingerprint, fingerprint);
    const rng = new Rng(resumed?.rng ?? settings.seed);
    const { proposer, snapshot, trainableParams } = makeProposer(session, settings, method, rng, resumed);
    // A resumed run keeps writing where it was resumed from unless told otherwise.
    const out = request.out ?? (request.resume && !/\.(json|safetensors)$/.test(request.resume) ? request.resume : undefined);
    const checkpointDir = out ? join(out, 'checkpoint') : undefined;
    const checkpoint = (search: SearchState) => {
      if (!checkpointDir) return;
      const written = writeRlCheckpoint(checkpointDir, { method, search, rng: rng.state(), policy: snapshot(), fingerprint });
      request.onCheckpoint?.(search.step, written);
    };
    const search = await runSearch(
      { proposer, scorer: session.scorer, score: session.score, describe: session.describe },
      { train, select },
      {
        steps: settings.steps,
        samplesPerStep: settings.samplesPerStep,
        examplesPerStep: settings.examplesPerStep,
        evalEvery: settings.evalEvery,
        evalCandidates: settings.evalCandidates,
        keepBest: settings.keepBest,
        maxEvaluations: settings.maxEvaluations,
        replay: method === 'rl' ? settings.replay : 0,
        oneLabelPenalty: settings.oneLabelPenalty,
        signal: request.signal,
        beforeStep: request.beforeStep,
        shouldStop: request.shouldStop,
        onEvent: emit,
        checkpoint,
        checkpointEvery: request.checkpointEvery ?? settings.evalEvery,
      },
      resumed?.search,
    );
    const measured = !search.cancelled;
    const prompts = measured ? await measurePrompts(session, search.best) : search.best.map((r) => unmeasured(session, r));
    const written = await measureText(session, task.slot.writtenText);
    const result: TuneRlResult = {
      method,
      prompts,
      written: { text: task.slot.writtenText, ...written },
      slot: { ...task.slot.span, kind: task.slot.kind },
      settings,
      steps_run: search.stepsRun,
      evaluations: search.evaluations,
      cancelled: search.cancelled,
      measured,
      device: session.policy?.provider ?? session.taskDevice,
      trainable_params: trainableParams,
      warnings: rlWarnings(task, session.model?.tokenizer, prompts[0]),
      out,
    };
    if (out) {
      mkdirSync(out, { recursive: true });
      writeJsonAtomic(join(out, RL_RESULT_FILE), result);
    }
    return result;
  } finally {
    await session.release();
  }
}

function makeProposer(
  session: RlSession,
  s: RlSettings,
  method: RlMethod,
  rng: Rng,
  resumed: RlCheckpoint | undefined,
): { proposer: Proposer; snapshot: () => RlCheckpoint['policy']; trainableParams: number } {
  if (method === 'random') return { proposer: new RandomProposer(session.vocabulary, s.promptLength, rng), snapshot: () => undefined, trainableParams: 0 };
  const policy = session.policy!;
  // The MLP's own generator: drawing its weights never shifts the sampling stream.
  const init = () => initMlp(policy.hidden, s.mlpHidden, new Rng(s.seed + 0x9e3779b9), { gain: s.initGain, biasValue: -1e-4 });
  const params = resumed?.policy ? new MlpParams(policy.hidden, s.mlpHidden, Float32Array.from(resumed.policy.params)) : init();
  const target = resumed?.policy ? new MlpParams(policy.hidden, s.mlpHidden, Float32Array.from(resumed.policy.target)) : params.clone();
  const proposer = new RlProposer(
    policy,
    params,
    target,
    session.vocabulary,
    rng,
    { topK: s.topK, polyak: s.polyak, gradClip: s.gradClip, lr: s.lr, shaping: { eps: s.zscoreEps, stdFloor: s.zscoreStdFloor, scale: s.rewardShaping } },
    resumed?.policy?.optimizer,
  );
  return { proposer, trainableParams: params.flat.length, snapshot: () => ({ params: Float32Array.from(params.flat), target: Float32Array.from(target.flat), optimizer: proposer.optimizer.getState() }) };
}

/** Train/dev/test accuracy of a slot text, measured on the file with the text applied. */
async function measureText(session: RlSession, text: string): Promise<{ train_acc: number; dev_acc: number | null; test_acc: number | null }> {
  const acc = async (name: SplitName) => {
    const split = session.task.splits[name];
    return split ? accuracyWithText(session.task, split, text, session.model, session) : null;
  };
  return { train_acc: (await acc('train'))!, dev_acc: await acc('dev'), test_acc: await acc('test') };
}

/** Re-measured with the text applied (distinct texts only), then sorted by dev accuracy, then reward. */
async function measurePrompts(session: RlSession, best: PromptRecord[]): Promise<RlPromptResult[]> {
  const out: RlPromptResult[] = [];
  for (const r of best) {
    const b = bestPrompt(session, r);
    if (out.some((p) => p.text === b.text)) continue;
    out.push({ text: b.text, ids: b.ids, tokens: b.tokens, reward: b.reward, ...(await measureText(session, b.text)) });
  }
  const dev = (p: RlPromptResult) => p.dev_acc ?? p.train_acc;
  return out.sort((a, b) => dev(b) - dev(a) || b.reward - a.reward);
}

function unmeasured(session: RlSession, r: PromptRecord): RlPromptResult {
  const b = bestPrompt(session, r);
  return { text: b.text, ids: b.ids, tokens: b.tokens, reward: b.reward, train_acc: b.train_acc, dev_acc: session.task.splits.dev ? b.dev_acc : null, test_acc: null };
}
