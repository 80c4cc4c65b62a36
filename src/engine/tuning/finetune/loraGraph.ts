// LoRA (Hu et al. 2021) as graph surgery on an exported decoder: each targeted linear layer
// y = x·Wᵀ gets a low-rank path, y = x·Wᵀ + (α/r)·(x·Aᵀ)·Bᵀ, with A [r, in] and B [out, r] as new
// graph inputs (PEFT's shapes and names), while W stays a frozen initializer. Dropout is 0 here
// (the path is deterministic). Init as PEFT's default: A ~ kaiming-uniform(a = √5), i.e.
// U(−1/√in, 1/√in), and B = 0, so training starts from the base model exactly.
import { GraphBuilder } from '../../onnx/builder';
import type { OnnxModel, OnnxNode } from '../../onnx/ir';
import type { Rng } from '../optim/rng';
import { layoutParameters, type ParameterSet, type ParameterTensor } from './parameters';



export interface LoraOptions {
  r: number;
  alpha: number;
  targetModules: readonly string[];
}

export interface LoraTarget {
  /** The module path in the HF model, e.g. `model.layers.0.self_attn.q_proj`. */
  module: string;
  in: number;
  out: number;
}

/** PEFT's saved key of a LoRA matrix (adapter name stripped, as `save_pretrained` writes it). */
export function peftLoraKey(module: string, which: 'A' | 'B'): string {
  return `base_model.model.${module}.lora_${which}.weight`;
}

/**
 * Linear layers the exporter wrote as MatMul(x, `<module>.weight.T`) whose last name part is a
 * target; the weight may be an initializer or (frozen weights fed from outside) a graph input.
 */
export function findLoraTargets(model: OnnxModel, targetModules: readonly string[]): { target: LoraTarget; node: OnnxNode }[] {
  const dims = new Map<string, readonly unknown[]>([...model.graph.initializers.map((t) => [t.name, t.dims] as const), ...model.graph.inputs.map((i) => [i.name, i.shape ?? []] as const)]);
  const found: { target: LoraTarget; node: OnnxNode }[] = [];
  for (const node of model.graph.nodes) {
    if (node.opType !== 'MatMul') continue;
    const name = node.inputs[1] ?? '';
    const shape = dims.get(name);
    const m = name.match(/^(.+)\.weight\.T$/);
    if (!shape || !m || shape.length !== 2 || typeof shape[0] !== 'number' || typeof shape[1] !== 'number') continue;
    const module = m[1]!;
    if (!targetModules.includes(module.slice(module.lastIndexOf('.') + 1))) continue;
    found.push({ target: { module, in: shape[0], out: shape[1] }, node });
  }
  return found;
}

/** The model with LoRA paths on the targeted layers, and the adapter matrices to train. */
export function addLoraAdapters(model: OnnxModel, options: LoraOptions, rng: Rng): { model: OnnxModel; params: ParameterSet; targets: LoraTarget[] } {
  const { r, alpha } = options;
  if (!Number.isInteger(r) || r < 1) throw new Error(`LoRA: r must be a positive integer, got ${r}`);
  const found = findLoraTargets(model, options.targetModules);
  if (found.length === 0) {
    throw new Error(`LoRA: no linear layer named ${options.targetModules.join(', ')} in this model (LoRA needs a Llama-family export: …self_attn.q_proj.weight)`);
  }
  const specs: (Omit<ParameterTensor, 'offset' | 'size'> & { data?: ArrayLike<number> })[] = [];
  for (const { target } of found) {
    const bound = 1 / Math.sqrt(target.in);
    const a = Float32Array.from({ length: r * target.in }, () => (2 * rng.uniform() - 1) * bound);
    specs.push({ name: peftLoraKey(target.module, 'A'), hfName: peftLoraKey(target.module, 'A'), dims: [r, target.in], transposed: false, decay: true, data: a });
    specs.push({ name: peftLoraKey(target.module, 'B'), hfName: peftLoraKey(target.module, 'B'), dims: [target.out, r], transposed: false, decay: true });
  }
  const params = layoutParameters(specs);

  // The builder sees every existing name, so the new values never collide with the exporter's.
  const original = model.graph.nodes;
  const graph = { ...model.graph, nodes: [...original], inputs: [...model.graph.inputs], outputs: [...model.graph.outputs], valueInfo: [...model.graph.valueInfo], initializers: [...model.graph.initializers] };
  const b = new GraphBuilder(graph);
  const scale = b.constFloat([alpha / r], [], 'lora_scaling');
  const added = new Map<OnnxNode, OnnxNode[]>();
  for (const { node, target } of found) {
    const start = graph.nodes.length;
    const y = node.outputs[0]!;
    const base = b.uniqueName(`${y}/lora_base`);
    const A = b.input(peftLoraKey(target.module, 'A'), 'float32', [r, target.in]);
    const B = b.input(peftLoraKey(target.module, 'B'), 'float32', [target.out, r]);
    const down = b.op('MatMul', [node.inputs[0]!, b.op('Transpose', [A], { perm: [1, 0] })], {}, { name: `${target.module}.lora_A` });
    const up = b.op('MatMul', [down, b.op('Transpose', [B], { perm: [1, 0] })], {}, { name: `${target.module}.lora_B` });
    const scaled = b.op('Mul', [up, scale], {}, { name: `${target.module}.lora_scale` });
    // The sum takes over the layer's output name, so every consumer now reads base + LoRA path.
    const sum: OnnxNode = { name: b.uniqueName(`${target.module}.lora_add`), opType: 'Add', inputs: [base, scaled], outputs: [y], attributes: {} };
    added.set(node, [{ ...node, outputs: [base] }, ...graph.nodes.slice(start), sum]);
  }
  graph.nodes = original.flatMap((n) => added.get(n) ?? [n]);
  return { model: { ...model, graph }, params, targets: found.map((f) => f.target) };
}
