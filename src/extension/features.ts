// The table of features the extension registers at activation. Each feature is a function that
// receives the context and registers its commands/providers; nothing heavy runs here.
import type { PromptsmithContext } from './context';
import { registerPromptCommands } from './commands/registerPromptCommands';
import { registerCompareFeature } from './compare/registerCompare';
import { registerFineTuneFeature } from './finetune/registerFineTune';
import { registerGettingStarted } from './gettingStarted/newPromptFile';
import { registerLanguageClient } from './languageClient';
import { registerPendingCommands } from './pendingCommands';
import { registerRlPromptFeature } from './rlPrompt/registerRlPrompt';
import { registerRunsFeature } from './runsCommands';
import { registerSoftPromptFeature } from './softPrompt/registerSoftPrompt';

export type Feature = (ctx: PromptsmithContext) => void;

export const features: readonly Feature[] = [
  registerLanguageClient,
  registerPendingCommands,
  registerRunsFeature,
  registerPromptCommands,
  registerSoftPromptFeature,
  registerRlPromptFeature,
  registerFineTuneFeature,
  registerCompareFeature,
  registerGettingStarted,
];
