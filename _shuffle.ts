// The `shuffle` test tool of EventLoopOptions: a seeded PRNG that permutes
// each iteration's batch of ready entries, and the default seed a test
// harness may set for every loop it does not configure itself.

import type { ReadyQueue } from "./_ready_queue.ts";
import { describe } from "./_describe.ts";

/**
 * The seed loops made without a `shuffle` option use (`undefined`: FIFO).
 * Only test harnesses set it (this project's tests/_util.ts reads
 * `RUNNER_SHUFFLE`); it is not part of the public API.
 */
export const shuffleDefaults: { seed: number | undefined } = {
  seed: undefined,
};

/** mulberry32: a small, fast 32-bit PRNG; returns integers in [0, 2^32). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The PRNG for `shuffle` (or the harness default), or `null` for FIFO. */
export function makeShuffleRng(seed: unknown): (() => number) | null {
  if (seed === undefined) seed = shuffleDefaults.seed;
  if (seed === undefined) return null;
  if (typeof seed !== "number" || !Number.isInteger(seed)) {
    throw new TypeError(
      `EventLoop(): options.shuffle must be an integer seed, got ${
        describe(seed)
      }`,
    );
  }
  return mulberry32(seed);
}

/** Fisher–Yates over the first `n` entries of the queue. */
export function shuffleReady(
  ready: ReadyQueue,
  n: number,
  rng: () => number,
): void {
  for (let i = n - 1; i > 0; i--) {
    const j = rng() % (i + 1);
    if (j === i) continue;
    const a = ready.at(i);
    ready.set(i, ready.at(j));
    ready.set(j, a);
  }
}
