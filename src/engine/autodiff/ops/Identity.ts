import { registerGradient } from '../registry';

registerGradient('Identity', { backward: ({ dy: [g] }) => [g] });
