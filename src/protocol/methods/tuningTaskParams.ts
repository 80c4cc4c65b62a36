// The request fields every tuning task takes besides its file and settings (tuneSoft, fineTune,
// tuneRl): where it writes, what it continues, where the run store lives, how often it
// checkpoints, and compare's time budget.
import { optionalInteger, optionalPositive, optionalString } from '../guards';

export interface TuningTaskParams {
  /** The output folder; each method names its default inside the run folder. */
  out?: string;
  /** A run folder, or a folder written with `out`, to continue from its checkpoint. */
  resume?: string;
  /** Where `.promptsmith/runs` lives; default: the prompt file's folder. */
  workspaceDir?: string;
  /** Checkpoint every this many steps. */
  checkpointEvery?: number;
  /** Finish after about this many seconds of training or search, with the best so far (compare's budget). */
  timeBudgetS?: number;
}

export function parseTuningTaskParams(p: Record<string, unknown>, where: string): TuningTaskParams {
  return {
    out: optionalString(p, 'out', where),
    resume: optionalString(p, 'resume', where),
    workspaceDir: optionalString(p, 'workspaceDir', where),
    checkpointEvery: optionalInteger(p, 'checkpointEvery', where, 1),
    timeBudgetS: optionalPositive(p, 'timeBudgetS', where),
  };
}
