import { registerGradient } from '../registry';

registerGradient('Neg', { backward: ({ dy: [g], em }) => [em.neg(g!)] });
