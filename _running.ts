// The running-loop registry, below future, task and loop so that all of them
// can ask which loop is executing without importing loop.ts at run time.

import type { EventLoop } from "./loop.ts";

/** The loop whose callbacks are on the JS stack right now, if any. */
export const runningState: { loop: EventLoop | null } = { loop: null };

/**
 * The event loop that is executing the current callback or task step.
 *
 * "Running" means on the JS stack: between iterations, while the loop waits
 * for a timer or for host I/O, no loop is running.
 *
 * @returns The running loop.
 * @throws {Error} `no running event loop` outside a loop's callback.
 *
 * @example
 * ```ts
 * import { EventLoop, getRunningLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => getRunningLoop(), /no running event loop/);
 * const loop = new EventLoop();
 * const seen = await loop.runUntilComplete((function* () {
 *   return getRunningLoop();
 * })());
 * assert.equal(seen, loop);
 * loop.close();
 * ```
 */
export function getRunningLoop(): EventLoop {
  const loop = runningState.loop;
  if (loop === null) throw new Error("no running event loop");
  return loop;
}
