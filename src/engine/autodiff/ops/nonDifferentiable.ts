// Ops whose outputs carry no gradient: shape arithmetic, comparisons, logic, index
// producers, rounding and random sources. Paths through them are pruned.
import { registerNonDifferentiable } from '../registry';

registerNonDifferentiable([
  'Shape', 'Size', 'Range', 'ConstantOfShape', 'Constant', 'NonZero', 'ArgMax', 'ArgMin', 'Equal', 'Less',
  'LessOrEqual', 'Greater', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf', 'Sign', 'Floor', 'Ceil',
  'Round', 'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Bernoulli', 'Multinomial',
  'EyeLike', 'OneHot', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot',
]);
