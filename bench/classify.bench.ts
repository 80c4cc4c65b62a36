// Classification with a few-shot template: the shared instructions computed once from the KV
// cache vs recomputed for every text (same session, same batches, interleaved rounds).
import { cpus, loadavg } from 'node:os';
import { classify } from '../src/engine/runtime/classify';
import { LanguageModel } from '../src/engine/runtime/languageModel';
import { median, scoringItems, storiesOnnx } from './benchModels';
import type { BenchRow } from './benchRow';

const ROUNDS = 7;
const TEMPLATE =
  'Lily got a new toy. She was very happy. Tom lost his kite. He was very sad. Sue saw a rainbow. She was very happy. ' +
  'Ben broke his car. He was very sad. Mia ate a big cake. She was very happy. {text} The child was very';

export default async function (): Promise<BenchRow[]> {
  const model = await LanguageModel.load(await storiesOnnx(), { device: 'cpu' });
  const texts = scoringItems().prompts.map((p) => p.replace(/ was very$/, '.'));
  const labels = { positive: ' happy', negative: ' sad' };
  const shared: number[] = [];
  const full: number[] = [];
  let prefixTokens = 0;
  await classify(model, texts, TEMPLATE, labels, { batchSize: 16 });
  for (let r = 0; r < ROUNDS; r++) {
    let t = performance.now();
    prefixTokens = (await classify(model, texts, TEMPLATE, labels, { batchSize: 16 })).sharedPrefixTokens;
    shared.push(texts.length / ((performance.now() - t) / 1000));
    t = performance.now();
    await classify(model, texts, TEMPLATE, labels, { batchSize: 16, sharePrefix: false });
    full.push(texts.length / ((performance.now() - t) / 1000));
  }
  const note = `stories260k, ${texts.length} texts, ${prefixTokens}-token shared prefix, batch 16, median of ${ROUNDS}, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`;
  return [
    { bench: 'classify', metric: 'few-shot, prefix from KV cache', value: median(shared), unit: 'texts/s', note },
    { bench: 'classify', metric: 'few-shot, prefix recomputed', value: median(full), unit: 'texts/s', note },
    { bench: 'classify', metric: 'shared prefix speed-up', value: median(shared) / median(full), unit: 'ratio' },
  ];
}
