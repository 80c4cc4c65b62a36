// `serve`: the engine serves one local model over the OpenAI HTTP API (`promptsmith serve`)
// until the request is cancelled. It announces the address as a message event
// ("serving <name> at <url>"), and answers with the request count when stopped.
import { expectNumber, expectRecord, expectString, optionalBoolean, optionalInteger, optionalString, ProtocolError } from '../guards';
import { type ModelRef, parseModelRef } from '../modelApi';

export interface ServeParams extends ModelRef {
  /** Default 127.0.0.1 (this machine only). */
  host?: string;
  /** Default 0: a free port. */
  port?: number;
  /** The id in /v1/models; default the model folder's name. */
  name?: string;
  /** Model passes at once (default 1). */
  parallel?: number;
  /** A message event per request. */
  log?: boolean;
}

export interface ServeResult {
  url: string;
  requests: number;
}

export function parseServeParams(raw: unknown): ServeParams {
  const where = 'params';
  const p = expectRecord(raw, where);
  const port = optionalInteger(p, 'port', where, 0);
  if (port !== undefined && port > 65535) throw new ProtocolError(`${where}.port: expected a port number 0–65535`);
  const name = optionalString(p, 'name', where);
  if (name !== undefined && name.trim() === '') throw new ProtocolError(`${where}.name: must not be empty`);
  return {
    ...parseModelRef(p, where),
    host: optionalString(p, 'host', where),
    port,
    name,
    parallel: optionalInteger(p, 'parallel', where, 1),
    log: optionalBoolean(p, 'log', where),
  };
}

export function parseServeResult(raw: unknown): ServeResult {
  const r = expectRecord(raw, 'serve result');
  return { url: expectString(r, 'url', 'serve result'), requests: expectNumber(r, 'requests', 'serve result') };
}

/** The message that announces the server (the CLI prints it; servedUrl reads it back). */
export function servingMessage(name: string, url: string): string {
  return `serving ${name} at ${url}`;
}

/** The address in the "serving <name> at <url>" message. */
export function servedUrl(message: string): string | undefined {
  return /^serving .+ at (http\S+)/.exec(message)?.[1];
}
