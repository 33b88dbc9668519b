/**
 * Task groups: structured concurrency as Python 3.11's `asyncio.TaskGroup`.
 *
 * `yield* taskGroup(function* (tg) { … })` runs the body in the current
 * task; tasks made with `tg.createTask` belong to the group, and the group
 * ends only when all of them are done. The first task that fails cancels
 * its siblings and the body; every failure then surfaces together as one
 * `AggregateError` ("unhandled errors in a TaskGroup (N sub-exceptions): …",
 * naming each error).
 * A `CancelledError` from outside propagates as itself, and so does a
 * `KeyboardInterrupt`.
 *
 * Where Python writes `async with TaskGroup() as tg:`, this module takes a
 * body function, because leaving the group is asynchronous (it waits for
 * the tasks) and `using` cannot wait.
 *
 * @example
 * ```ts
 * import { taskGroup } from "@x/runner/taskgroup";
 * import { run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = await run(taskGroup(function* (tg) {
 *   const a = tg.createTask(sleep(20, "slow"));
 *   const b = tg.createTask(sleep(10, "fast"));
 *   return [a, b];
 * }));
 * assert.equal(a.result(), "slow");
 * assert.equal(b.result(), "fast");
 * ```
 *
 * @module
 */

import {
  CancelledError,
  type Coroutine,
  type Future,
  KeyboardInterrupt,
} from "./future.ts";
import { checkTaskOptions, Task, type TaskOptions } from "./task.ts";
import {
  checkCoroutine,
  checkFunction,
  checkOptions,
  optBoolean,
} from "./_validate.ts";
import { type Context, copyContext } from "./_context.ts";
import { getRunningLoop } from "./_events.ts";
import { coroutineExpected, isCoroutine } from "./_coro.ts";
import { describe } from "./_describe.ts";
import type { EventLoop } from "./loop.ts";
import {
  addAwaitedByCallback,
  discardAwaitedByCallback,
  waitLabels,
} from "./_awaited_by.ts";

export type { Coroutine };

/** Options of {@linkcode TaskGroup}. */
export interface TaskGroupOptions {
  /**
   * Start each task eagerly: its coroutine runs up to its first suspension
   * inside `createTask`, before `createTask` returns (like Python 3.12's
   * eager tasks). A task that finishes in that first step is done already.
   */
  eager?: boolean;
}

const NONE: unique symbol = Symbol("none");

/** An error that is never wrapped (Python's BaseException outside Exception). */
function isBaseError(e: unknown): boolean {
  return e instanceof KeyboardInterrupt;
}

function groupError(errors: unknown[]): AggregateError {
  const n = errors.length;
  // Python prints the sub-exceptions with the group; a JS log line shows
  // only the message, so it names them.
  return new AggregateError(
    errors,
    `unhandled errors in a TaskGroup (${n} sub-exception${
      n === 1 ? "" : "s"
    }): ${errors.map(describe).join("; ")}`,
  );
}

/**
 * A group of tasks that finish together: asyncio's `TaskGroup`.
 *
 * Enter it with {@linkcode TaskGroup.run} (or use {@linkcode taskGroup}),
 * which runs a body in the current task and waits for every task the
 * group made. If a task fails, the group cancels the other tasks and the
 * body (undoing that cancellation of the current task afterwards, with
 * `uncancel()`), then throws an `AggregateError` of all failures, the
 * body's own error last. A cancellation of the current task from outside
 * cancels the tasks too and propagates as a `CancelledError`.
 *
 * @example
 * ```ts
 * import { TaskGroup } from "@x/runner/taskgroup";
 * import { run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * function* fail(ms: number, msg: string) {
 *   yield* sleep(ms);
 *   throw new Error(msg);
 * }
 * const err = await run((function* () {
 *   try {
 *     yield* new TaskGroup().run(function* (tg) {
 *       tg.createTask(fail(1, "one"));
 *       tg.createTask(sleep(10_000)); // cancelled by the failure
 *       yield* sleep(10_000); // so is the body
 *     });
 *   } catch (e) {
 *     return e as AggregateError;
 *   }
 * })());
 * assert.ok(err instanceof AggregateError);
 * assert.equal(err.message, "unhandled errors in a TaskGroup (1 sub-exception): Error: one");
 * assert.deepEqual(err.errors.map((e) => e.message), ["one"]);
 * ```
 */
