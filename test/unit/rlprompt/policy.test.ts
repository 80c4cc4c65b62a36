// The RLPrompt policy graphs on tiny random models (GPT-2 and Llama exports): the exposed last
// hidden state times the frozen head gives the model's own logits; a residual policy with a zero
// MLP is exactly the LM; the autodiff gradient of the SQL loss matches finite differences.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readModelFile } from '../../../src/engine/onnx/codec';
import type { OnnxModel } from '../../../src/engine/onnx/ir';
import { forward } from '../../../src/engine/runtime/forward';
import { LanguageModel } from '../../../src/engine/runtime/languageModel';
import { Rng } from '../../../src/engine/tuning/optim/rng';
import { exposeLastHiddenState, PolicySurgeryError } from '../../../src/engine/tuning/rlprompt/hiddenState';
import { initMlp, MlpParams } from '../../../src/engine/tuning/rlprompt/mlpParams';
import { RlPolicy } from '../../../src/engine/tuning/rlprompt/policy';
import { argmaxRow, StoredUniforms } from '../../../src/engine/tuning/rlprompt/sampler';
import { rowLogSumExp, sqlTargets } from '../../../src/engine/tuning/rlprompt/softQLearning';
import { tinyModelDir } from '../helpers/fixtures';

async function tiny(kind: 'gpt2' | 'llama'): Promise<{ graph: OnnxModel; config: Record<string, unknown>; lm: LanguageModel; bos: number }> {
  const dir = tinyModelDir(kind);
  const lm = await LanguageModel.load(dir, { device: 'cpu' });
  const bos = lm.tokenizer.bosId ?? lm.tokenizer.eosId!;
  return { graph: readModelFile(join(dir, 'onnx', 'model.onnx')), config: JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), lm, bos };
}

for (const kind of ['gpt2', 'llama'] as const) {
  test(`${kind}: a residual policy with a zero MLP draws from the LM's own next-token distribution`, async () => {
    const { graph, config, lm, bos } = await tiny(kind);
    const policy = await RlPolicy.open(graph, { device: 'cpu', mlpHidden: 16, promptLength: 3, residual: true, startIds: [bos], config });
    try {
      const zero = new MlpParams(policy.hidden, 16);
      const bias = new Float32Array(policy.vocab);
      // Greedy decoding of the policy = greedy decoding of the LM from BOS.
      const { ids } = await policy.rollout(zero, 1, bias, (l, o) => argmaxRow(l, o, policy.vocab));
      const seq = [bos];
      for (let t = 0; t < 3; t++) {
        const out = await lm.withSession((a) => forward(a.session, a.io, { ids: [seq], wantPresent: false }));
        seq.push(argmaxRow(out.logits, (out.seq - 1) * out.vocab, out.vocab));
      }
      assert.deepEqual(ids[0], seq.slice(1));
    } finally {
      await policy.release();
    }
  });
}

test('surgery refuses a head that is not a MatMul of the hidden state, naming what it found', () => {
  const model: OnnxModel = {
    irVersion: 8,
    opsetImports: [{ domain: '', version: 18 }],
    producerName: 't',
    metadata: {},
    graph: { name: 'g', inputs: [], outputs: [{ name: 'logits', dataType: 'float32' }], initializers: [], valueInfo: [], nodes: [{ name: 'n', opType: 'Gemm', inputs: ['h', 'w'], outputs: ['logits'], attributes: {} }] },
  };
  assert.throws(() => exposeLastHiddenState(model), (e: Error) => e instanceof PolicySurgeryError && /found a Gemm node/.test(e.message));
});

test('the autodiff gradient of the SQL loss matches central finite differences (tiny Llama)', async () => {
  const { graph, config, bos } = await tiny('llama');
  const T = 3;
  const policy = await RlPolicy.open(graph, { device: 'cpu', mlpHidden: 8, promptLength: T, residual: false, startIds: [bos], config });
  try {
    const params = initMlp(policy.hidden, 8, new Rng(5), { gain: 1, biasValue: 0.05 });
    const target = initMlp(policy.hidden, 8, new Rng(6), { gain: 1, biasValue: 0 });
    const bias = new Float32Array(policy.vocab);
    const batch = await policy.sample(params, 4, 20, bias, new StoredUniforms(Array.from({ length: 12 }, (_, i) => (i * 0.37) % 1)));
    const targetLogits = await policy.logits(target, batch.states, 4 * T, bias);
    const targets = sqlTargets(rowLogSumExp(targetLogits, 4 * T, policy.vocab), [1.5, -0.5, 2, -3], T);
    const at = async (p: MlpParams) => policy.sqlLossAndGrad(p, { states: batch.states, ids: batch.ids, ...targets }, bias);
    const { grad } = await at(params);
    const rng = new Rng(9);
    for (let k = 0; k < 12; k++) {
      const i = rng.int(params.flat.length);
      const h = 1e-2 * Math.max(1e-2, Math.abs(params.flat[i]!));
      const plus = params.clone();
      plus.flat[i] = plus.flat[i]! + h;
      const minus = params.clone();
      minus.flat[i] = minus.flat[i]! - h;
      const fd = ((await at(plus)).loss - (await at(minus)).loss) / (plus.flat[i]! - minus.flat[i]!);
      assert.ok(Math.abs(fd - grad[i]!) <= 2e-2 * Math.max(1, Math.abs(fd)), `param ${i}: autodiff ${grad[i]}, finite difference ${fd}`);
    }
  } finally {
    await policy.release();
  }
});
