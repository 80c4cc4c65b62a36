// `runPrompt`: one generation for a .prompt file and an input, streaming tokens (not queued:
// a run is short, and its model sessions are separate from a tuning task's).
import { runPromptFile } from '../../tasks/runPromptFile';
import type { MethodHandler } from './requestContext';

export const runPrompt: MethodHandler<'runPrompt'> = (params, ctx) => runPromptFile(params, ctx);