export class TaskGroup {
  /** @internal */
  _entered = false;
  /** @internal */
  _exiting = false;
  /** @internal */
  _aborting = false;
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _parentTask: Task<unknown> | null = null;
  /** @internal */
  _parentCancelRequested = false;
  /** @internal */
  _tasks: Set<Task<unknown>> = new Set();
  /** @internal */
  _errors: unknown[] = [];
  /** @internal */
  _baseError: unknown = NONE;
  /** @internal */
  _onCompletedFut: Future<boolean> | null = null;
  /** @internal */
  _eager: boolean;
  /** @internal The context the group's done callbacks run in. */
  _cbContext: Context | null = null;
  /** @internal */
  _onTaskDoneBound: (task: Task<unknown>) => void;

  /**
   * Makes a group; enter it with {@linkcode TaskGroup.run}.
   *
   * @param options `eager`: start tasks eagerly.
   */
  constructor(options?: TaskGroupOptions) {
    checkOptions("TaskGroup", options);
    optBoolean("TaskGroup", "options.eager", options?.eager);
    this._eager = options?.eager === true;
    this._onTaskDoneBound = (task) => this._onTaskDone(task);
  }

  /**
   * Runs `body(group)` in the current task, then waits until every task of
   * the group is done (asyncio's `async with tg:` block).
   *
   * @param body A generator function; it gets the group.
   * @returns A coroutine returning what the body returned.
   * @throws {AggregateError} `unhandled errors in a TaskGroup (N
   * sub-exceptions)`, when tasks or the body failed; `.errors` lists the
   * failures, the body's last.
   * @throws {CancelledError} When the current task was cancelled from
   * outside (and nothing failed).
   * @throws {KeyboardInterrupt} As itself, never wrapped.
   * @throws {Error} `TaskGroup … has already been entered`, `TaskGroup …
   * cannot determine the parent task` (not inside a task).
   *
   * @example
   * ```ts
   * import { TaskGroup } from "@x/runner/taskgroup";
   * import { run, sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const tg = new TaskGroup();
   * const r = await run(tg.run(function* (g) {
   *   const t = g.createTask(sleep(5, 2));
   *   return () => t.result() * 21;
   * }));
   * assert.equal(r(), 42);
   * ```
   */
  run<T>(body: (group: TaskGroup) => Coroutine<T>): Coroutine<T> {
    checkFunction("TaskGroup.run", "body", body);
    return this._run(body);
  }

  /** @internal {@linkcode TaskGroup.run} after its check. */
  *_run<T>(body: (group: TaskGroup) => Coroutine<T>): Coroutine<T> {
    if (this._entered) {
      throw new Error(`TaskGroup ${this} has already been entered`);
    }
    const loop = getRunningLoop();
    // No local for the parent task: an error thrown through this generator
    // keeps its registers alive in its captured frames (see _exit).
    this._parentTask = loop._currentTask;
    if (this._parentTask === null) {
      throw new Error(`TaskGroup ${this} cannot determine the parent task`);
    }
    this._loop = loop;
    this._cbContext = copyContext();
    // graph.ts: the children (whose done callback this is) are awaited by
    // the parent task, as in 3.14.
    addAwaitedByCallback(this._onTaskDoneBound, this._parentTask);
    this._entered = true;
    let result: T;
    try {
      const coro = body(this);
      if (!isCoroutine(coro)) {
        const err = coroutineExpected(coro, describe);
        // A plain function that made no task: nothing to wait for.
        if (this._tasks.size === 0) this._exiting = true;
        throw err;
      }
      result = yield* coro;
    } catch (e) {
      if (this._exiting) throw e;
      yield* this._exit(e);
      // If _exit returns, the body's error propagates, as after a Python
      // __aexit__ that returns None.
      throw e;
    }
    yield* this._exit(NONE);
    return result;
  }

