// The gradient goes to the maximal elements, shared equally between ties.
import { expandReduced, reduceAxes } from '../reduceAxes';
import { type GradContext, registerGradient } from '../registry';

/** For ReduceMax and ReduceMin: g to the elements equal to the result, ties sharing. */
export function extremumGradient({ node, dy: [g], em }: GradContext): (string | undefined)[] {
  const r = reduceAxes(em, node);
  if (r.identity) return [g];
  const x = node.inputs[0]!;
  const yFull = expandReduced(em, node, node.outputs[0]!, r);
  const isExtreme = em.castLike(em.op1('Equal', [x, yFull]), g!);
  const ties = r.axes ? em.reduceSum(isExtreme, r.axes, true) : em.op1('ReduceSum', [isExtreme], { keepdims: { type: 'int', value: 1 } });
  return [em.op1('Div', [em.mul(isExtreme, expandReduced(em, node, g!, r)), ties])];
}

registerGradient('ReduceMax', { differentiableInputs: () => [0], backward: extremumGradient });
