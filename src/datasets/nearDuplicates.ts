// Near-duplicate rows: the same sentence up to a name, a number or a pronoun. The measure (the
// one documented in docs/held-out-data.md): lower-case the words of a row's text fields, replace
// every capitalised word by <name>, every number by <num> and he/she/his/her/… by <pron>, and
// call two rows near-duplicates when the Jaccard similarity of their word sets is ≥ 0.8.
// "Sam got a puppy for his birthday." and "Anna got a puppy for her birthday." are the same row.
// Pairs are found with prefix filtering (Chaudhuri et al. 2006), so no quadratic scan.

export const NEAR_DUPLICATE_JACCARD = 0.8;

const PRONOUNS = new Set(['he', 'she', 'him', 'her', 'his', 'hers', 'himself', 'herself', 'they', 'them', 'their', 'theirs']);

/** A row's words after replacing names, numbers and pronouns (duplicates removed, order kept). */
export function normalizedWords(text: string): string[] {
  const out = new Set<string>();
  for (const match of text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’-]*/gu)) {
    const word = match[0];
    if (/^\p{N}/u.test(word)) out.add('<num>');
    else if (/^\p{Lu}/u.test(word) && !PRONOUNS.has(word.toLowerCase())) out.add('<name>');
    else if (PRONOUNS.has(word.toLowerCase())) out.add('<pron>');
    else out.add(word.toLowerCase());
  }
  return [...out];
}

/** The text of a dataset row that near-duplicate checks compare: its string fields but `exclude`. */
export function rowText(fields: Record<string, unknown>, exclude: readonly string[] = ['label']): string {
  return Object.entries(fields)
    .filter(([name, value]) => !exclude.includes(name) && (typeof value === 'string' || typeof value === 'number'))
    .map(([, value]) => String(value))
    .join(' \n ');
}

export function jaccard(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 && b.length === 0) return 1;
  const set = new Set(a);
  let shared = 0;
  for (const w of b) if (set.has(w)) shared++;
  return shared / (a.length + b.length - shared);
}

/**
 * The near-duplicate pairs between rows `a` (indexed i) and rows `b` (indexed j); with `b`
 * omitted, the pairs within `a` (i < j). Each pair once.
 */
export function nearDuplicatePairs(a: readonly string[], b?: readonly string[], threshold = NEAR_DUPLICATE_JACCARD): { i: number; j: number }[] {
  const left = a.map(normalizedWords);
  const right = b ? b.map(normalizedWords) : left;
  // Rare words first: a pair above the threshold shares a word among each set's first few.
  const frequency = new Map<string, number>();
  for (const words of b ? [...left, ...right] : left) for (const w of words) frequency.set(w, (frequency.get(w) ?? 0) + 1);
  const byRarity = (words: string[]) => [...words].sort((x, y) => frequency.get(x)! - frequency.get(y)! || (x < y ? -1 : x > y ? 1 : 0));
  const prefix = (words: string[]) => byRarity(words).slice(0, words.length - Math.ceil(threshold * words.length) + 1);
  const index = new Map<string, number[]>();
  left.forEach((words, i) => {
    for (const w of prefix(words)) {
      if (!index.has(w)) index.set(w, []);
      index.get(w)!.push(i);
    }
  });
  const pairs: { i: number; j: number }[] = [];
  right.forEach((words, j) => {
    const seen = new Set<number>();
    for (const w of prefix(words)) {
      for (const i of index.get(w) ?? []) {
        if (seen.has(i) || (!b && i >= j)) continue;
        seen.add(i);
        if (jaccard(left[i]!, words) >= threshold) pairs.push({ i, j });
      }
    }
  });
  return pairs.sort((x, y) => x.j - y.j || x.i - y.i);
}

/** A group id per row: rows joined by a chain of near-duplicates share one (union-find). */
export function nearDuplicateGroups(texts: readonly string[], threshold = NEAR_DUPLICATE_JACCARD): number[] {
  const parent = texts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (const { i, j } of nearDuplicatePairs(texts, undefined, threshold)) parent[find(i)] = find(j);
  // Numbered by first appearance, so ids are stable and small.
  const ids = new Map<number, number>();
  return texts.map((_, i) => {
    const root = find(i);
    if (!ids.has(root)) ids.set(root, ids.size);
    return ids.get(root)!;
  });
}
