// The envelope of every message between a client (extension host or CLI) and the engine process.
// Requests carry a method and params; the engine answers once (response) and may stream events
// (progress, tokens) tagged with the request id before that. A client may cancel a request.
import { expectNumber, expectOneOf, expectRecord, expectString, isRecord, ProtocolError } from './guards';

export interface RpcRequest {
  kind: 'request';
  id: number;
  method: string;
  /** Validated by the method's params parser (engineApi.ts) before the handler sees it. */
  params: unknown;
  /**
   * false: the client listens to none of this request's events, so the engine sends none (a
   * generation streams one per token; a scoring request, progress).
   */
  events?: false;
}

export interface RpcCancel {
  kind: 'cancel';
  id: number;
}

export interface RpcErrorInfo {
  message: string;
  /** Stable machine-readable code, e.g. 'E_MODEL_NOT_FOUND', 'E_CANCELLED', 'E_ENGINE_CRASHED'. */
  code: string;
}

export type RpcResponse =
  | { kind: 'response'; id: number; ok: true; result: unknown }
  | { kind: 'response'; id: number; ok: false; error: RpcErrorInfo };

export interface RpcEvent {
  kind: 'event';
  id: number;
  /** Validated by parseEngineEvent on receipt. */
  event: unknown;
}

export type ClientToEngine = RpcRequest | RpcCancel;
export type EngineToClient = RpcResponse | RpcEvent;

/** Validates a message received by the engine. Throws ProtocolError naming the bad field. */
export function parseClientMessage(raw: unknown): ClientToEngine {
  const m = expectRecord(raw, 'message');
  const kind = expectOneOf(m, 'kind', ['request', 'cancel'] as const, 'message');
  const id = expectNumber(m, 'id', 'message');
  if (kind === 'cancel') return { kind, id };
  const request: RpcRequest = { kind, id, method: expectString(m, 'method', 'message'), params: m.params ?? null };
  if (m.events === false) request.events = false;
  else if (m.events !== undefined) throw new ProtocolError('message.events: expected false or nothing');
  return request;
}

/** Validates a message received from the engine. Throws ProtocolError naming the bad field. */
export function parseEngineMessage(raw: unknown): EngineToClient {
  const m = expectRecord(raw, 'message');
  const kind = expectOneOf(m, 'kind', ['response', 'event'] as const, 'message');
  const id = expectNumber(m, 'id', 'message');
  if (kind === 'event') return { kind, id, event: m.event ?? null };
  if (m.ok === true) return { kind, id, ok: true, result: m.result ?? null };
  if (m.ok === false && isRecord(m.error)) {
    return { kind, id, ok: false, error: { message: expectString(m.error, 'message', 'message.error'), code: expectString(m.error, 'code', 'message.error') } };
  }
  throw new ProtocolError('message.ok: expected true, or false with an error');
}
