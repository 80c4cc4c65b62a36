// The engine's request handlers, one entry per protocol method. Each helper that adds a method
// adds ONE line to the table below; params are validated by the method's parser (a ProtocolError
// becomes an E_BAD_REQUEST answer naming the field).
import { parseClassifyParams, parseGenerateParams, parseModelRef, parseScoreParams } from '../../protocol/engineApi';
import type { Json } from '../../protocol/guards';
import { modelService } from '../runtime/modelService';
import { evaluateMethod } from '../tasks/evaluateMethod';
import { runPromptMethod } from '../tasks/runPromptMethod';
import { tuneSoftMethod } from '../tuning/softprompt/tuneSoftMethod';
import { taskControlMethod } from './queuedTask';

export interface RequestContext {
  /** Streams an event (progress, token, …) tagged with this request's id. */
  emit(event: Json): void;
  /** Aborted when the client cancels the request. Long work checks it between steps. */
  signal: AbortSignal;
}

export type MethodHandler = (params: Json, ctx: RequestContext) => Promise<Json>;

/** Wraps a typed handler: parse the params, run, and hand back the result as JSON. */
function typed<P, R>(parse: (params: Json) => P, run: (params: P, ctx: RequestContext) => Promise<R>): MethodHandler {
  return async (params, ctx) => (await run(parse(params), ctx)) as unknown as Json;
}

const modelCtx = (ctx: RequestContext) => ({ emit: (e: object) => ctx.emit(e as Json), signal: ctx.signal });

export const methods: Record<string, MethodHandler> = {
  async ping() {
    return { pong: true, pid: process.pid };
  },
  loadModel: typed(parseModelRef, (p, ctx) => modelService.loadModel(p, modelCtx(ctx))),
  generate: typed(parseGenerateParams, (p, ctx) => modelService.generate(p, modelCtx(ctx))),
  score: typed(parseScoreParams, (p, ctx) => modelService.score(p, modelCtx(ctx))),
  classify: typed(parseClassifyParams, (p, ctx) => modelService.classify(p, modelCtx(ctx))),
  stats: typed(() => null, () => modelService.stats()),
  evaluate: evaluateMethod,
  runPrompt: runPromptMethod,
  tuneSoft: tuneSoftMethod,
  taskControl: taskControlMethod,
  // The host exits once this answer is sent.
  shutdown: typed(() => null, async () => {
    await modelService.dispose();
    return { ok: true };
  }),
};
