// Calls an engine method in this process the way the engine host does for a client's request:
// params through the method's validator, events through the event validator, the result through
// JSON and the result validator. Tests of recorded runs go through here, as requests do.
import { methods } from '../../../src/engine/host/methods/index';
import { type EngineEvent, type EngineMethod, PARAMS_PARSERS, type ParamsOf, parseEngineEvent, RESULT_PARSERS, type ResultOf } from '../../../src/protocol/engineApi';

export async function callMethod<M extends EngineMethod>(method: M, params: ParamsOf<M>, options: { onEvent?: (event: EngineEvent) => void; signal?: AbortSignal } = {}): Promise<ResultOf<M>> {
  const parse: (raw: unknown) => ParamsOf<M> = PARAMS_PARSERS[method];
  const handler: (params: ParamsOf<M>, ctx: { emit(event: EngineEvent): void; signal: AbortSignal }) => Promise<unknown> = methods[method];
  const wire = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));
  const raw = await handler(parse(wire(params)), {
    emit: (event) => options.onEvent?.(parseEngineEvent(wire(event))),
    signal: options.signal ?? new AbortController().signal,
  });
  const validate: (raw: unknown) => ResultOf<M> = RESULT_PARSERS[method];
  return validate(wire(raw));
}
