// Graph surgery for soft prompt tuning (Lester et al. 2021; PEFT placement): a new graph input
// `soft_prompt [n, d]` gives the embeddings of virtual token ids V..V+n-1. The lookup is split:
// ids below V read the token-embedding table as before, ids from V on read the soft prompt, and
// a Where picks per position. Nothing of the table's size is built per run (a Concat of table
// and soft prompt would copy the whole table on every step), and the tied LM head keeps reading
// the original table (vocabulary V).
import { GraphBuilder } from '../../onnx/builder';
import type { DataType, Graph, OnnxModel, OnnxNode, TensorData } from '../../onnx/ir';

export const SOFT_PROMPT_INPUT = 'soft_prompt';

export class SurgeryError extends Error {}

export interface SoftPromptGraph {
  model: OnnxModel;
  /** Vocabulary size V: virtual token i has id V + i. */
  vocabSize: number;
  /** Hidden size d (the table's second dimension). */
  hidden: number;
  numVirtualTokens: number;
  /** The embedding table the lookup reads (for init from vocabulary and nearest tokens). */
  table: TensorData;
}

/** Element types an embedding table may have: the soft prompt (float32) is cast to it. */
const TABLE_TYPES: ReadonlySet<DataType> = new Set(['float32', 'float16', 'bfloat16']);
const ONNX_TYPE_CODE: Partial<Record<DataType, number>> = { float16: 10, bfloat16: 16 };
const TYPE_OF_CODE = new Map<number, DataType>([
  [1, 'float32'],
  [10, 'float16'],
  [16, 'bfloat16'],
]);

export interface EmbeddingLookup {
  node: OnnxNode;
  /** The stored table (a model that stores it in bf16 and casts it has the bf16 initializer here). */
  table: TensorData;
  /** The element type the lookup reads (after such a cast). */
  lookupType: DataType;
}

/**
 * The token-embedding lookup: a Gather indexed by `input_ids` on a 2-D float initializer, or on
 * a Cast of one (weights stored in a narrower type than the graph computes in).
 */
export function findEmbeddingGather(graph: Graph): EmbeddingLookup {
  const inits = new Map(graph.initializers.map((t) => [t.name, t]));
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const tableOf = (value: string): { table: TensorData; lookupType: DataType } | undefined => {
    const direct = inits.get(value);
    if (direct) return { table: direct, lookupType: direct.dataType };
    const cast = producers.get(value);
    const stored = cast?.opType === 'Cast' ? inits.get(cast.inputs[0] ?? '') : undefined;
    const to = TYPE_OF_CODE.get(Number(cast?.attributes['to']?.value));
    return stored && to ? { table: stored, lookupType: to } : undefined;
  };
  const found: EmbeddingLookup[] = [];
  for (const n of graph.nodes) {
    if (n.opType !== 'Gather' || (n.domain ?? '') !== '' || n.inputs[1] !== 'input_ids') continue;
    const t = tableOf(n.inputs[0] ?? '');
    if (t && t.table.dims.length === 2 && TABLE_TYPES.has(t.table.dataType) && TABLE_TYPES.has(t.lookupType)) found.push({ node: n, ...t });
  }
  const candidates = found.map((f) => f.node);
  if (candidates.length !== 1) {
    const quantized = graph.nodes.find((n) => n.opType === 'GatherBlockQuantized' && n.inputs.includes('input_ids'));
    const hint = quantized ? ` (this graph looks its embeddings up with a quantized ${quantized.opType}: use a float32 or float16 variant of the model for soft prompts)` : '';
    throw new SurgeryError(
      `soft prompt surgery: expected exactly one embedding Gather reading a float [V, d] initializer with 'input_ids', found ${candidates.length}${hint}`,
    );
  }
  return found[0]!;
}

/**
 * Returns a new model (nodes and inputs copied, initializers shared) whose embedding lookup
 * reads virtual ids from `soft_prompt`. The input model is not modified.
 */
