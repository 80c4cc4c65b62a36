// A held-out split drawn by group: rows that are near-duplicates of each other (the same event
// with another name) always land on the same side, so the held-out rows are new to the rest.
// Groups are put in a seeded order and taken until the held-out share is reached.
import { nearDuplicateGroups } from './nearDuplicates';

/** FNV-1a (32 bit) of a string: a stable, seedable key for ordering. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * `items` in an order fixed by the seed and each item's key (a hash of both): another seed gives
 * another order, and adding an item never reorders the others.
 */
export function seededOrder<T>(items: readonly T[], key: (item: T) => string, seed: number): T[] {
  const keyed = items.map((item) => ({ item, h: fnv1a(`${seed}\u0000${key(item)}`), k: key(item) }));
  return keyed.sort((a, b) => a.h - b.h || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.item);
}

export interface GroupedSplit {
  /** Per row: true when it goes to the held-out side. */
  heldOut: boolean[];
  /** Near-duplicate group id per row. */
  groups: number[];
  groupCount: number;
}

/**
 * Picks whole groups for the held-out side until it holds at least `fraction` of the rows; with
 * `labels`, per label (a group counts for its most common label), so both sides keep the mix.
 */
export function groupedSplit(texts: readonly string[], options: { fraction: number; seed: number; labels?: readonly (string | undefined)[] }): GroupedSplit {
  const { fraction, seed } = options;
  if (!(fraction > 0 && fraction < 1)) throw new Error(`the held-out fraction must be between 0 and 1, got ${fraction}`);
  const groups = nearDuplicateGroups(texts);
  const groupCount = groups.reduce((m, g) => Math.max(m, g + 1), 0);
  if (groupCount < 2) throw new Error(`all ${texts.length} rows are near-duplicates of each other: no group can be held out`);
  // A group is keyed by its first row's text, so its place does not depend on row order.
  const firstText = new Map<number, string>();
  for (const [i, g] of groups.entries()) if (!firstText.has(g)) firstText.set(g, texts[i]!);
  const order = seededOrder(Array.from({ length: groupCount }, (_, g) => g), (g) => firstText.get(g)!, seed);
  const sizes = new Array<number>(groupCount).fill(0);
  for (const g of groups) sizes[g]!++;
  const stratum = groupStrata(groups, groupCount, options.labels);
  const chosen = new Set<number>();
  for (const s of new Set(stratum)) {
    const members = order.filter((g) => stratum[g] === s);
    const target = fraction * members.reduce((n, g) => n + sizes[g]!, 0);
    let held = 0;
    // Never every group of a stratum: the other side keeps at least one.
    for (const g of members.slice(0, -1)) {
      if (held >= target) break;
      chosen.add(g);
      held += sizes[g]!;
    }
  }
  if (chosen.size === 0) chosen.add(order[0]!);
  return { heldOut: groups.map((g) => chosen.has(g)), groups, groupCount };
}

/** Each group's most common label ('' without labels), the stratum it is drawn in. */
function groupStrata(groups: readonly number[], groupCount: number, labels?: readonly (string | undefined)[]): string[] {
  const counts = Array.from({ length: groupCount }, () => new Map<string, number>());
  groups.forEach((g, i) => {
    const label = labels?.[i] ?? '';
    counts[g]!.set(label, (counts[g]!.get(label) ?? 0) + 1);
  });
  return counts.map((m) => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0]);
}
