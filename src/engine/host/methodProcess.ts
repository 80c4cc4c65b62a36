// One engine process per compared method: forked from the same engine bundle, so a method's
// peak memory is measured alone and nothing it loads stays behind for the next one.
import { EngineClient } from '../client/engineClient';
import type { MethodProcess } from '../tasks/compare/methodProcess';

const MIB = 2 ** 20;

/** The engine bundle to fork: this process's own script, or PROMPTSMITH_ENGINE (tests, benches). */
export function engineEntry(): string {
  return process.env.PROMPTSMITH_ENGINE ?? process.argv[1] ?? '';
}

export function openEngineProcess(): MethodProcess {
  const client = new EngineClient({ enginePath: engineEntry(), onLog: (text) => process.stderr.write(text) });
  return {
    request: (method, params, options) => client.request(method, params, options),
    peakRssMb: async () => (await client.request('stats', null)).maxRss / MIB,
    close: () => client.dispose(),
  };
}