export function addSoftPromptInput(model: OnnxModel, numVirtualTokens: number): SoftPromptGraph {
  if (!Number.isInteger(numVirtualTokens) || numVirtualTokens < 1) {
    throw new SurgeryError(`soft prompt surgery: num_virtual_tokens must be a positive integer, got ${numVirtualTokens}`);
  }
  const { node, table, lookupType } = findEmbeddingGather(model.graph);
  if (model.graph.inputs.some((i) => i.name === SOFT_PROMPT_INPUT)) {
    throw new SurgeryError(`soft prompt surgery: the graph already has an input named '${SOFT_PROMPT_INPUT}'`);
  }
  const idsType = model.graph.inputs.find((i) => i.name === 'input_ids')?.dataType ?? 'int64';
  if (idsType !== 'int64' && idsType !== 'int32') throw new SurgeryError(`soft prompt surgery: input_ids must be int64 or int32, got ${idsType}`);
  const [vocabSize, hidden] = table.dims as [number, number];
  const graph: Graph = {
    ...model.graph,
    nodes: [...model.graph.nodes],
    inputs: [...model.graph.inputs, { name: SOFT_PROMPT_INPUT, dataType: 'float32', shape: [numVirtualTokens, hidden] }],
    outputs: [...model.graph.outputs],
    initializers: [...model.graph.initializers],
    valueInfo: [...model.graph.valueInfo],
  };
  const b = new GraphBuilder(graph);
  const firstNew = graph.nodes.length;
  const ids = node.inputs[1]!;
  const idConst = (value: number, name: string) =>
    idsType === 'int64' ? b.constInt64([value], [], name) : b.initializer({ name: b.uniqueName(name), dataType: 'int32', dims: [], data: Int32Array.of(value) });
  const vocab = idConst(vocabSize, 'soft_prompt_vocab_size');
  const zero = idConst(0, 'soft_prompt_id_zero');
  const isText = b.op('Less', [ids, vocab], {}, { name: 'SoftPromptIsText' });
  const textIds = b.op('Where', [isText, ids, zero], {}, { name: 'SoftPromptTextIds' });
  const virtualIds = b.op('Where', [isText, zero, b.op('Sub', [ids, vocab], {}, { name: 'SoftPromptVirtualOffset' })], {}, { name: 'SoftPromptVirtualIds' });
  const typeCode = ONNX_TYPE_CODE[lookupType];
  const prompt = typeCode === undefined ? SOFT_PROMPT_INPUT : b.op('Cast', [SOFT_PROMPT_INPUT], { to: typeCode }, { name: 'SoftPromptCast' });
  const textRows = b.op('Gather', [node.inputs[0]!, textIds], { axis: 0 }, { name: node.name || 'embed_tokens' });
  const virtualRows = b.op('Gather', [prompt, virtualIds], { axis: 0 }, { name: 'SoftPromptLookup' });
  const pick = b.op('Unsqueeze', [isText, b.constInt64([-1], [1], 'soft_prompt_last_axis')], {}, { name: 'SoftPromptPickAxis' });
  // The lookup's output keeps its name, so every consumer of the embeddings stays as it was.
  const rows: OnnxNode = { name: b.uniqueName('SoftPromptEmbeddings'), opType: 'Where', inputs: [pick, textRows, virtualRows], outputs: [node.outputs[0]!], attributes: {} };
  const added = [...graph.nodes.splice(firstNew), rows];
  graph.nodes.splice(graph.nodes.indexOf(node), 1, ...added);
  return { model: { ...model, graph }, vocabSize, hidden, numVirtualTokens, table };
}

/** The ids that select the virtual tokens: V, V+1, …, V+n-1. */
export function virtualTokenIds(vocabSize: number, numVirtualTokens: number): number[] {
  return Array.from({ length: numVirtualTokens }, (_, i) => vocabSize + i);
}
