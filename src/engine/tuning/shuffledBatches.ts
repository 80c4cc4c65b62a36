// Mini-batches drawn from a shuffled order of the training examples, with a new permutation at
// each epoch. The order and cursor are part of a trainer's checkpoint, so a resumed run draws
// exactly the batches an uninterrupted one would.
import type { Rng } from './optim/rng';

export interface BatchOrder {
  order: number[];
  cursor: number;
}

/** The next `size` items; advances `state` (and draws a new permutation from `rng` at an epoch's end). */
export function nextBatch<T>(items: readonly T[], size: number, state: BatchOrder, rng: Rng): T[] {
  const batch: T[] = [];
  while (batch.length < size) {
    if (state.cursor >= state.order.length) {
      state.order = rng.permutation(items.length);
      state.cursor = 0;
    }
    batch.push(items[state.order[state.cursor++]!]!);
  }
  return batch;
}
