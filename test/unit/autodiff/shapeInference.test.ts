// The static shape pass must never claim a wrong dim: the autodiff trusts it to skip undoing
// broadcasts. Every inferred dim of every value of real exported graphs is compared with the
// shapes ONNX Runtime actually produces (symbols must map to one value consistently).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ShapeInfo } from '../../../src/engine/autodiff/shapeInference';
import { encodeModel, readModelFile } from '../../../src/engine/onnx/codec';
import type { DataType, OnnxModel } from '../../../src/engine/onnx/ir';
import { ort } from '../../../src/engine/runtime/ort';
import { storiesHfDir, storiesTrainingModel, tinyModelDir } from '../helpers/fixtures';
import { decoderFeeds } from './modelGradCheck';

async function compareWithRuntime(label: string, model: OnnxModel, ids: number[]): Promise<number> {
  const info = new ShapeInfo(model.graph);
  const values = model.graph.nodes.flatMap((n) => n.outputs).filter((o) => o && info.shape(o));
  const outputs = new Set(model.graph.outputs.map((o) => o.name));
  const types = valueTypes(model);
  const extra = values.filter((v) => !outputs.has(v)).map((name) => ({ name, dataType: types.get(name)! }));
  const probe: OnnxModel = { ...model, graph: { ...model.graph, outputs: [...model.graph.outputs, ...extra] } };
  const session = await ort().InferenceSession.create(encodeModel(probe), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const result = await session.run(decoderFeeds(model, ids));
  const symbols = new Map<string, number>();
  let checked = 0;
  for (const name of values) {
    const actual = result[name]!.dims;
    const inferred = info.shape(name)!;
    assert.equal(inferred.length, actual.length, `${label}: rank of ${name}`);
    inferred.forEach((d, i) => {
      if (d === null) return;
      if (typeof d === 'string') {
        if (!symbols.has(d)) symbols.set(d, actual[i]!);
        assert.equal(actual[i], symbols.get(d), `${label}: ${name} dim ${i} is symbol ${d}`);
      } else assert.equal(actual[i], d, `${label}: ${name} dim ${i}`);
      checked++;
    });
  }
  return checked;
}

const CODE_TO_TYPE: Record<number, DataType> = { 1: 'float32', 6: 'int32', 7: 'int64', 9: 'bool', 11: 'float64' };
const BOOL_OPS = new Set(['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Not']);

/** Element types of every value (graph outputs must declare them), enough for these graphs. */
function valueTypes(model: OnnxModel): Map<string, DataType> {
  const types = new Map<string, DataType>();
  for (const v of [...model.graph.inputs, ...model.graph.initializers]) types.set(v.name, v.dataType);
  for (const n of model.graph.nodes) {
    const to = n.attributes['to'];
    const value = n.attributes['value'];
    let type: DataType | undefined;
    if (n.opType === 'Shape' || n.opType === 'Size' || n.opType === 'NonZero') type = 'int64';
    else if (n.opType === 'Cast' && to?.type === 'int') type = CODE_TO_TYPE[to.value];
    else if (BOOL_OPS.has(n.opType)) type = 'bool';
    else if ((n.opType === 'Constant' || n.opType === 'ConstantOfShape') && value?.type === 'tensor') type = value.value.dataType;
    else if (n.opType === 'ConstantOfShape') type = 'float32';
    else type = types.get(n.opType === 'Where' ? n.inputs[1]! : n.inputs[0]!);
    for (const o of n.outputs) if (type) types.set(o, type);
  }
  return types;
}

test('inferred shapes agree with ONNX Runtime on the exported Llama, GPT-2 and BERT graphs', async (t) => {
  const models: [string, OnnxModel][] = [
    ['tiny llama', readModelFile(join(tinyModelDir('llama'), 'onnx', 'model.onnx'))],
    ['tiny gpt2', readModelFile(join(tinyModelDir('gpt2'), 'onnx', 'model.onnx'))],
    ['tiny bert', readModelFile(join(tinyModelDir('bert'), 'onnx', 'model.onnx'))],
  ];
  if (storiesHfDir()) models.push(['stories260k', storiesTrainingModel()]);
  else t.diagnostic('stories260k skipped: ../shared/models/stories260k-hf is absent');
  for (const [label, model] of models) {
    const checked = await compareWithRuntime(label, model, [1, 5, 9]);
    assert.ok(checked > 100, `${label}: only ${checked} dims inferred`);
  }
});
