// Expand is a broadcast: undo it.
import { unbroadcast } from '../broadcast';
import { registerGradient } from '../registry';

registerGradient('Expand', {
  differentiableInputs: () => [0],
  backward: ({ node, dy: [g], em }) => [unbroadcast(em, g!, node.inputs[0]!, node.outputs[0]!)],
});
