// How the CLI shows a queued task's events: with --json, one flat JSON object per line on stdout
// (progress, messages, the device, the run folder); otherwise short lines on stderr. The last
// stdout line of a --json task is its result, written by the command itself.
import type { EngineEvent } from '../protocol/engineApi';
import type { ProgressEvent } from '../protocol/taskEvents';
import { progressToStderr } from './engineForCli';

export interface TaskPrinterOptions {
  json: boolean;
  /** The command line that continues a stopped run, given its run folder. */
  resumeCommand?: (runDir: string) => string;
  /** The public JSON form of a progress event (default: the event itself). */
  progressJson?: (event: ProgressEvent) => Record<string, unknown>;
}

const fixed = (x: number | undefined, digits: number) => (x === undefined ? undefined : x.toFixed(digits));

export function progressLine(e: ProgressEvent): string {
  const parts = [`step ${e.step}/${e.totalSteps}`];
  const loss = fixed(e.loss, 4);
  if (loss !== undefined) parts.push(`loss ${loss}`);
  if (e.reward !== undefined) parts.push(`reward ${e.reward.toFixed(3)}`);
  if (e.train_acc !== undefined) parts.push(`train_acc ${e.train_acc.toFixed(3)}`);
  if (e.dev_acc !== undefined) parts.push(`dev_acc ${e.dev_acc.toFixed(3)}`);
  return parts.join('  ');
}

export function taskEventPrinter(options: TaskPrinterOptions): (event: EngineEvent) => void {
  let runDir: string | undefined;
  const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(o)}\n`);
  return (event) => {
    switch (event.type) {
      case 'run':
        runDir = event.dir;
        if (options.json) line(event as unknown as Record<string, unknown>);
        else process.stderr.write(`run ${event.dir}\n`);
        return;
      case 'progress':
        if (options.json) line(options.progressJson ? options.progressJson(event) : { ...event });
        else process.stderr.write(`${progressLine(event)}\n`);
        return;
      case 'device':
      case 'message':
        if (options.json) line({ ...event });
        else process.stderr.write(event.type === 'device' ? `device ${event.device}\n` : `${event.message}\n`);
        return;
      case 'status':
        if (event.status === 'cancelled' && runDir && options.resumeCommand) process.stderr.write(`stopped; the last checkpoint is kept. Continue with:\n  ${options.resumeCommand(runDir)}\n`);
        return;
      case 'download':
      case 'export':
        progressToStderr(event);
        return;
      default:
        return;
    }
  };
}
