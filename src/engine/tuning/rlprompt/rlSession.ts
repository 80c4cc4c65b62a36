// Everything a discrete-prompt search opens: the task model and its scorer (every split's
// prefixes computed up front, in file order), the task's rendered splits, and for RL the policy
// (frozen policy LM with its hidden state exposed + the MLP head graphs). The policy model is
// the task model unless `policyModel` names another causal LM. A remote task model (an
// OpenAI-compatible endpoint) scores through the same TaskScorer; the policy stays local.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveModelRef } from '../../../promptFile/promptFile';
import { readModelFile } from '../../onnx/codec';
import type { Device } from '../../runtime/executionProviders';
import { LanguageModel } from '../../runtime/languageModel';
import { type ModelFolder, resolveModelFolder } from '../../runtime/modelFolder';
import { loadTokenizer, type TextTokenizer } from '../../../modelFiles/tokenizer';
import { type RemoteTarget, remoteDevice } from '../../remote/remoteTarget';
import { remoteTaskScorerFor } from '../../remote/remoteTaskScorer';
import { LocalTaskScorer } from '../../tasks/localTaskScorer';
import type { TaskHooks } from '../../tasks/taskHooks';
import type { SlotPrompt, TaskScorer } from '../../tasks/taskScorer';
import { RlPolicy } from './policy';
import { loadRlTask, type RlTask, SPLITS } from './rlTask';
import type { RlSettings } from './settings';
import { scoringPrompt, slotText, type SlotRange } from './slot';
import { promptScorer, type PromptScorer } from './taskReward';
import { PromptVocabulary } from './vocabulary';

export interface RlSessionOptions {
  promptFile: string;
  slot?: SlotRange;
  method: 'rl' | 'random';
  device: Device;
  cacheDir?: string;
  offline?: boolean;
  /** The task model is served elsewhere: rewards come from its endpoint. */
  remote?: RemoteTarget;
  /** A remote scorer pauses the task while its endpoint is down. */
  hooks?: Pick<TaskHooks, 'pauseFor'>;
}

export interface RlSession {
  task: RlTask;
  /** The local task model; undefined when it is remote. */
  model?: LanguageModel;
  /** Where the task model runs (an execution provider, or the endpoint). */
  taskDevice: string;
  scorer: TaskScorer;
  score: PromptScorer;
  vocabulary: PromptVocabulary;
  /** RL only. */
  policy?: RlPolicy;
  /** The slot text, its pieces, and what the scorer is given, for a prompt's policy-model ids. */
  describe(ids: readonly number[]): { text: string; tokens: string[]; scoring: SlotPrompt };
  release(): Promise<void>;
}

function modelSpec(spec: string, promptFile: string): string {
  const ref = resolveModelRef(spec, promptFile);
  return ref.kind === 'folder' ? ref.path : ref.id;
}

function sameFile(a: string, b: string): boolean {
  try {
    return readFileSync(a).equals(readFileSync(b));
  } catch {
    return false;
  }
}

/** The id a policy starts every prompt from: BOS (RLPrompt: GPT-2's <|endoftext|>, its BOS and EOS). */
function startId(tokenizer: TextTokenizer, folder: ModelFolder): number {
  const id = tokenizer.bosId ?? folder.generation.bosTokenId ?? tokenizer.eosId;
  if (id === undefined) throw new Error(`${folder.dir}: the policy model has no BOS or EOS token to start prompts from`);
  return id;
}

export async function openRlSession(options: RlSessionOptions, settings: RlSettings, parsedModel: string | undefined): Promise<RlSession> {
  if (!parsedModel) throw new Error(`${options.promptFile}: no 'model:' in the front matter`);
  const resolve = { cacheDir: options.cacheDir, offline: options.offline };
  const { remote } = options;
  if (remote && !settings.policyModel) {
    throw new Error(`${options.promptFile}: the task model is remote (${remote.spec}) and the policy runs here: set promptsmith.rl.policyModel (or --policy-model) to a local causal LM`);
  }
  const model = remote ? undefined : await LanguageModel.load(modelSpec(parsedModel, options.promptFile), { device: options.device, ...resolve });
  const task = await loadRlTask(options.promptFile, model?.tokenizer, options.slot);
  const scorer: TaskScorer = model ? new LocalTaskScorer(model, task.verbalizers) : remoteTaskScorerFor(remote!, task.verbalizers, options.hooks ?? {});
  for (const name of SPLITS) if (task.splits[name]) await scorer.prepare?.(task.splits[name]!.examples);
  const maxOutputTokens = task.parsed.config.maxOutputTokens;
  const score = promptScorer(scorer, {
    lambda1: settings.rewardLambda1,
    lambda2: settings.rewardLambda2,
    metric: task.spec.metric,
    maxTokens: typeof maxOutputTokens === 'number' ? maxOutputTokens : undefined,
  });

  const policyFolder = settings.policyModel ? await resolveModelFolder(modelSpec(settings.policyModel, options.promptFile), resolve) : model!.folder;
  if (policyFolder.kind !== 'causal') {
    throw new Error(`${policyFolder.spec} is a masked LM and cannot write prompts: set promptsmith.rl.policyModel to a causal LM`);
  }
  const policyTokenizer = model && policyFolder.dir === model.folder.dir ? model.tokenizer : loadTokenizer(policyFolder.dir);
  // Ids pass to the scorer only when both models read them the same way (never to an endpoint).
  const sharedIds = model !== undefined && (policyFolder.dir === model.folder.dir || sameFile(join(policyFolder.dir, 'tokenizer.json'), join(model.folder.dir, 'tokenizer.json')));
  let policy: RlPolicy | undefined;
  if (options.method === 'rl') {
    policy = await RlPolicy.open(readModelFile(policyFolder.onnxFile), {
      device: options.device,
      mlpHidden: settings.mlpHidden,
      promptLength: settings.promptLength,
      residual: settings.policyStart === 'model',
      startIds: [startId(policyTokenizer, policyFolder)],
      config: policyFolder.config,
    });
  }
  const vocabulary = new PromptVocabulary(policyTokenizer, policy?.vocab ?? policyTokenizer.vocabSize, settings.vocabulary);
  const describe = (ids: readonly number[]) => {
    const natural = vocabulary.text(ids);
    const scoring = scoringPrompt(task.slot, natural, ids);
    return { text: slotText(task.slot, natural), tokens: vocabulary.pieces(ids), scoring: sharedIds ? scoring : { text: scoring.text } };
  };
  return {
    task,
    model,
    taskDevice: model ? model.provider : remoteDevice(remote!),
    scorer,
    score,
    vocabulary,
    policy,
    describe,
    release: async () => {
      await policy?.release();
    },
  };
}
