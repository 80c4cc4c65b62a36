// Shared by Max and Min: each input gets g where it equals the output, ties sharing equally.
import { unbroadcast } from './broadcast';
import type { GradContext } from './registry';

export function selectionGradients({ node, dy: [g], needsGrad, em }: GradContext): (string | undefined)[] {
  const y = node.outputs[0]!;
  const masks = node.inputs.map((x) => em.castLike(em.op1('Equal', [x, y]), g!));
  const ties = masks.length === 1 ? undefined : em.op1('Sum', masks);
  return node.inputs.map((x, i) => {
    if (!needsGrad(i)) return undefined;
    const share = em.mul(g!, masks[i]!);
    return unbroadcast(em, ties ? em.op1('Div', [share, ties]) : share, x, y);
  });
}
