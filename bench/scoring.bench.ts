// Scoring throughput on stories260k: our scoring in process and through the engine process ÷ a
// bare session.run loop (see scoringCompare.ts).
import { cpus, loadavg } from 'node:os';
import { storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';
import { compareScoring } from './scoringCompare';

const BATCH = 16;
const ROUNDS = 25;

export default async function (): Promise<BenchRow[]> {
  const c = await compareScoring(await storiesOnnx(), { batch: BATCH, rounds: ROUNDS });
  const note = `stories260k, ${c.items} items, batch ${BATCH}, median of ${ROUNDS}, ${c.pinning}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  return [
    { bench: 'scoring', metric: 'bare session.run loop', value: c.bare, unit: 'items/s', note },
    { bench: 'scoring', metric: 'score() in process', value: c.inProcess, unit: 'items/s', note },
    { bench: 'scoring', metric: 'score via engine process', value: c.viaEngine, unit: 'items/s', note: `${note}; includes IPC and tokenization` },
    { bench: 'scoring', metric: 'in process ÷ bare', value: c.inProcessOverBare, unit: 'ratio', target: '≥ 0.9', note: 'median of per-round ratios' },
    { bench: 'scoring', metric: 'engine process ÷ bare', value: c.engineOverBare, unit: 'ratio', target: '≥ 0.95', note: 'median of per-round ratios' },
  ];
}
