// Shared machinery of the coroutine tools (eager.ts, monitor.ts,
// scheduling.ts): stepping a coroutine in a context while tracking its state,
// closing it the Python way, and letting a Task adopt a started coroutine.

import { named } from "./_errors.ts";
import {
  coroStates,
  coroTasks,
  DONE,
  NEW,
  rememberCoroTask,
  RUNNING,
  SUSPENDED,
} from "./_yield.ts";
import { enterContext, exitContext } from "./_context_state.ts";
import type { AnyCoroutine } from "./_coro.ts";
import { runningState } from "./_events.ts";
import type { Context } from "./_context.ts";
import { PENDING } from "./_future_bits.ts";
import { Task } from "./task.ts";

/**
 * Thrown into a coroutine to close it, as Python's `coroutine.close()` does.
 * A coroutine may catch it to clean up (even with `yield*`), but must then
 * finish or rethrow it: yielding again is an error (`coroutine ignored
 * GeneratorExit`). Closing never uses `gen.return()`, so `catch` blocks see it.
 *
 * @example
 * ```ts
 * import { sleep } from "@x/runner";
 * import { CoroStart, GeneratorExit } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * function* body() {
 *   try {
 *     yield* sleep(0);
 *   } catch (e) {
 *     log.push(e instanceof GeneratorExit ? "closing" : "other");
 *     throw e;
 *   }
 * }
 * const cs = new CoroStart(body());
 * cs.close();
 * assert.deepEqual(log, ["closing"]);
 * ```
 */
export class GeneratorExit extends Error {
  /**
   * Makes the error.
   *
   * @param message Optional message.
   */
  constructor(message?: string) {
    super(message ?? "");
    named(this, "GeneratorExit");
  }
}

/** The state of `coro` as far as this package can tell. */
export function coroStateOf(coro: object): number {
  const s = coroStates.get(coro);
  if (s === DONE || s === RUNNING) return s;
  let task = coroTasks.get(coro);
  if (task === undefined) {
    const loop = runningState.loop;
    if (loop !== null) {
      for (let t = loop._taskHead; t !== null; t = t._nextTask) {
        if (t._coro === coro) {
          task = t;
          rememberCoroTask(coro, t);
          break;
        }
      }
    }
  }
  if (task !== undefined && task._coro === coro) {
    if (task._state !== PENDING) return DONE;
    if (task._loop._currentTask === task) return RUNNING;
    if (s === SUSPENDED || taskStarted(task as Task<unknown>)) return SUSPENDED;
    return NEW;
  }
  return s ?? NEW;
}

/** Whether a pending task has stepped its coroutine at least once. */
export function taskStarted(task: Task<unknown>): boolean {
  return task._started;
}

/**
 * One step of `coro`: `next(value)` (mode 0) or `throw(value)` (mode 1),
 * inside `ctx` when given, keeping its tracked state current.
 */
export function stepCoro<T>(
  coro: AnyCoroutine<T>,
  mode: 0 | 1,
  value: unknown,
  ctx: Context | undefined,
): IteratorResult<unknown, T> {
  // Re-entering a running coroutine: let the generator report it, and
  // leave its state alone.
  if (coroStates.get(coro) === RUNNING) return coro.next(value);
  const prev = ctx === undefined ? null : enterContext(ctx);
  coroStates.set(coro, RUNNING);
  let r: IteratorResult<unknown, T>;
  try {
    r = mode === 0 ? coro.next(value) : coro.throw(value);
  } catch (e) {
    coroStates.set(coro, DONE);
    throw e;
  } finally {
    if (ctx !== undefined) exitContext(ctx, prev!);
  }
  coroStates.set(coro, r.done === true ? DONE : SUSPENDED);
  return r;
}

/**
 * Python's `coroutine.close()`: throws {@linkcode GeneratorExit} in (inside
 * `ctx`); a coroutine that yields instead of finishing is an error. A new or
 * finished coroutine is simply marked done.
 */
export function closeCoro(
  coro: AnyCoroutine<unknown>,
  ctx: Context | undefined,
): void {
  const s = coroStates.get(coro);
  if (s === DONE) return;
  let r: IteratorResult<unknown, unknown>;
  try {
    r = stepCoro(coro, 1, new GeneratorExit(), ctx);
  } catch (e) {
    if (e instanceof GeneratorExit) return;
    throw e;
  }
  if (r.done !== true) throw new Error("coroutine ignored GeneratorExit");
}

/** The name Python would print for an exception's type. */
export function excName(e: unknown): string {
  if (e instanceof Error) return e.name || e.constructor.name;
  if (typeof e === "function") return "type";
  return typeof e;
}

/**
 * Makes `task` (just constructed, its first step queued last in the ready
 * queue) continue a coroutine that already ran elsewhere and last yielded
 * `yielded`, exactly as if its own step had produced that yield: a bare
 * yield resumes with WAKE next iteration, a future is waited on at once, and
 * anything else is the same error a task step reports.
 */
export function adoptStarted(task: Task<unknown>, yielded: unknown): void {
  task._started = true;
  const loop = task._loop;
  // Take back the queued first step; the task then reacts to the yield as
  // its own step would have.
  const i = loop._ready.lastIndexOf(task);
  if (i < 0) return;
  loop.readyPop(i);
  Task._handleYield(task, yielded);
}
