// Task interruption, after asynkit's experimental/interrupt.py (see
// docs/task_interruption.md there): throw an arbitrary error into a task at
// its current suspension point, leaving the future it waited on alone.
// Re-exported by experimental.ts.

import { type Coroutine, isGeneratorFunction } from "./_coro.ts";
import { describe } from "./_describe.ts";
import { badType, checkFunction } from "./_validate.ts";
import { CancelledError, named, TimeoutError } from "./_errors.ts";
import { getRunningLoop } from "./_running.ts";
import { CANCELLED, PENDING } from "./future.ts";
import { readyFind, taskSwitch } from "./scheduling.ts";
import { currentTask, sleep, Task } from "./task.ts";

/**
 * The base of errors thrown into a task to interrupt it. A
 * `CancelledError`, so that locks, semaphores and conditions clean up as
 * for a cancellation; like any `CancelledError`, one the task does not
 * catch makes it cancelled.
 *
 * @example
 * ```ts
 * import { CancelledError } from "@x/runner";
 * import { InterruptException } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const e = new InterruptException("stop");
 * assert.ok(e instanceof CancelledError);
 * assert.equal(e.name, "InterruptException");
 * ```
 */
export class InterruptException extends CancelledError {
  /**
   * Makes the error.
   *
   * @param message The message.
   */
  constructor(message?: string) {
    super(message);
    named(this, "InterruptException");
  }
}

/**
 * What {@linkcode taskTimeout} throws into its task when the delay passes
 * (each block its own instance); the block turns it into a `TimeoutError`.
 *
 * @example
 * ```ts
 * import { InterruptException, TimeoutInterrupt } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * assert.ok(new TimeoutInterrupt() instanceof InterruptException);
 * ```
 */
export class TimeoutInterrupt extends InterruptException {
  /**
   * Makes the error.
   *
   * @param message The message.
   */
  constructor(message?: string) {
    super(message);
    named(this, "TimeoutInterrupt");
  }
}

/**
 * Makes `exception` be thrown into `task` at its next step (asynkit's
 * `task_throw`), synchronously: a blocked task stops waiting on its future
 * (the future is not cancelled and goes on), a runnable one loses its
 * queued step, and the step that throws goes to the end of the ready
 * queue. A second call before the task runs replaces the first exception;
 * prefer {@linkcode taskInterrupt}.
 *
 * @param task The task to interrupt.
 * @param exception What to throw into it: an Error instance.
 * @throws {TypeError} When `exception` is not an Error, or `task` not a Task.
 * @throws {Error} `cannot interrupt task which is done`, `cannot interrupt
 * a cancelled task` (a cancel is pending, or the awaited future was
 * cancelled), `cannot interrupt self`.
 *
 * @example
 * ```ts
 * import { createTask, Event, run, sleep } from "@x/runner";
 * import { taskThrow } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   const ev = new Event();
 *   const t = createTask((function* () {
 *     try {
 *       yield* ev.wait();
 *       return "woken";
 *     } catch (e) {
 *       return (e as Error).message;
 *     }
 *   })());
 *   yield* sleep(0); // let it start waiting
 *   taskThrow(t, new RangeError("interrupted"));
 *   return yield* t;
 * })());
 * assert.equal(r, "interrupted");
 * ```
 */
export function taskThrow(task: Task<unknown>, exception: Error): void {
  if (!(task instanceof Task)) {
    throw badType("taskThrow", "task", "a Task", task);
  }
  if (!(exception instanceof Error)) {
    // asynkit's message, with JS's base class.
    throw new TypeError(
      `exception must be an instance deriving from Error, got ${
        describe(exception)
      }`,
    );
  }
  if (task._state !== PENDING) {
    throw new Error("cannot interrupt task which is done");
  }
  const loop = task._loop;
  const w = task._futWaiter;
  if (w !== null && w._state === PENDING) {
    // Blocked: stop waiting without cancelling what it waited on.
    w._removeWaiter(task);
  } else {
    if (task._mustCancel || (w !== null && w._state === CANCELLED)) {
      throw new Error("cannot interrupt a cancelled task");
    }
    if (readyFind(task, { loop, remove: true }) === null) {
      if (loop._currentTask === task) throw new Error("cannot interrupt self");
      throw new Error(
        `cannot interrupt ${task}: it is neither blocked nor in the ready queue`,
      );
    }
  }
  task._futWaiter = null;
  task._pendingExc = exception;
  loop._pushReady(task);
}

