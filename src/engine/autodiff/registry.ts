// Gradient rules, one per op type. A rule turns the upstream gradients of a node's outputs into
// gradients of its inputs by emitting ONNX nodes through the GradEmitter.
import type { OnnxNode } from '../onnx/ir';
import type { GradEmitter } from './emitter';
import { AutodiffError, describeNode } from './errors';

export interface GradContext {
  node: OnnxNode;
  /** Upstream gradient per output of the node; undefined where no gradient flows back. */
  dy: (string | undefined)[];
  /** Whether input i lies on a path from a wrt tensor (only those gradients are used). */
  needsGrad: (inputIndex: number) => boolean;
  em: GradEmitter;
}

export interface GradientRule {
  /** Inputs through which a gradient can flow; default: all inputs. */
  differentiableInputs?: (node: OnnxNode) => number[];
  /** Gradient name per input (undefined where there is none). */
  backward: (ctx: GradContext) => (string | undefined)[];
}

const rules = new Map<string, GradientRule>();

function key(opType: string, domain = ''): string {
  return domain === '' || domain === 'ai.onnx' ? opType : `${domain}.${opType}`;
}

export function registerGradient(opType: string, rule: GradientRule, domain = ''): void {
  const k = key(opType, domain);
  if (rules.has(k)) throw new AutodiffError(`a gradient rule for op ${k} is already registered`);
  rules.set(k, rule);
}

/** Ops whose outputs carry no gradient (shapes, comparisons, index arithmetic). */
export function registerNonDifferentiable(opTypes: string[], domain = ''): void {
  for (const op of opTypes) registerGradient(op, { differentiableInputs: () => [], backward: () => [] }, domain);
}

/** Op types with a rule (non-differentiable ones included), for messages and docs. */
export function registeredGradientOps(): string[] {
  return [...rules.keys()].sort();
}

export function findGradientRule(node: OnnxNode): GradientRule | undefined {
  return rules.get(key(node.opType, node.domain));
}

/** The rule for a node on the differentiable path; a loud error naming op and node if none. */
export function gradientRuleFor(node: OnnxNode): GradientRule {
  const rule = findGradientRule(node);
  if (!rule) throw new AutodiffError(`no gradient rule for ${describeNode(node)}, which lies between a wrt tensor and the loss`);
  return rule;
}

export function differentiableInputsOf(node: OnnxNode): number[] {
  const rule = findGradientRule(node);
  const all = node.inputs.map((_, i) => i);
  // Without a rule every input counts, so an unknown op on the path is found and reported.
  return (rule?.differentiableInputs?.(node) ?? all).filter((i) => node.inputs[i]);
}
