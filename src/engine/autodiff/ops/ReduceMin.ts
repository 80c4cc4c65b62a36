// The gradient goes to the minimal elements, shared equally between ties (as ReduceMax).
import { registerGradient } from '../registry';
import { extremumGradient } from './ReduceMax';

registerGradient('ReduceMin', { differentiableInputs: () => [0], backward: extremumGradient });