/**
 * Interrupts `task` with `exception` and switches to it (asynkit's
 * `task_interrupt`): {@linkcode taskThrow}, then the task runs next and the
 * caller resumes after the other runnable tasks, so when this returns the
 * exception has been raised in the task.
 *
 * @param task The task to interrupt.
 * @param exception What to throw into it: an Error instance.
 * @returns A coroutine to `yield*`.
 * @throws {TypeError} As for {@linkcode taskThrow}.
 * @throws {Error} As for {@linkcode taskThrow}.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { taskInterrupt } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await run((function* () {
 *   const t = createTask((function* () {
 *     try {
 *       yield* sleep(10_000);
 *     } catch (e) {
 *       log.push(`worker got ${(e as Error).message}`);
 *     }
 *   })());
 *   yield* sleep(0);
 *   yield* taskInterrupt(t, new Error("stop now"));
 *   log.push(`done: ${t.done()}`);
 * })());
 * assert.deepEqual(log, ["worker got stop now", "done: true"]);
 * ```
 */
export function* taskInterrupt(
  task: Task<unknown>,
  exception: Error,
): Coroutine<void> {
  taskThrow(task, exception);
  yield* taskSwitch(task);
}

/**
 * Runs `body` and interrupts it after `ms` milliseconds (asynkit's
 * `task_timeout`): the current task gets a {@linkcode TimeoutInterrupt} at
 * whatever it waits on, from a helper task, and the block raises
 * `TimeoutError`. `null` means no timeout; a delay of 0 or less fires on
 * the next loop iteration. Blocks nest: an outer block's interrupt passes
 * unchanged through inner ones. Unlike `timeout()`, the body gets no
 * Timeout object and the task is not cancelled.
 *
 * @typeParam T The body's return type.
 * @param ms The delay in milliseconds, or `null`.
 * @param body A `function*` run inside the block.
 * @returns A coroutine to `yield*`; it returns what the body returns.
 * @throws {TimeoutError} When the delay passed first.
 * @throws {TypeError} When `ms` is not a number or `null`, or `body` not a
 * function.
 * @throws {Error} `taskTimeout() must be used inside a task`.
 *
 * @example
 * ```ts
 * import { run, sleep, TimeoutError } from "@x/runner";
 * import { taskTimeout } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   try {
 *     yield* taskTimeout(5, function* () {
 *       yield* sleep(10_000);
 *     });
 *   } catch (e) {
 *     return e instanceof TimeoutError;
 *   }
 * })());
 * assert.equal(r, true);
 * ```
 */
export function taskTimeout<T>(
  ms: number | null,
  body: () => Coroutine<T>,
): Coroutine<T> {
  if (ms !== null && typeof ms !== "number") {
    throw badType("taskTimeout", "ms", "a delay in milliseconds or null", ms);
  }
  if (ms !== ms) throw new RangeError("Invalid delay: NaN (not a number)");
  checkFunction("taskTimeout", "body", body);
  return timeoutBlock(ms, body);
}

function* timeoutBlock<T>(
  ms: number | null,
  body: () => Coroutine<T>,
): Coroutine<T> {
  if (ms === null) return yield* callBody(body);
  const loop = getRunningLoop();
  const task = currentTask(loop);
  if (task === null) {
    throw new Error("taskTimeout() must be used inside a task");
  }
  const mine = new TimeoutInterrupt();
  const state = { active: true };
  // Interrupt from a task, not from the timer callback, so that only one
  // interrupt is in flight at a time (asynkit's reasoning).
  const h = loop.callLater(ms > 0 ? ms : 0, () => {
    loop.createTask(interruptor(task, mine, state));
  });
  try {
    return yield* callBody(body);
  } catch (e) {
    if (e === mine) {
      throw new TimeoutError("task timeout expired", { cause: e });
    }
    throw e;
  } finally {
    state.active = false;
    h.cancel();
  }
}

function callBody<T>(body: () => Coroutine<T>): Coroutine<T> {
  const c = body();
  if (isGeneratorFunction(c)) {
    throw new TypeError(
      "taskTimeout() body returned a generator function: call it",
    );
  }
  return c;
}

/** Delivers the interrupt, retrying past a cancellation in flight. */
function* interruptor(
  task: Task<unknown>,
  mine: TimeoutInterrupt,
  state: { active: boolean },
): Coroutine<void> {
  try {
    for (let i = 0; i < 3; i++) {
      if (!state.active) continue;
      try {
        yield* taskInterrupt(task, mine);
      } catch (e) {
        if (i === 2) throw e;
        yield* sleep(0);
      }
    }
  } catch (e) {
    getRunningLoop().callExceptionHandler({
      message: `timeout interruptor failed for task ${task}`,
      exception: e,
      task: currentTask() ?? undefined,
    });
  }
}
