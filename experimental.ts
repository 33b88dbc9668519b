/**
 * asynkit's experimental tools, as asynkit ships them: task interruption
 * (`asynkit.experimental`) and priority scheduling
 * (`asynkit.experimental.priority`). They reach into task and loop
 * internals, so their details may change.
 *
 * Task interruption throws any error into a task at the point where it
 * waits, without cancelling what it waited on: {@linkcode taskThrow},
 * {@linkcode taskInterrupt} (which also switches to the task, so the error
 * has been raised when it returns) and {@linkcode taskTimeout}.
 * `InterruptCondition` has no counterpart: this library's `Condition`
 * already handles `CancelledError` subclasses when it re-acquires its lock
 * (what asynkit's class fixes in Python before 3.13).
 *
 * Priority scheduling: a {@linkcode PriorityTask} has a priority (lower
 * runs first, {@linkcode Priority}); {@linkcode PriorityLock} and
 * {@linkcode PriorityCondition} serve waiters by it and lend a waiter's
 * priority to the lock's holder (priority inheritance); a
 * {@linkcode PriorityEventLoop} orders its ready queue by it (`new
 * Runner({ loopFactory: () => new PriorityEventLoop() })`). Its ready queue
 * replaces the loop's own, so a process that runs both kinds of loop gives
 * the loop's hot path two queue shapes to handle.
 *
 * @example A timeout that interrupts the task where it waits
 * ```ts
 * import { run, sleep, TimeoutError } from "@x/runner";
 * import { taskTimeout } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   try {
 *     return yield* taskTimeout(10, function* () {
 *       yield* sleep(10_000);
 *       return "slept";
 *     });
 *   } catch (e) {
 *     return e instanceof TimeoutError ? "timed out" : "other";
 *   }
 * })());
 * assert.equal(r, "timed out");
 * ```
 *
 * @module
 */

export {
  InterruptException,
  taskInterrupt,
  taskThrow,
  taskTimeout,
  TimeoutInterrupt,
} from "./_interrupt.ts";
export {
  Priority,
  PriorityCondition,
  PriorityEventLoop,
  PriorityLock,
  type PriorityObject,
  PriorityTask,
  type PriorityTaskOptions,
} from "./_priority.ts";
