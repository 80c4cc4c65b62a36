// Reverse-mode automatic differentiation over an ONNX graph: returns a copy of the model that
// also outputs `${x}_grad` = d loss / d x for each wrt tensor, built from standard ONNX ops so
// ONNX Runtime runs it on any execution provider.
import { type Graph, type OnnxModel, type OnnxNode, onnxOpset, type ValueInfo } from '../onnx/ir';
import { GradEmitter } from './emitter';
import { AutodiffError, describeNode } from './errors';
import './ops/index';
import { analysePaths } from './pathAnalysis';
import { gradientRuleFor } from './registry';
import { ShapeInfo } from './shapeInference';

export { AutodiffError } from './errors';
export { registeredGradientOps } from './registry';

export interface GradientOptions {
  /** Graph inputs or initializers (float32 or float64) to differentiate with respect to. */
  wrt: string[];
  /** A float scalar value (graph output or intermediate). */
  loss: string;
  /**
   * A bool scalar graph input to add. The backward nodes then run inside an `If` on it: a run
   * that feeds false computes the forward pass alone (the gradient outputs are zeros). ONNX
   * Runtime runs every node of a graph whatever the fetches, so this is how one session (one
   * copy of the weights) serves both evaluation and training.
   */
  gate?: string;
}

export function buildGradientGraph(model: OnnxModel, opts: GradientOptions): OnnxModel {
  const graph = model.graph;
  const opset = onnxOpset(model);
  if (opset < 13) throw new AutodiffError(`the model imports ai.onnx opset ${opset}; the autodiff needs opset 13 or newer`);
  if (opts.wrt.length === 0) throw new AutodiffError('wrt is empty: name at least one graph input or initializer');
  if (new Set(opts.wrt).size !== opts.wrt.length) throw new AutodiffError(`wrt names a tensor twice: ${opts.wrt.join(', ')}`);
  const floatType = wrtFloatType(graph, opts.wrt);
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const known = new Set([...produced, ...graph.inputs.map((i) => i.name), ...graph.initializers.map((t) => t.name)]);
  if (!known.has(opts.loss)) throw new AutodiffError(`loss ${opts.loss} is not a value of graph ${graph.name}`);

  const info = new ShapeInfo(graph);
  const lossShape = info.shape(opts.loss);
  if (lossShape?.some((d) => typeof d === 'number' && d !== 1)) {
    throw new AutodiffError(`loss ${opts.loss} must be a scalar; its shape is [${lossShape.join(', ')}]`);
  }
  const usedNames = new Set([...known, ...graph.nodes.map((n) => n.name)]);
  if (opts.gate !== undefined && usedNames.has(opts.gate)) throw new AutodiffError(`cannot add the gate input ${opts.gate}: graph ${graph.name} already has a value of that name`);
  if (opts.gate !== undefined) usedNames.add(opts.gate);
  for (const x of opts.wrt) {
    if (usedNames.has(`${x}_grad`)) throw new AutodiffError(`cannot name the gradient of ${x}: ${x}_grad already exists in graph ${graph.name}`);
    usedNames.add(`${x}_grad`);
  }
  const em = new GradEmitter(usedNames, floatType, opset, info);
  const { fromWrt, onPath } = analysePaths(graph, opts.wrt, opts.loss);
  // Fail before emitting anything if a node on the path has no rule.
  for (const node of onPath) gradientRuleFor(node);

  // Gradient contributions per value, summed when a value fans out to several consumers.
  const grads = new Map<string, string[]>();
  const addGrad = (value: string, g: string) => grads.set(value, [...(grads.get(value) ?? []), g]);
  const gradOf = (value: string): string | undefined => {
    const list = grads.get(value);
    if (!list) return undefined;
    const total = em.sum(list);
    grads.set(value, [total]);
    return total;
  };

  // Seed: d loss / d loss = 1 (ones in the loss's own shape, whether [] or [1]).
  addGrad(opts.loss, em.op1('ConstantOfShape', [em.shapeOf(opts.loss)], { value: { type: 'tensor', value: oneTensor(floatType) } }));
  for (let k = onPath.length - 1; k >= 0; k--) {
    const node = onPath[k]!;
    const dy = node.outputs.map((o) => (o ? gradOf(o) : undefined));
    if (dy.every((g) => g === undefined)) continue;
    const rule = gradientRuleFor(node);
    em.scope = node.name || node.outputs[0] || node.opType;
    const diff = new Set(rule.differentiableInputs?.(node) ?? node.inputs.map((_, i) => i));
    const needsGrad = (i: number) => diff.has(i) && !!node.inputs[i] && fromWrt.has(node.inputs[i]!);
    let inputGrads: (string | undefined)[];
    try {
      inputGrads = rule.backward({ node, dy, needsGrad, em });
    } catch (e) {
      if (e instanceof AutodiffError) throw e;
      throw new AutodiffError(`gradient of ${describeNode(node)} failed: ${(e as Error).message}`);
    }
    node.inputs.forEach((input, i) => {
      const g = inputGrads[i];
      if (g && needsGrad(i)) addGrad(input, g);
    });
  }

  em.scope = '';
  const gradOutputs: ValueInfo[] = [];
  const gated = opts.gate !== undefined;
  const branchNames: string[] = [];
  for (const x of opts.wrt) {
    const g = gradOf(x) ?? em.zerosLike(x);
    const name = `${x}_grad`;
    // Gated: the branch's own output name; the If node outputs `${x}_grad`.
    branchNames.push(gated ? em.fresh(name) : name);
    em.opNamed('Identity', [g], [branchNames.at(-1)!]);
    gradOutputs.push({ name, dataType: floatType, shape: info.shape(x) });
  }

  if (!gated) {
    const newGraph: Graph = {
      ...graph,
      nodes: [...graph.nodes, ...em.nodes],
      initializers: [...graph.initializers, ...em.initializers],
      outputs: [...graph.outputs, ...gradOutputs],
    };
    return { ...model, graph: newGraph };
  }
  const gate = gatedBackward(em, opts.wrt, gradOutputs, branchNames, opts.gate!);
  const newGraph: Graph = {
    ...graph,
    nodes: [...graph.nodes, gate],
    inputs: [...graph.inputs, { name: opts.gate!, dataType: 'bool', shape: [] }],
    outputs: [...graph.outputs, ...gradOutputs],
  };
  return { ...model, graph: newGraph };
}

