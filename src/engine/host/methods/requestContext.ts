// What every engine method handler receives besides its (already validated) params.
import type { EngineEvent, EngineMethod, ParamsOf, ResultOf } from '../../../protocol/engineApi';

export interface RequestContext {
  /** Streams an event (progress, token, …) tagged with this request's id. */
  emit(event: EngineEvent): void;
  /** Aborted when the client cancels the request. Long work checks it between steps. */
  signal: AbortSignal;
}

export type MethodHandler<M extends EngineMethod> = (params: ParamsOf<M>, ctx: RequestContext) => Promise<ResultOf<M>>;
