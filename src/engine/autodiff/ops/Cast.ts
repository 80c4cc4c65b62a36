// A cast between float types passes the gradient back in the source type; casts to or from
// integers and bools end the differentiable path.
import { attrInt } from '../attributes';
import { registerGradient } from '../registry';

// TensorProto.DataType: FLOAT, FLOAT16, DOUBLE, BFLOAT16.
const FLOAT_TYPES = new Set([1, 10, 11, 16]);

registerGradient('Cast', {
  differentiableInputs: (node) => (FLOAT_TYPES.has(attrInt(node, 'to', 0)) ? [0] : []),
  backward: ({ node, dy: [g], em }) => [em.castLike(g!, node.inputs[0]!)],
});
