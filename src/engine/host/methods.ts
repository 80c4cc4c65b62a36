// The engine's request handlers, one entry per protocol method.
import type { Json } from '../../protocol/guards';

export interface RequestContext {
  /** Streams an event (progress, token, …) tagged with this request's id. */
  emit(event: Json): void;
  /** Aborted when the client cancels the request. Long work checks it between steps. */
  signal: AbortSignal;
}

export type MethodHandler = (params: Json, ctx: RequestContext) => Promise<Json>;

export const methods: Record<string, MethodHandler> = {
  async ping() {
    return { pong: true, pid: process.pid };
  },
};
