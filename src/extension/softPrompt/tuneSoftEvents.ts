// The pure half of the "Tune soft prompt" command: reading what the engine's `tuneSoft` request
// streams and returns, and the texts the notification and the final message show.
import type { Json } from '../../protocol/guards';
import { isRecord } from '../../protocol/guards';
import type { ProgressEvent } from '../../protocol/taskEvents';

/** `{type:'run', runId, dir}`: sent by the engine before the task starts, naming its run folder. */
export interface RunAnnouncement {
  runId: string;
  dir: string;
}

export function parseRunAnnouncement(raw: unknown): RunAnnouncement | undefined {
  if (!isRecord(raw) || raw.type !== 'run') return undefined;
  if (typeof raw.runId !== 'string' || typeof raw.dir !== 'string' || raw.runId === '') return undefined;
  return { runId: raw.runId, dir: raw.dir };
}

/** `{type:'device', device}`: the execution provider the task actually runs on. */
export function engineDevice(raw: unknown): string | undefined {
  return isRecord(raw) && raw.type === 'device' && typeof raw.device === 'string' ? raw.device : undefined;
}

/** `{type:'message', message}`: something the user should know (e.g. the fallback to BBT). */
export function engineMessage(raw: unknown): string | undefined {
  return isRecord(raw) && raw.type === 'message' && typeof raw.message === 'string' ? raw.message : undefined;
}

function percent(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

/** The notification line: `step 12/100 · loss 0.5120 · dev acc 72.0%` (dev acc: the latest evaluation). */
export function progressText(e: ProgressEvent, lastDevAcc?: number): string {
  const parts = [`step ${e.step}/${e.totalSteps}`];
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
  const dev = e.dev_acc ?? lastDevAcc;
  if (dev !== undefined) parts.push(`dev acc ${percent(dev)}`);
  return parts.join(' · ');
}

/** The fields of the engine's tuneSoft result the editor uses (NaN travels as null). */
export interface TuneSoftSummary {
  out: string;
  devAcc: number | undefined;
  manualDevAcc: number | undefined;
  bestStep: number | undefined;
  method: string;
  device: string;
  numVirtualTokens: number;
  runDir: string | undefined;
}

export function parseTuneSoftSummary(raw: unknown): TuneSoftSummary {
  if (!isRecord(raw)) throw new Error('tuneSoft result: expected an object');
  const num = (key: string) => (typeof raw[key] === 'number' && Number.isFinite(raw[key]) ? (raw[key] as number) : undefined);
  const str = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
  const out = str('out');
  if (out === undefined) throw new Error('tuneSoft result.out: expected the adapter folder');
  return {
    out,
    devAcc: num('dev_acc'),
    manualDevAcc: num('manual_dev_acc'),
    bestStep: num('best_step'),
    method: str('method') ?? 'gradient',
    device: str('device') ?? 'unknown device',
    numVirtualTokens: num('num_virtual_tokens') ?? 0,
    runDir: str('run_dir'),
  };
}

/** The final message: tuned vs manual dev accuracy. */
export function resultMessage(fileName: string, s: TuneSoftSummary): string {
  const tuned = s.devAcc === undefined ? 'no dev set to measure' : `dev accuracy ${percent(s.devAcc)}`;
  const manual = s.manualDevAcc === undefined ? '' : ` vs ${percent(s.manualDevAcc)} for the manual template`;
  return `Promptsmith: soft prompt for ${fileName} — ${tuned}${manual} (${s.numVirtualTokens} virtual tokens, ${s.method} on ${s.device}).`;
}

const OVERRIDE_KEYS = ['tokens', 'init', 'initText', 'steps', 'lr', 'optimizer', 'method', 'seed', 'batchSize', 'evalEvery', 'patience', 'slot'] as const;

/**
 * The overrides a resumed run must be given again: those recorded in its run.json settings
 * (the checkpoint refuses other settings). Unknown keys (e.g. span) are not tuneSoft's.
 */
export function overridesFromRunSettings(settings: { [key: string]: Json }): { [key: string]: Json } {
  const overrides: { [key: string]: Json } = {};
  for (const key of OVERRIDE_KEYS) {
    const value = settings[key];
    if (value !== undefined && value !== null) overrides[key] = value;
  }
  return overrides;
}
