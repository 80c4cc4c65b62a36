// Learning-rate schedules as the HF Trainer defines them (get_linear_schedule_with_warmup,
// get_cosine_schedule_with_warmup): linear warm-up from 0 over `warmup` steps, then linear decay
// to 0, half a cosine to 0, or constant, at the end of `total` steps. And global gradient-norm
// clipping (torch.nn.utils.clip_grad_norm_): scale all gradients by min(1, max_norm / (‖g‖₂ + 1e-6)),
// ‖g‖₂ the norm of the whole vector.

import type { LR_SCHEDULES } from '../../../promptFile/promptsmithSettings';

export type ScheduleKind = (typeof LR_SCHEDULES)[number];

/** The learning rate used for optimizer step `step` (0-based: the first update is step 0). */
export function learningRateAt(step: number, options: { lr: number; warmup: number; total: number; kind: ScheduleKind }): number {
  const { lr, warmup, total, kind } = options;
  if (step < warmup) return (lr * step) / Math.max(1, warmup);
  if (kind === 'constant') return lr;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  if (kind === 'linear') return lr * Math.max(0, 1 - progress);
  return lr * Math.max(0, 0.5 * (1 + Math.cos(Math.PI * progress)));
}

/** Scales `grad` in place as clip_grad_norm_ does (`maxNorm` ≤ 0: never); returns the norm before clipping. */
export function clipGradientNorm(grad: Float32Array, maxNorm: number): number {
  let sum = 0;
  for (let i = 0; i < grad.length; i++) sum += grad[i]! * grad[i]!;
  const norm = Math.sqrt(sum);
  const scale = maxNorm / (norm + 1e-6);
  if (maxNorm > 0 && scale < 1) {
    for (let i = 0; i < grad.length; i++) grad[i] = grad[i]! * scale;
  }
  return norm;
}
