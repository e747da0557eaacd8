/**
 * Seeded randomness for the simulator: the same seed gives the same users, groups, memberships
 * and changes on every machine, so two runs (or a run and its benchmark) are comparable.
 */

/** A pseudo-random number generator with a few helpers; `next()` is in [0, 1). */
export interface Random {
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  pick<T>(values: readonly T[]): T;
  /** `count` distinct integers from [0, n), in random order. */
  sample(n: number, count: number): number[];
  /** A copy in random order (Fisher–Yates). */
  shuffle<T>(values: readonly T[]): T[];
}

/** mulberry32: tiny, fast and good enough to spread test data; not for anything secret. */
export function seededRandom(seed: number | string): Random {
  let state = typeof seed === 'number' ? seed >>> 0 : hash32(seed);
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const shuffle = <T>(values: readonly T[]): T[] => {
    const copy = [...values];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = int(i + 1);
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };
  return {
    next,
    int,
    pick: <T>(values: readonly T[]) => values[int(values.length)] as T,
    shuffle,
    sample(n, count) {
      if (count >= n) return shuffle(Array.from({ length: n }, (_, i) => i));
      const chosen = new Set<number>();
      while (chosen.size < count) chosen.add(int(n));
      return [...chosen];
    },
  };
}

/** FNV-1a, 32 bits. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A UUID-shaped id derived from `text` (the same text, the same id), like Entra's object ids. */
export function stableUuid(text: string): string {
  const hex = [0, 1, 2, 3]
    .map((part) => hash32(`${part}:${text}`).toString(16).padStart(8, '0'))
    .join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
