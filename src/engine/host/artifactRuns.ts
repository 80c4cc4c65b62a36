// The run folder of a task that writes an artifact (a soft prompt adapter, a fine-tuned model,
// the found prompts): new, or continued. The artifact goes to `out` when the caller names one (a
// link back to the run is left there), else into the run folder. `resume` takes either folder and
// continues the same run record, with the settings it recorded (new overrides win).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { SettingsTable } from '../../promptFile/promptsmithSettings';
import type { Json } from '../../protocol/guards';
import type { TaskKind } from '../../protocol/taskEvents';
import { writeJsonAtomic } from '../../runs/atomicFile';
import { createRun, openRun, type RunHandle } from '../../runs/runWriter';

/** Left in an `out` folder so `resume` of that folder finds the run it belongs to. */
export const RUN_LINK_FILE = '.promptsmith-run.json';

export interface ArtifactRunRequest {
  kind: TaskKind;
  promptFile: string;
  /** The resolved model (queue key and run record). */
  model: string;
  device?: string;
  workspaceDir?: string;
  out?: string;
  resume?: string;
  overrides?: Record<string, unknown>;
  /** The settings table of the method: only its keys are taken back from a resumed run. */
  settings: SettingsTable;
  /** The artifact's folder name inside the run folder when there is no `out`. */
  artifactName: string;
  /** More of the request to keep in run.json's settings (e.g. the slot a search fills). */
  record?: { [key: string]: Json };
}

export interface ArtifactRun {
  run: RunHandle;
  /** Where the artifact (and its checkpoint/) goes. */
  out: string;
  /** The settings to run with: the recorded ones when resuming, then the request's. */
  overrides: Record<string, unknown>;
  resume: boolean;
}

/** The tuning settings a run recorded (run.json `settings` also holds `out`). */
function recordedOverrides(settings: { [key: string]: Json }, table: SettingsTable): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).filter(([key, value]) => Object.hasOwn(table, key) && value !== null));
}

function linkedRun(out: string): RunHandle | undefined {
  try {
    const { runDir } = JSON.parse(readFileSync(join(out, RUN_LINK_FILE), 'utf8')) as { runDir?: unknown };
    return typeof runDir === 'string' && existsSync(join(runDir, 'run.json')) ? openRun(runDir) : undefined;
  } catch {
    return undefined;
  }
}

export function openArtifactRun(req: ArtifactRunRequest): ArtifactRun {
  const { resume } = req;
  const continued = resume && existsSync(join(resume, 'run.json')) ? openRun(resume) : resume ? linkedRun(resume) : undefined;
  if (continued) {
    const settings = continued.meta().settings;
    const out = typeof settings.out === 'string' ? settings.out : resume !== continued.dir ? resume! : join(continued.dir, req.artifactName);
    return { run: continued, out, overrides: { ...recordedOverrides(settings, req.settings), ...req.overrides }, resume: true };
  }
  const out = resume ?? req.out;
  const overrides = req.overrides ?? {};
  const seed = overrides.seed;
  const run = createRun(req.workspaceDir ?? dirname(req.promptFile), {
    kind: req.kind,
    name: basename(req.promptFile, '.prompt'),
    promptFile: req.promptFile,
    model: req.model,
    device: req.device ?? 'auto',
    settings: { ...(overrides as { [key: string]: Json }), ...req.record, ...(out ? { out } : {}) },
    seed: typeof seed === 'number' ? seed : undefined,
  });
  if (out) {
    mkdirSync(out, { recursive: true });
    writeJsonAtomic(join(out, RUN_LINK_FILE), { runDir: run.dir });
  }
  return { run, out: out ?? join(run.dir, req.artifactName), overrides, resume: resume !== undefined };
}