/** If(gate) { the backward nodes } else { zeros shaped like each wrt tensor }. */
function gatedBackward(em: GradEmitter, wrt: string[], gradOutputs: ValueInfo[], computedNames: string[], gate: string): OnnxNode {
  const branchOutputs = (names: string[]): ValueInfo[] => names.map((name, i) => ({ ...gradOutputs[i]!, name }));
  const computed: Graph = {
    name: 'backward',
    nodes: em.nodes,
    inputs: [],
    outputs: branchOutputs(computedNames),
    initializers: em.initializers,
    valueInfo: [],
  };
  const zeroNodes: OnnxNode[] = [];
  const zeros = wrt.map((x) => {
    const shape = em.fresh('Shape');
    const out = em.fresh(`${x}_grad_zeros`);
    zeroNodes.push({ name: em.fresh('Shape_node'), opType: 'Shape', domain: '', inputs: [x], outputs: [shape], attributes: {} });
    zeroNodes.push({ name: em.fresh('ConstantOfShape_node'), opType: 'ConstantOfShape', domain: '', inputs: [shape], outputs: [out], attributes: { value: { type: 'tensor', value: zeroTensor(em.floatType) } } });
    return out;
  });
  const skipped: Graph = { name: 'no_backward', nodes: zeroNodes, inputs: [], outputs: branchOutputs(zeros), initializers: [], valueInfo: [] };
  return {
    name: em.fresh('BackwardIf'),
    opType: 'If',
    domain: '',
    inputs: [gate],
    outputs: gradOutputs.map((o) => o.name),
    attributes: { then_branch: { type: 'graph', value: computed }, else_branch: { type: 'graph', value: skipped } },
  };
}

function wrtFloatType(graph: Graph, wrt: string[]): 'float32' | 'float64' {
  const types = wrt.map((x) => {
    const t = graph.inputs.find((i) => i.name === x)?.dataType ?? graph.initializers.find((i) => i.name === x)?.dataType;
    if (!t) throw new AutodiffError(`wrt tensor ${x} is neither a graph input nor an initializer of graph ${graph.name}`);
    if (t !== 'float32' && t !== 'float64') throw new AutodiffError(`wrt tensor ${x} is ${t}; only float32 and float64 can be differentiated`);
    return t;
  });
  if (new Set(types).size > 1) throw new AutodiffError(`wrt tensors mix ${[...new Set(types)].join(' and ')}; use one float type`);
  return types[0]!;
}

function oneTensor(floatType: 'float32' | 'float64') {
  return { name: 'value', dataType: floatType, dims: [1], data: floatType === 'float32' ? Float32Array.of(1) : Float64Array.of(1) };
}

function zeroTensor(floatType: 'float32' | 'float64') {
  return { name: 'value', dataType: floatType, dims: [1], data: floatType === 'float32' ? new Float32Array(1) : new Float64Array(1) };
}
