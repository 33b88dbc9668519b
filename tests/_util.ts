// Small helpers shared by the test files.

import assert from "node:assert/strict";
import { type Coroutine, EventLoop, type Future, run, sleep } from "../mod.ts";
import { VirtualTimeLoop } from "../testing.ts";

/**
 * The loop factory {@linkcode main} uses: `undefined` (a plain EventLoop)
 * unless a test file parametrized over loops sets it (see timeouts_test.ts).
 */
export const testLoop: { factory: (() => EventLoop) | undefined } = {
  factory: undefined,
};

/**
 * Runs `fn()` as the main task of a fresh VirtualTimeLoop: for tests that
 * only wait for time, which then takes none.
 */
export function mainVirtual<T>(fn: () => Coroutine<T>): Promise<T> {
  return run(fn(), { loopFactory: () => new VirtualTimeLoop() });
}

/** Runs `fn()` as the main task of a fresh loop (`run`). */
export function main<T>(fn: () => Coroutine<T>): Promise<T> {
  return run(fn(), { loopFactory: testLoop.factory });
}

/** Runs `body` and returns what it threw (fails if it did not throw). */
export function* catching(
  body: Coroutine<unknown> | Future<unknown>,
): Coroutine<unknown> {
  try {
    yield* body;
  } catch (e) {
    return e;
  }
  assert.fail("expected an exception");
}

/** Runs `fn` with a fresh loop, closing it afterwards. */
export async function withLoop(
  fn: (loop: EventLoop) => Promise<void>,
): Promise<void> {
  const loop = new EventLoop();
  try {
    await fn(loop);
  } finally {
    loop.close();
  }
}

/**
 * A coroutine that suspends once and, when closed, logs "exit" and returns
 * (which Python allows a closed coroutine to do).
 */
export function* returnsOnClose(
  log: string[],
  isExit: (e: unknown) => boolean,
): Coroutine<number> {
  try {
    yield* sleep(0);
    return 1;
  } catch (e) {
    log.push(isExit(e) ? "exit" : "other");
    return 2;
  }
}
