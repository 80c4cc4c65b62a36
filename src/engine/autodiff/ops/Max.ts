// y = max(x0, x1, …) (broadcasting): the gradient goes to the inputs equal to y, split evenly
// between ties.
import { registerGradient } from '../registry';
import { selectionGradients } from '../selectionGradients';

registerGradient('Max', { backward: selectionGradients });
