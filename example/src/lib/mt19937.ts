/**
 * The Mersenne Twister MT19937, with the two seedings and the draws the guide's Python code
 * relies on, so that the same seed gives the same numbers as there:
 *
 * - `pythonRandom(seed)`: Python's `random.seed(int)` + `random.random()` (prepare's split);
 * - `numpyRandomState(seed)`: NumPy's legacy `np.random.RandomState(int)` with `randint`
 *   (scikit-learn's forest: per-tree seeds and bootstrap draws).
 *
 * Both seedings and the generator follow the reference implementation by Matsumoto and
 * Nishimura (init_genrand / init_by_array / genrand_int32).
 */

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

export class MT19937 {
  private readonly mt = new Uint32Array(N);
  private mti = N + 1;

  /** init_genrand(s): NumPy's legacy seeding of RandomState(int). */
  static fromSeed(seed: number): MT19937 {
    const g = new MT19937();
    g.initGenrand(seed >>> 0);
    return g;
  }

  /** init_by_array(key): Python's random.seed(int) (the int's 32-bit words, little end first). */
  static fromKey(key: readonly number[]): MT19937 {
    const g = new MT19937();
    g.initByArray(key);
    return g;
  }

  private initGenrand(s: number): void {
    const mt = this.mt;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // 1812433253 * prev + i, in 32-bit arithmetic
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
    this.mti = N;
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt;
    this.initGenrand(19650218);
    let i = 1;
    let j = 0;
    const len = key.length;
    for (let k = N > len ? N : len; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1664525)) + (key[j] >>> 0) + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = ((mt[i] ^ Math.imul(prev, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.mti = N;
  }

  /** genrand_int32: the next 32-bit output. */
  nextUint32(): number {
    const mt = this.mt;
    if (this.mti >= N) {
      let kk = 0;
      let y: number;
      for (; kk < N - M; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      for (; kk < N - 1; kk++) {
        y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
        mt[kk] = mt[kk + (M - N)] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      }
      y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
      mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
      this.mti = 0;
    }
    let y = mt[this.mti++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Python's random.random(): a float in [0, 1) with 53 random bits. */
  random(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }

  /**
   * NumPy's legacy `RandomState.randint(low, high)` for a range that fits in 32 bits: masked
   * rejection sampling on 32-bit draws (what NumPy does when `high - low - 1 <= 0xFFFFFFFF`).
   */
  randint(low: number, high: number): number {
    const rng = high - 1 - low;
    if (rng < 0 || rng > 0xffffffff) throw new RangeError(`randint: unsupported range [${low}, ${high})`);
    if (rng === 0) return low;
    if (rng === 0xffffffff) return low + this.nextUint32();
    let mask = rng;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > rng);
    return low + v;
  }
}

/** Python: `random.seed(seed)` (a non-negative int) then `random.random()` calls. */
export function pythonRandom(seed: number): () => number {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be an integer, got ${seed}`);
  let n = Math.abs(seed);
  const key: number[] = [];
  do {
    key.push(n % 0x100000000);
    n = Math.floor(n / 0x100000000);
  } while (n > 0);
  const g = MT19937.fromKey(key);
  return () => g.random();
}

/** NumPy: `np.random.RandomState(seed)` for 0 <= seed < 2**32. */
export function numpyRandomState(seed: number): MT19937 {
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be between 0 and 2**32 - 1, got ${seed}`);
  }
  return MT19937.fromSeed(seed);
}
