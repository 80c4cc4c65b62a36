// Not a test: measures, on the stories260k training graph (float32), the time of one run of the
// gradient graph (forward + backward, w.r.t. the embedding table) ÷ one forward run, on the same
// batch. Run: npx esbuild test/unit/autodiff/measureGradientCost.ts --bundle --platform=node
//   --external:onnxruntime-node --outfile=.test-out/m.js && node .test-out/m.js [batch] [seq] [threads]
import { buildGradientGraph } from '../../../src/engine/autodiff/gradientGraph';
import { encodeModel } from '../../../src/engine/onnx/codec';
import { ort, type OrtTensor } from '../../../src/engine/runtime/ort';
import { storiesTrainingModel } from '../helpers/fixtures';
import { withLogitsLoss } from './modelGradCheck';

async function main() {
  const [batch, seq, threads] = [Number(process.argv[2] ?? 4), Number(process.argv[3] ?? 64), Number(process.argv[4] ?? 0)];
  const { InferenceSession, Tensor } = ort();
  let t0 = performance.now();
  const model = withLogitsLoss(storiesTrainingModel(), 512);
  const exportMs = performance.now() - t0;
  t0 = performance.now();
  const gradModel = buildGradientGraph(model, { wrt: ['model.embed_tokens.weight'], loss: 'loss' });
  const buildMs = performance.now() - t0;
  t0 = performance.now();
  const options = threads > 0 ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {};
  const forward = await InferenceSession.create(encodeModel(model), options);
  const backward = await InferenceSession.create(encodeModel(gradModel), options);
  const sessionMs = performance.now() - t0;
  const n = batch * seq;
  const feeds: Record<string, OrtTensor> = {
    input_ids: new Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(3 + ((i * 37) % 500))), [batch, seq]),
    attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [batch, seq]),
    position_ids: new Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(i % seq)), [batch, seq]),
  };
  // Interleaved: each pair times one forward and one gradient run back to back, so load from
  // other processes hits both alike; the medians are reported.
  const elapsed = async (run: () => Promise<unknown>) => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };
  for (let i = 0; i < 3; i++) {
    await forward.run(feeds);
    await backward.run(feeds);
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i < 20; i++) pairs.push([await elapsed(() => forward.run(feeds)), await elapsed(() => backward.run(feeds))]);
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const fwd = median(pairs.map((p) => p[0]));
  const grad = median(pairs.map((p) => p[1]));
  const ratio = median(pairs.map((p) => p[1] / p[0]));
  console.log(JSON.stringify({
    batch, seq, threads: threads || 'default',
    forwardNodes: model.graph.nodes.length, gradientGraphNodes: gradModel.graph.nodes.length,
    exportMs: +exportMs.toFixed(1), buildGradientGraphMs: +buildMs.toFixed(1), sessionsMs: +sessionMs.toFixed(1),
    forwardMs: +fwd.toFixed(2), gradientMs: +grad.toFixed(2), ratio: +ratio.toFixed(2),
  }));
}

void main();