  /**
   * Makes a task that belongs to the group (asyncio's
   * `TaskGroup.create_task`). In an eager group the coroutine runs up to its
   * first suspension before this returns.
   *
   * @param coro The coroutine.
   * @param options `name` and `context` of the task.
   * @returns The task.
   * @throws {Error} `TaskGroup … has not been entered`, `TaskGroup … is
   * finished`, `TaskGroup … is shutting down` (after a failure or
   * cancellation); the coroutine is closed then.
   * @throws {TypeError} `a coroutine was expected, got …`.
   *
   * @example
   * ```ts
   * import { taskGroup } from "@x/runner/taskgroup";
   * import { run, sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * await run(taskGroup(function* (tg) {
   *   const t = tg.createTask(sleep(1), { name: "nap" });
   *   assert.equal(t.getName(), "nap");
   * }));
   * ```
   */
  createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    if (options != null) checkTaskOptions("TaskGroup.createTask", options);
    let problem: string | null = null;
    if (!this._entered) problem = "has not been entered";
    else if (this._exiting && this._tasks.size === 0) problem = "is finished";
    else if (this._aborting) problem = "is shutting down";
    if (problem !== null) {
      // Close the unstarted coroutine (Python 3.13) so nothing dangles.
      if (isCoroutine(coro)) {
        try {
          coro.return(undefined as T);
        } catch {
          // a finally block threw: nothing to do with it here
        }
      }
      throw new Error(`TaskGroup ${this} ${problem}`);
    }
    checkCoroutine("TaskGroup.createTask", "coro", coro);
    const loop = this._loop!;
    const opts: TaskOptions = {};
    if (options?.name !== undefined) opts.name = options.name;
    if (options?.context !== undefined) opts.context = options.context;
    // An eager task runs its first step now (Python 3.12's eager_start).
    const task = this._eager
      ? Task._newEager(coro as Coroutine<unknown>, {
        ...opts,
        eagerStart: true,
      }, loop) as Task<T>
      : loop.createTask(coro, opts);
    if (task.done()) {
      // An eager task finished in its first step: account for it now.
      this._onTaskDone(task as Task<unknown>);
    } else {
      this._tasks.add(task as Task<unknown>);
      task.addDoneCallback(this._onTaskDoneBound, {
        context: this._cbContext!,
      });
    }
    return task;
  }

  /**
   * A description in asyncio's style: `<TaskGroup>`, `<TaskGroup entered>`,
   * `<TaskGroup tasks=2 errors=1 cancelling>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { TaskGroup } from "@x/runner/taskgroup";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new TaskGroup()), "<TaskGroup>");
   * ```
   */
  toString(): string {
    let info = "";
    if (this._tasks.size > 0) info += ` tasks=${this._tasks.size}`;
    if (this._errors.length > 0) info += ` errors=${this._errors.length}`;
    if (this._aborting) info += " cancelling";
    else if (this._entered) info += " entered";
    return `<TaskGroup${info}>`;
  }

  /** @internal asyncio's `__aexit__`; `et` is the body's error or NONE. */
  *_exit(et: unknown): Coroutine<void> {
    try {
      yield* this._exitBody(et);
    } finally {
      // Done with the parent task. The error the group throws keeps this
      // group (and these generators) alive in its captured frames; they
      // must not keep the parent task alive too, or a failed task could
      // never be collected (see ReadyItem._runEntry).
      this._parentTask = null;
      discardAwaitedByCallback(this._onTaskDoneBound);
    }
  }

  /** @internal The body of `_exit`. */
  *_exitBody(et: unknown): Coroutine<void> {
    this._exiting = true;
    const loop = this._loop!;
    const hasEt = et !== NONE;
    if (hasEt && isBaseError(et) && this._baseError === NONE) {
      this._baseError = et;
    }
    let propagate: unknown = hasEt && et instanceof CancelledError ? et : NONE;
    // The parent is being cancelled, or the body failed: stop the tasks.
    if (hasEt && !this._aborting) this._abort();
    // A loop: the wait can be cancelled again and again while the parent
    // task is cancelled repeatedly.
    while (this._tasks.size > 0) {
      if (this._onCompletedFut === null) {
        this._onCompletedFut = loop.createFuture<boolean>();
        waitLabels.set(this._onCompletedFut, this); // for formatTaskTree
      }
      try {
        yield* this._onCompletedFut;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        if (!this._aborting) {
          // The parent was cancelled from outside while the tasks run.
          propagate = e;
          this._abort();
        }
      }
      this._onCompletedFut = null;
    }
    // Undo our own cancellation of the parent (after the wait, as Python
    // 3.13 does, so a failure during the wait is undone too). When no other
    // cancellation is pending, a CancelledError is not propagated, and a
    // pending cancel that was ours is dropped (3.13's uncancel rule).
    if (this._parentCancelRequested) {
      if (this._parentTask!.uncancel() === 0) {
        this._parentTask!._mustCancel = false;
        propagate = NONE;
      }
    }
    if (this._baseError !== NONE) throw this._baseError;
    // Propagate a CancelledError unless there are errors: those win.
    if (propagate !== NONE && this._errors.length === 0) throw propagate;
    if (hasEt && !(et instanceof CancelledError)) this._errors.push(et);
    if (this._errors.length > 0) {
      const errors = this._errors;
      this._errors = [];
      throw groupError(errors);
    }
  }

  /** @internal Cancels every task that is not done. */
  _abort(): void {
    this._aborting = true;
    for (const t of this._tasks) {
      if (!t.done()) t.cancel();
    }
  }

  /** @internal */
  _onTaskDone(task: Task<unknown>): void {
    this._tasks.delete(task);
    const fut = this._onCompletedFut;
    if (fut !== null && this._tasks.size === 0 && !fut.done()) {
      fut.setResult(true);
    }
    if (task.cancelled()) return;
    const exc = task.exception();
    if (exc === undefined && !task._failed) return;
    this._errors.push(exc);
    if (isBaseError(exc) && this._baseError === NONE) this._baseError = exc;
    const parent = this._parentTask;
    if (parent === null || parent.done()) {
      this._loop!.callExceptionHandler({
        message:
          `Task ${task} has errored out but its parent task ${parent} is already completed`,
        exception: exc,
        task,
      });
      return;
    }
    if (!this._aborting && !this._parentCancelRequested) {
      // Cancel the parent to interrupt the body; __aexit__ undoes it.
      this._abort();
      this._parentCancelRequested = true;
      parent.cancel();
    }
  }
}

