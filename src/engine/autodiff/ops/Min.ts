// y = min(x0, x1, …): like Max, to the inputs equal to y.
import { registerGradient } from '../registry';
import { selectionGradients } from '../selectionGradients';

registerGradient('Min', { backward: selectionGradients });
