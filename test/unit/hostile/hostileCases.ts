// Generated hostile inputs: seeded random sources, so every run tries the same cases and a
// failure names the seed that reproduces it.

/** A small deterministic generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` independent generators, seeded from `base`. */
export function seededCases(count: number, base: number): (() => number)[] {
  return Array.from({ length: count }, (_, i) => seeded(base * 1000 + i));
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}