/**
 * Runs `body` in a new {@linkcode TaskGroup}: the usual way to use one.
 * The group's tasks are all done when this returns; see
 * {@linkcode TaskGroup} for failures and cancellation.
 *
 * @param body A generator function; it gets the group.
 * @returns A coroutine returning what the body returned.
 * @throws {AggregateError} When tasks or the body failed.
 *
 * @example
 * ```ts
 * import { taskGroup } from "@x/runner/taskgroup";
 * import { run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const total = await run((function* () {
 *   const tasks = yield* taskGroup(function* (tg) {
 *     return [1, 2, 3].map((n) => tg.createTask(sleep(n, n * 10)));
 *   });
 *   return tasks.reduce((sum, t) => sum + t.result(), 0);
 * })());
 * assert.equal(total, 60);
 * ```
 */
export function taskGroup<T>(
  body: (group: TaskGroup) => Coroutine<T>,
): Coroutine<T> {
  checkFunction("taskGroup", "body", body);
  return new TaskGroup().run(body);
}

/**
 * Like {@linkcode taskGroup}, with eager tasks: each task's coroutine runs
 * up to its first suspension inside `createTask`, in the task's own context
 * and with the task as `currentTask()`. A task that never suspends is done
 * when `createTask` returns.
 *
 * @param body A generator function; it gets the group.
 * @returns A coroutine returning what the body returned.
 * @throws {AggregateError} When tasks or the body failed.
 *
 * @example
 * ```ts
 * import { eagerTaskGroup } from "@x/runner/taskgroup";
 * import { run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await run(eagerTaskGroup(function* (tg) {
 *   const t = tg.createTask((function* () {
 *     log.push("child starts");
 *     yield* sleep(1);
 *     return "child done";
 *   })());
 *   log.push("createTask returned");
 *   const quick = tg.createTask((function* () { return 1; })());
 *   assert.equal(quick.done(), true);
 *   assert.equal(yield* t, "child done");
 * }));
 * assert.deepEqual(log, ["child starts", "createTask returned"]);
 * ```
 */
export function eagerTaskGroup<T>(
  body: (group: TaskGroup) => Coroutine<T>,
): Coroutine<T> {
  checkFunction("eagerTaskGroup", "body", body);
  return new TaskGroup({ eager: true }).run(body);
}
