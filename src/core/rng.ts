/**
 * Seeded pseudo-random numbers, so that a fixed seed and config give the same candidates
 * (DESIGN.md §5). The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, from
 * PractRand): 128 bits of state, passes PractRand and BigCrush, and needs only 32-bit integer
 * arithmetic, which JavaScript does exactly. Seeds go through FNV-1a and splitmix32 to fill the state.
 */

/** A seeded stream of random numbers; every method advances the stream except `state` and `fork`. */
export interface Rng {
  /** A float in [0, 1) with 32 random bits. */
  next(): number;
  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number;
  /** One item of a non-empty list, each equally likely. */
  pick<T>(items: readonly T[]): T;
  /** True with probability `p` (0 never, 1 always). */
  chance(p: number): boolean;
  /** A shuffled copy of `items` (Fisher–Yates); the input is left as it is. */
  shuffle<T>(items: readonly T[]): T[];
  /** A plain JSON object from which `restoreRng` resumes this stream exactly. */
  state(): RngState;
  /** An independent stream named `label`, derived from this stream's seed; the parent does not advance. */
  fork(label: string): Rng;
}

/** The whole state of an Rng: its seed key (what `fork` derives from) and sfc32's four 32-bit words. */
export interface RngState {
  readonly seed: string;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  readonly d: number;
}

const TWO_POW_32 = 4294967296;

/** FNV-1a over UTF-16 code units: folds a seed key of any length into 32 bits. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5; // FNV-1a 32-bit offset basis
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193); // FNV prime
  return hash >>> 0;
}

/**
 * splitmix32: a Weyl sequence (step 0x9e3779b9, the golden ratio in 32 bits) through MurmurHash3's
 * fmix32 finaliser. It turns one 32-bit hash into well-mixed, distinct words for sfc32's state.
 */
function splitmix32(seed: number): () => number {
  let weyl = seed | 0;
  return () => {
    weyl = (weyl + 0x9e3779b9) | 0;
    let z = weyl;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function seedKey(seed: number | string): string {
  if (typeof seed === 'number' && !Number.isFinite(seed)) {
    throw new Error(`createRng: the seed must be a finite number or a string, got ${seed}`);
  }
  return String(seed);
}

function isWord(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < TWO_POW_32;
}

class Sfc32 implements Rng {
  constructor(
    private readonly seed: string,
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {}

  static fromKey(seed: string): Sfc32 {
    const words = splitmix32(fnv1a(seed));
    const rng = new Sfc32(seed, words(), words(), words(), words());
    // PractRand's own sfc32 seeding discards 12 outputs, so that neighbouring seeds have drifted apart.
    for (let i = 0; i < 12; i++) rng.nextWord();
    return rng;
  }

  private nextWord(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.nextWord() / TWO_POW_32;
  }

  int(min: number, max: number): number {
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min > max || !Number.isSafeInteger(max - min)) {
      throw new Error(`Rng.int: needs safe integers with min ≤ max, got min ${min} and max ${max}`);
    }
    const count = max - min + 1;
    if (count <= TWO_POW_32) {
      // Rejection keeps every value exactly equally likely: words at or above the last whole multiple
      // of `count` would favour the small values, so they are drawn again (fewer than 2 draws on average).
      const limit = TWO_POW_32 - (TWO_POW_32 % count);
      let word = this.nextWord();
      while (word >= limit) word = this.nextWord();
      return min + (word % count);
    }
    // Wider than 32 bits: 53 random bits, with a bias below count / 2^53.
    const bits53 = (this.nextWord() >>> 11) * TWO_POW_32 + this.nextWord();
    return min + Math.floor((bits53 / 2 ** 53) * count);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Rng.pick: cannot pick from an empty list');
    return items[this.int(0, items.length - 1)]!;
  }

  chance(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new Error(`Rng.chance: the probability must be from 0 to 1, got ${p}`);
    return this.next() < p;
  }

  shuffle<T>(items: readonly T[]): T[] {
    const result = items.slice();
    for (let i = result.length - 1; i > 0; i--) {
      const j = this.int(0, i);
      [result[i], result[j]] = [result[j]!, result[i]!];
    }
    return result;
  }

  state(): RngState {
    return { seed: this.seed, a: this.a >>> 0, b: this.b >>> 0, c: this.c >>> 0, d: this.d >>> 0 };
  }

  fork(label: string): Rng {
    // The label's length goes into the key so that no two fork paths share one: fork('a').fork('b') ≠ fork('a/b').
    return Sfc32.fromKey(`${this.seed}/${label.length}:${label}`);
  }
}

/** A stream for `seed`; the number 42 and the string "42" give the same stream. */
export function createRng(seed: number | string): Rng {
  return Sfc32.fromKey(seedKey(seed));
}

/** Resumes a stream from `Rng.state()` (for example after a reload); throws on a malformed state. */
export function restoreRng(state: RngState): Rng {
  const { seed, a, b, c, d } = state as Partial<Record<keyof RngState, unknown>>;
  if (typeof seed !== 'string' || !isWord(a) || !isWord(b) || !isWord(c) || !isWord(d)) {
    throw new Error('restoreRng: the state must have a string "seed" and integers a, b, c, d from 0 to 2^32 − 1');
  }
  return new Sfc32(seed, a, b, c, d);
}
