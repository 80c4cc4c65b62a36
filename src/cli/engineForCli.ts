// The CLI talks to the same engine process as the extension: dist/engine.js, forked through
// EngineClient. Ctrl-C cancels the running request (then the engine is killed after the grace).
import { join } from 'node:path';
import { EngineClient } from '../engine/client/engineClient';
import type { EngineEvent } from '../protocol/engineApi';
import { ENGINE_DEVICES, type EngineDevice, type ModelEvent } from '../protocol/modelApi';
import type { FlagSpec } from './args';
import { UsageError } from './args';

/** Flags every model command shares. */
export const modelFlags: Record<string, FlagSpec> = {
  device: { kind: 'string', description: 'auto|cpu|cuda|dml|coreml|webgpu (default auto)' },
  variant: { kind: 'string', description: 'ONNX variant: fp32, fp16, q8, q4, … (default: fp32 when present)' },
  offline: { kind: 'boolean', description: 'never use the network (hub ids must be cached)' },
  'cache-dir': { kind: 'string', description: 'cache for exported models (default ~/.cache/promptsmith)' },
  json: { kind: 'boolean', description: 'print one JSON object on stdout' },
};

/** The one positional <model> argument (anything more is a usage error). */
export function modelArgument(positionals: readonly string[]): string | undefined {
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  return positionals[0];
}

/** A required string flag such as --prompt. */
export function requiredText(flags: Record<string, unknown>, name: string, what: string): string {
  const value = flags[name];
  if (typeof value !== 'string') throw new UsageError(`missing --${name} ${what}`);
  return value;
}

export function modelRefFromFlags(model: string | undefined, flags: Record<string, unknown>) {
  if (!model) throw new UsageError('missing <model> (a folder, a hub id, or a safetensors-only folder)');
  return {
    model,
    device: deviceFromFlags(flags),
    variant: typeof flags['variant'] === 'string' ? flags['variant'] : undefined,
    offline: flags['offline'] === true || undefined,
    cacheDir: typeof flags['cache-dir'] === 'string' ? flags['cache-dir'] : undefined,
  };
}

export function deviceFromFlags(flags: Record<string, unknown>): EngineDevice | undefined {
  const device = flags['device'];
  if (device === undefined) return undefined;
  if (typeof device !== 'string' || !(ENGINE_DEVICES as readonly string[]).includes(device)) {
    throw new UsageError(`--device must be one of ${ENGINE_DEVICES.join(', ')}, got '${String(device)}'`);
  }
  return device as EngineDevice;
}

/** Prints model download/export progress to stderr (never stdout: --json owns it). */
export function progressToStderr(event: ModelEvent): void {
  if (event.type === 'download') {
    const total = event.total ? ` / ${(event.total / 1e6).toFixed(1)} MB` : '';
    process.stderr.write(`\rdownloading ${event.file}: ${(event.loaded / 1e6).toFixed(1)} MB${total}   `);
    if (event.total !== null && event.loaded >= event.total) process.stderr.write('\n');
  } else if (event.type === 'export') {
    process.stderr.write(`[export ${String(Math.round(event.fraction * 100)).padStart(3)}%] ${event.message}\n`);
  }
}

/** Runs `fn` with an engine client, cancelling on Ctrl-C and always disposing the engine. */
export async function withEngine<T>(fn: (client: EngineClient, signal: AbortSignal) => Promise<T>): Promise<T> {
  // Bundled as dist/cli.js beside dist/engine.js.
  const client = new EngineClient({ enginePath: process.env.PROMPTSMITH_ENGINE ?? join(__dirname, 'engine.js') });
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('\ncancelling…\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    return await fn(client, controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
    await client.dispose();
  }
}

/** Splits model events: tokens to `onToken`, download/export progress to stderr. */
export function eventRouter(onToken?: (text: string) => void): (event: EngineEvent) => void {
  return (event) => {
    if (event.type === 'token') onToken?.(event.text);
    else if (event.type === 'download' || event.type === 'export') progressToStderr(event);
  };
}
