// The async generators a loop finalizes in `shutdownAsyncgens` (those of
// GeneratorObject: JS has no hook that registers native ones): the
// registry, the warning for one registered after the shutdown, and the
// coroutine that closes them all, reporting their failures.

import type { Coroutine } from "./_coro.ts";
import { describe } from "./_describe.ts";
import { CancelledError } from "./_errors.ts";
import type { EventLoop } from "./loop.ts";
import { gather } from "./task.ts";

/** Something the loop finalizes in `shutdownAsyncgens` (async generators). */
export interface AsyncGenLike {
  /** Closes it: runs its cleanup. */
  aclose(): Coroutine<void>;
}

/** @internal A loop's registered async generators. */
export class AsyncGens {
  _gens: Set<AsyncGenLike> = new Set();
  _shutdownCalled = false;

  /** How many are registered. */
  get size(): number {
    return this._gens.size;
  }

  [Symbol.iterator](): IterableIterator<AsyncGenLike> {
    return this._gens.values();
  }

  add(gen: AsyncGenLike): void {
    if (this._shutdownCalled) {
      console.warn(
        `asynchronous generator ${
          describe(gen)
        } was scheduled after loop.shutdownAsyncgens() call`,
      );
    }
    this._gens.add(gen);
  }

  delete(gen: AsyncGenLike): void {
    this._gens.delete(gen);
  }

  /**
   * Marks them shut down; returns a coroutine that closes the ones
   * registered, or null when there are none.
   */
  take(loop: EventLoop): Coroutine<void> | null {
    this._shutdownCalled = true;
    if (this._gens.size === 0) return null;
    const gens = [...this._gens];
    this._gens.clear();
    return closeAll(loop, gens);
  }

  /** The coroutine of a shutdown with nothing to close. */
  static none(): Coroutine<void> {
    return noAsyncgens();
  }
}

// The coroutine of shutdownAsyncgens with nothing to close (asyncio's
// returns at once, yet running it still takes the loop's two iterations).
function* noAsyncgens(): Coroutine<void> {}

function* closeAll(loop: EventLoop, gens: AsyncGenLike[]): Coroutine<void> {
  const results: unknown[] = yield* gather(gens.map((g) => g.aclose()), {
    returnExceptions: true,
  });
  results.forEach((r, i) => {
    if (r instanceof Error && !(r instanceof CancelledError)) {
      loop.callExceptionHandler({
        message: `an error occurred during closing of asynchronous generator ${
          describe(gens[i])
        }`,
        exception: r,
        asyncgen: gens[i],
      });
    }
  });
}
