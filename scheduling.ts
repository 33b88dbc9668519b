/**
 * Ready-queue scheduling, after the Python library asynkit: move tasks
 * within the loop's ready queue to decide who runs next, start a child task
 * depth-first, list runnable and blocked tasks, and drive a coroutine
 * synchronously when it never blocks.
 *
 * The loop's ready queue holds handles; each Task has exactly one handle,
 * reused for all its steps, so a task is *runnable* when its handle is in
 * the queue, *blocked* when it waits on a pending future, and otherwise it
 * is the current task or done. The identity
 * `allTasks() = runnableTasks() ∪ blockedTasks() ∪ {currentTask()}` holds.
 * The loop itself offers the list-like primitives (`readyLen`, `readyPop`,
 * `readyInsert`, `readyRotate`, `callInsert`).
 *
 * @example Depth-first child tasks
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { createTaskDescend } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * function* child() {
 *   log.push("child starts");
 *   yield* sleep(1);
 *   log.push("child ends");
 * }
 * await run((function* () {
 *   const t = yield* createTaskDescend(child());
 *   log.push("parent continues");
 *   yield* t;
 * })());
 * assert.deepEqual(log, ["child starts", "parent continues", "child ends"]);
 * ```
 *
 * @module
 */

import { named } from "./_errors.ts";
import { type Coroutine, isCoroutine } from "./_coro.ts";
import { WAKE } from "./_yield.ts";
import { describe } from "./_describe.ts";
import { closeCoro, GeneratorExit, stepCoro } from "./_drive.ts";
import { Handle } from "./_handle.ts";
import { getRunningLoop } from "./_events.ts";
import { ContextVar } from "./_context.ts";
import { PENDING } from "./_future_bits.ts";
import type { EventLoop } from "./loop.ts";
import { allTasks, createTask, sleep, Task } from "./task.ts";
import {
  badType,
  checkCoroutine,
  checkFunction,
  checkInstance,
  checkInteger,
  checkOptions,
  optBoolean,
  optLoop,
} from "./_validate.ts";

function checkTask(fn: string, task: unknown): void {
  checkInstance(fn, "task", task, Task, "a Task");
}

export type { Coroutine };

/** Options of {@linkcode readyFind}. */
export interface ReadyFindOptions {
  /** The loop; the task's own loop by default. */
  loop?: EventLoop;
  /** Also take the handle out of the queue. */
  remove?: boolean;
}

/**
 * The ready-queue handle that will run `task`'s next step, searching from
 * the end of the queue (the most recent first).
 *
 * @param task The task.
 * @param options `loop` and `remove`.
 * @returns The handle, or `null` when the task is not in the queue (it is
 * blocked, running or done).
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { readyFind } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(0));
 *   assert.equal(readyFind(t)?.cancelled(), false);
 *   yield* t;
 *   assert.equal(readyFind(t), null);
 * })());
 * ```
 */
export function readyFind(
  task: Task<unknown>,
  options?: ReadyFindOptions,
): Handle | null {
  checkTask("readyFind", task);
  checkOptions("readyFind", options);
  optLoop("readyFind", "options.loop", options?.loop);
  optBoolean("readyFind", "options.remove", options?.remove);
  const loop = options?.loop ?? task._loop;
  const ready = loop._ready;
  for (let i = ready.length - 1; i >= 0; i--) {
    if (ready.at(i)._stepOf() === task) {
      return options?.remove === true
        ? loop.readyPop(i)
        : loop._readyHandleAt(i);
    }
  }
  return null;
}

/**
 * Takes `handle` out of the ready queue (it will not run unless put back
 * with `loop.readyInsert`).
 *
 * @param handle The handle.
 * @param loop The loop; the running loop by default.
 * @throws {RangeError} `handle not in queue`.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run } from "@x/runner";
 * import { readyRemove } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const loop = getRunningLoop();
 *   const h = loop.callSoon(() => assert.fail("removed"));
 *   readyRemove(h);
 *   assert.throws(() => readyRemove(h), /handle not in queue/);
 * })());
 * ```
 */
export function readyRemove(handle: Handle, loop?: EventLoop): void {
  optLoop("readyRemove", "loop", loop);
  const l = loop ?? getRunningLoop();
  const ready = l._ready;
  for (let i = ready.length - 1; i >= 0; i--) {
    if (ready.at(i) === handle) {
      l.readyPop(i);
      return;
    }
  }
  throw new RangeError(
    `readyRemove(): handle not in queue: ${describe(handle)}`,
  );
}

/**
 * The task whose step `handle` runs (asynkit's `task_from_handle`), or
 * `null` for any other callback or a cancelled handle.
 *
 * @param handle A handle, as {@linkcode getReadyQueue} or `loop.readyPop`
 * give them.
 * @returns The task or `null`.
 * @throws {TypeError} When `handle` is not a Handle.
 *
 * @example
 * ```ts
 * import { createTask, getRunningLoop, run, sleep } from "@x/runner";
 * import { getReadyQueue, taskFromHandle } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(0));
 *   getRunningLoop().callSoon(() => {});
 *   const [a, b] = getReadyQueue();
 *   assert.equal(taskFromHandle(a), t);
 *   assert.equal(taskFromHandle(b), null);
 *   yield* t;
 * })());
 * ```
 */
export function taskFromHandle(handle: Handle): Task<unknown> | null {
  if (!(handle instanceof Handle)) {
    throw badType("taskFromHandle", "handle", "a Handle", handle);
  }
  return handle._stepOf() as Task<unknown> | null;
}

/**
 * The ready queue of `loop` as handles, in the order they will run
 * (asynkit's `get_ready_queue`): a new array; the handles are the queue's
 * own, so cancelling one or passing it to `readyRemove` acts on the queue.
 *
 * @param loop The loop; the running loop by default.
 * @returns The handles.
 *
 * @example
 * ```ts
 * import { getRunningLoop, run } from "@x/runner";
 * import { getReadyQueue } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const h = getRunningLoop().callSoon(() => {});
 *   assert.deepEqual(getReadyQueue(), [h]);
 * })());
 * ```
 */
export function getReadyQueue(loop?: EventLoop): Handle[] {
  optLoop("getReadyQueue", "loop", loop);
  const l = loop ?? getRunningLoop();
  const n = l._ready.length;
  const out: Handle[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = l._readyHandleAt(i);
  return out;
}

/**
 * The tasks in the ready queue, in the order they will run.
 *
 * @param loop The loop; the running loop by default.
 * @returns The tasks.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { readyTasks } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const a = createTask(sleep(0));
 *   const b = createTask(sleep(0));
 *   assert.deepEqual(readyTasks(), [a, b]);
 *   yield* b;
 * })());
 * ```
 */
export function readyTasks(loop?: EventLoop): Task<unknown>[] {
  optLoop("readyTasks", "loop", loop);
  const l = loop ?? getRunningLoop();
  const ready = l._ready;
  const out: Task<unknown>[] = [];
  for (let i = 0; i < ready.length; i++) {
    const t = ready.at(i)._stepOf() as Task<unknown> | null;
    if (t !== null && t._state === PENDING) out.push(t);
  }
  return out;
}

function checkPos(pos: unknown, fn: string, param = "pos"): void {
  checkInteger(fn, param, pos, -Infinity);
}

/**
 * Moves a runnable task to position `pos` of the ready queue (0 runs next).
 *
 * @param task A task whose step is in the ready queue.
 * @param pos The new position (like `Array.prototype.splice`: past the end
 * appends).
 * @throws {RangeError} `Task is not scheduled` when the task is not in the
 * ready queue (blocked, running or done).
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { taskReinsert } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const log: number[] = [];
 * await run((function* () {
 *   const ts = [0, 1, 2].map((i) => createTask((function* () { log.push(i); })()));
 *   taskReinsert(ts[2], 0);
 *   yield* sleep(0);
 * })());
 * assert.deepEqual(log, [2, 0, 1]);
 * ```
 */
export function taskReinsert(task: Task<unknown>, pos: number): void {
  checkTask("taskReinsert", task);
  checkPos(pos, "taskReinsert");
  reinsert(task, pos, "taskReinsert");
}

function reinsert(task: Task<unknown>, pos: number, fn: string): void {
  const h = readyFind(task, { remove: true });
  if (h === null) {
    throw new RangeError(`${fn}(): Task is not scheduled: ${task}`);
  }
  task._loop.readyInsert(pos, h);
}

/**
 * Like `sleep(0)`, but the current task resumes after only `pos` other
 * ready callbacks instead of after all of them.
 *
 * @param pos How many ready callbacks run first (0: resume first).
 * @returns A coroutine to `yield*`.
 * @throws {Error} `sleepInsert() must be called from a task`.
 *
 * @example
 * ```ts
 * import { createTask, run } from "@x/runner";
 * import { sleepInsert } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const log: (number | string)[] = [];
 * await run((function* () {
 *   for (let i = 0; i < 3; i++) createTask((function* () { log.push(i); })());
 *   yield* sleepInsert(1);
 *   log.push("me");
 * })());
 * assert.deepEqual(log, [0, "me", 1, 2]);
 * ```
 */
export function sleepInsert(pos: number): Coroutine<void> {
  checkPos(pos, "sleepInsert");
  return sleepInsertImpl(pos);
}

function* sleepInsertImpl(pos: number): Coroutine<void> {
  const loop = getRunningLoop();
  const task = loop._currentTask;
  if (task === null) {
    throw new Error("sleepInsert() must be called from a task");
  }
  // Runs right after this task yields: moves its fresh step to `pos`.
  loop.callInsert(0, () => taskReinsert(task, pos));
  yield* sleep(0);
}

/** Options of {@linkcode taskSwitch}. */
export interface TaskSwitchOptions {
  /**
   * Where the current task goes (as for {@linkcode sleepInsert}); the end
   * of the ready queue by default. 1: right after the target; 0: before it.
   */
  insertPos?: number;
}

/**
 * Switches to a runnable task: it moves to the head of the ready queue and
 * the current task yields (to the end of the queue, or to `insertPos`).
 *
 * @param task The task to run next.
 * @param options `insertPos`.
 * @returns A coroutine to `yield*`.
 * @throws {RangeError} `Task is not scheduled` when `task` is not runnable.
 *
 * @example
 * ```ts
 * import { createTask, run } from "@x/runner";
 * import { taskSwitch } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const log: (number | string)[] = [];
 * await run((function* () {
 *   const ts = [0, 1, 2].map((i) => createTask((function* () { log.push(i); })()));
 *   yield* taskSwitch(ts[2], { insertPos: 1 });
 *   log.push("me");
 * })());
 * assert.deepEqual(log, [2, "me", 0, 1]);
 * ```
 */
export function taskSwitch(
  task: Task<unknown>,
  options?: TaskSwitchOptions,
): Coroutine<void> {
  checkTask("taskSwitch", task);
  checkOptions("taskSwitch", options);
  const pos = options?.insertPos ?? undefined;
  if (pos !== undefined) checkPos(pos, "taskSwitch", "options.insertPos");
  return taskSwitchImpl(task, pos);
}

function* taskSwitchImpl(
  task: Task<unknown>,
  pos: number | undefined,
): Coroutine<void> {
  reinsert(task, 0, "taskSwitch");
  if (pos === undefined) yield* sleep(0);
  else yield* sleepInsertImpl(pos);
}

/**
 * Whether the task waits on a pending future (or task).
 *
 * @param task The task.
 * @returns `true` when blocked.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { taskIsBlocked } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(10));
 *   assert.equal(taskIsBlocked(t), false);
 *   yield* sleep(0);
 *   assert.equal(taskIsBlocked(t), true);
 *   t.cancel();
 *   assert.equal(taskIsBlocked(t), false);
 * })());
 * ```
 */
export function taskIsBlocked(task: Task<unknown>): boolean {
  checkTask("taskIsBlocked", task);
  const w = task._futWaiter;
  return w !== null && w._state === PENDING;
}

/**
 * Whether the task is neither blocked nor done (asynkit's definition: the
 * current task counts as runnable; {@linkcode runnableTasks} lists only
 * tasks in the ready queue).
 *
 * @param task The task.
 * @returns `true` when runnable.
 *
 * @example
 * ```ts
 * import { createTask, run } from "@x/runner";
 * import { taskIsRunnable } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask((function* () {})());
 *   assert.equal(taskIsRunnable(t), true);
 *   yield* t;
 *   assert.equal(taskIsRunnable(t), false);
 * })());
 * ```
 */
export function taskIsRunnable(task: Task<unknown>): boolean {
  checkTask("taskIsRunnable", task);
  return !(taskIsBlocked(task) || task._state !== PENDING);
}

/** Options of {@linkcode createTaskDescend} and {@linkcode createTaskStart}. */
export interface CreateTaskOptions {
  /** The task's name. */
  name?: string;
}

/**
 * Creates a task and runs it at once, depth-first: the child runs now and
 * the caller resumes right after the child's first suspension, by moving
 * entries in the ready queue only (a Task always exists, `currentTask()` is
 * the child from its first step).
 *
 * @param coro The child coroutine.
 * @param options `name`.
 * @returns A coroutine giving the task.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { createTaskDescend } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await run((function* () {
 *   const t = yield* createTaskDescend((function* () { log.push("child"); yield* sleep(1); })());
 *   log.push("parent");
 *   yield* t;
 * })());
 * assert.deepEqual(log, ["child", "parent"]);
 * ```
 */
export function createTaskDescend<T>(
  coro: Coroutine<T>,
  options?: CreateTaskOptions,
): Coroutine<Task<T>> {
  checkCoroutine("createTaskDescend", "coro", coro);
  checkOptions("createTaskDescend", options);
  return createTaskDescendImpl(coro, options);
}

function* createTaskDescendImpl<T>(
  coro: Coroutine<T>,
  options?: CreateTaskOptions,
): Coroutine<Task<T>> {
  const t = createTask(coro, { name: options?.name });
  yield* taskSwitch(t as Task<unknown>, { insertPos: 1 });
  return t;
}

/**
 * Creates a task and yields once (`sleep(0)`), so the child has taken its
 * first step when this returns (other ready work may have run too).
 *
 * @param coro The child coroutine.
 * @param options `name`.
 * @returns A coroutine giving the task.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { createTaskStart } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   let started = false;
 *   const t = yield* createTaskStart((function* () { started = true; })());
 *   assert.equal(started, true);
 *   yield* t;
 * })());
 * ```
 */
export function createTaskStart<T>(
  coro: Coroutine<T>,
  options?: CreateTaskOptions,
): Coroutine<Task<T>> {
  checkCoroutine("createTaskStart", "coro", coro);
  checkOptions("createTaskStart", options);
  return createTaskStartImpl(coro, options);
}

function* createTaskStartImpl<T>(
  coro: Coroutine<T>,
  options?: CreateTaskOptions,
): Coroutine<Task<T>> {
  const t = createTask(coro, { name: options?.name });
  yield* sleep(0);
  return t;
}

/**
 * The tasks whose next step is in the ready queue.
 *
 * @param loop The loop; the running loop by default.
 * @returns A new set.
 *
 * @example
 * ```ts
 * import { allTasks, createTask, currentTask, run, sleep } from "@x/runner";
 * import { blockedTasks, runnableTasks } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const a = createTask(sleep(0));
 *   const b = createTask(sleep(10));
 *   yield* sleep(0); // a and b take their first step
 *   assert.deepEqual(runnableTasks(), new Set([a]));
 *   assert.deepEqual(blockedTasks(), new Set([b]));
 *   assert.deepEqual(allTasks(), new Set([...runnableTasks(), ...blockedTasks(), currentTask()]));
 *   yield* b;
 * })());
 * ```
 */
export function runnableTasks(loop?: EventLoop): Set<Task<unknown>> {
  optLoop("runnableTasks", "loop", loop);
  return new Set(readyTasks(loop));
}

/**
 * The tasks waiting on a pending future: all tasks but the runnable ones
 * and the current one.
 *
 * @param loop The loop; the running loop by default.
 * @returns A new set.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { blockedTasks } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(10));
 *   yield* sleep(0);
 *   assert.ok(blockedTasks().has(t));
 *   yield* t;
 * })());
 * ```
 */
export function blockedTasks(loop?: EventLoop): Set<Task<unknown>> {
  optLoop("blockedTasks", "loop", loop);
  const l = loop ?? getRunningLoop();
  const out = allTasks(l);
  for (const t of readyTasks(l)) out.delete(t);
  const current = l._currentTask;
  if (current !== null) out.delete(current);
  return out;
}

/**
 * Raised by {@linkcode awaitSync} when the coroutine blocks; its `cause` is
 * the {@linkcode SynchronousAbort} that was thrown into the coroutine.
 *
 * @example
 * ```ts
 * import { SynchronousError } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new SynchronousError("x").name, "SynchronousError");
 * ```
 */
export class SynchronousError extends Error {
  /**
   * Makes the error.
   *
   * @param message The message.
   * @param options `cause`.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    named(this, "SynchronousError");
  }
}

/**
 * Thrown into a coroutine driven by {@linkcode awaitSync} at the point where
 * it blocked, so its cleanup runs (a coroutine may catch it and return a
 * value instead).
 *
 * @example
 * ```ts
 * import { SynchronousAbort } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new SynchronousAbort().name, "SynchronousAbort");
 * ```
 */
export class SynchronousAbort extends Error {
  /**
   * Makes the error.
   *
   * @param message The message.
   */
  constructor(message?: string) {
    super(message ?? "coroutine blocked during a synchronous drive");
    named(this, "SynchronousAbort");
  }
}

/**
 * Runs `coro` synchronously, handing each value it yields to `callback`
 * and sending back what the callback returns (a bare yield gets the resume
 * it needs when the callback returns `undefined`). Unlike a task, it takes
 * a generator that yields anything (its yield type is not
 * `Suspend`): the callback decides what each yield means. An error thrown by the
 * callback is thrown into the coroutine; a {@linkcode GeneratorExit} from
 * the callback closes the coroutine and propagates.
 *
 * @param coro The coroutine.
 * @param callback Called with every yielded value.
 * @returns The coroutine's return value.
 * @throws {TypeError} `a coroutine was expected, got …`.
 *
 * @example
 * ```ts
 * import { coroDrive } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const r = coroDrive((function* () {
 *   const v = (yield "need-value") as number;
 *   return v + 1;
 * })(), (y) => {
 *   assert.equal(y, "need-value");
 *   return 41;
 * });
 * assert.equal(r, 42);
 * ```
 */
export function coroDrive<T>(
  coro: Generator<unknown, T, unknown>,
  callback: (yielded: unknown) => unknown,
): T {
  checkCoroutine("coroDrive", "coro", coro);
  checkFunction("coroDrive", "callback", callback);
  let mode: 0 | 1 = 0;
  let value: unknown = undefined;
  for (;;) {
    const r = stepCoro(coro, mode, value, undefined);
    if (r.done === true) return r.value;
    const y = r.value;
    try {
      value = callback(y);
      mode = 0;
      if (y === undefined && value === undefined) value = WAKE;
    } catch (e) {
      if (e instanceof GeneratorExit) {
        closeCoro(coro as Coroutine<unknown>, undefined);
        throw e;
      }
      mode = 1;
      value = e;
    }
  }
}

/** Options of {@linkcode awaitSync}. */
export interface AwaitSyncOptions {
  /** Let bare yields (`sleep(0)`) pass (default `true`). */
  ignoreNullsleep?: boolean;
}

/**
 * Runs a coroutine to completion synchronously, without an event loop, as
 * long as it never blocks (never waits on a pending future). When it would,
 * a {@linkcode SynchronousAbort} is thrown into it at that point (so its
 * cleanup runs), and a {@linkcode SynchronousError} is raised to the caller.
 * Lets one `function*` serve both synchronous and asynchronous callers.
 * It drives through {@linkcode driveAsync}, so the coroutine runs inside a
 * sync-drive session ({@linkcode leaveSync} works in it).
 *
 * @param coro The coroutine.
 * @param options `ignoreNullsleep`.
 * @returns The coroutine's return value.
 * @throws {SynchronousError} `coroutine failed to complete synchronously …`.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { awaitSync, SynchronousError } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * function* parse(text: string) {
 *   yield* sleep(0); // fine: a bare yield
 *   return text.split(",");
 * }
 * assert.deepEqual(awaitSync(parse("a,b")), ["a", "b"]); // no loop needed
 * await run((function* () {
 *   // inside a task too, but waiting on a timer cannot complete synchronously
 *   assert.throws(() => awaitSync(sleep(10)), SynchronousError);
 * })());
 * ```
 */
export function awaitSync<T>(
  coro: Coroutine<T>,
  options?: AwaitSyncOptions,
): T {
  checkCoroutine("awaitSync", "coro", coro);
  checkOptions("awaitSync", options);
  optBoolean("awaitSync", "options.ignoreNullsleep", options?.ignoreNullsleep);
  const ignore = options?.ignoreNullsleep !== false;
  let blockedOn: unknown = undefined;
  let aborted = false;
  const callback = (y: unknown): unknown => {
    if (ignore && y === undefined) return undefined;
    if (!aborted) {
      aborted = true;
      blockedOn = y;
      throw new SynchronousAbort();
    }
    throw new GeneratorExit();
  };
  try {
    return driveAsync(coro, callback);
  } catch (e) {
    if (e instanceof GeneratorExit || e instanceof SynchronousAbort) {
      throw new SynchronousError(
        `coroutine failed to complete synchronously (it blocked on ${
          describe(blockedOn)
        })`,
        { cause: e },
      );
    }
    throw e;
  }
}

/**
 * Raised by {@linkcode requireSyncDrive} (and so by a {@linkcode leaveSync}
 * coroutine) outside an active sync-drive session.
 *
 * @example
 * ```ts
 * import { requireSyncDrive, SyncDriveRequiredError } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => requireSyncDrive(), SyncDriveRequiredError);
 * ```
 */
export class SyncDriveRequiredError extends Error {
  /**
   * Makes the error.
   *
   * @param message The message.
   */
  constructor(message?: string) {
    super(message);
    named(this, "SyncDriveRequiredError");
  }
}

// A sync-drive session is tied to the context it was opened in (as in
// asynkit): a copy taken during the drive (a task created then, say) carries
// the session id, but the id is active only until the drive ends.
const syncDriveSession = new ContextVar<number>("@x/runner syncDriveSession", {
  default: 0,
});
const activeSessions = new Set<number>();
let lastSession = 0;

/**
 * `coroDrive` inside a sync-drive session (asynkit's `drive_async`): while
 * it runs, {@linkcode inSyncDrive} is true for the coroutine and for the
 * callback, so {@linkcode leaveSync} coroutines may call their blocking
 * functions. Custom synchronous pumps use this rather than plain
 * `coroDrive`, which opens no session.
 *
 * @param coro The coroutine.
 * @param callback Called with every yielded value, as for `coroDrive`.
 * @returns The coroutine's return value.
 * @throws {TypeError} `a coroutine was expected, got …`.
 *
 * @example
 * ```ts
 * import { driveAsync, inSyncDrive } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const seen: boolean[] = [];
 * const r = driveAsync((function* () {
 *   seen.push(inSyncDrive());
 *   return (yield "ask") as number;
 * })(), () => {
 *   seen.push(inSyncDrive());
 *   return 7;
 * });
 * assert.equal(r, 7);
 * assert.deepEqual(seen, [true, true]);
 * assert.equal(inSyncDrive(), false);
 * ```
 */
export function driveAsync<T>(
  coro: Generator<unknown, T, unknown>,
  callback: (yielded: unknown) => unknown,
): T {
  if (!isCoroutine(coro)) checkCoroutine("driveAsync", "coro", coro);
  checkFunction("driveAsync", "callback", callback);
  const id = ++lastSession;
  const token = syncDriveSession.set(id);
  activeSessions.add(id);
  try {
    return coroDrive(coro, callback);
  } finally {
    activeSessions.delete(id);
    syncDriveSession.reset(token);
  }
}

/**
 * Whether the caller runs inside an active sync-drive session
 * ({@linkcode driveAsync}, {@linkcode awaitSync}, {@linkcode enterAsync}).
 * A real event loop, plain `coroDrive`, and a task created during a drive
 * but run after it are all outside.
 *
 * @returns `true` inside a session.
 *
 * @example
 * ```ts
 * import { awaitSync, inSyncDrive } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * assert.equal(inSyncDrive(), false);
 * assert.equal(awaitSync((function* () { return inSyncDrive(); })()), true);
 * ```
 */
export function inSyncDrive(): boolean {
  const id = syncDriveSession.get();
  return id !== 0 && activeSessions.has(id);
}

/**
 * Throws unless the caller runs inside an active sync-drive session.
 *
 * @throws {SyncDriveRequiredError} "operation requires a coroutine being
 * synchronously driven (e.g. via awaitSync())".
 *
 * @example
 * ```ts
 * import { awaitSync, requireSyncDrive } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => requireSyncDrive(), /synchronously driven/);
 * awaitSync((function* () { requireSyncDrive(); })());
 * ```
 */
export function requireSyncDrive(): void {
  if (!inSyncDrive()) {
    throw new SyncDriveRequiredError(
      "operation requires a coroutine being synchronously driven (e.g. via awaitSync())",
    );
  }
}

/**
 * Lets synchronous callers enter non-blocking async code (asynkit's
 * `enterasync`): a function that runs `fn`'s coroutine with
 * {@linkcode awaitSync}, forwarding `this` and the arguments, so it serves
 * as a method too (asynkit's `enterasyncmethod` exists only for Python's
 * descriptor typing).
 *
 * @param fn A `function*`.
 * @returns A synchronous function giving the coroutine's result.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example
 * ```ts
 * import { enterAsync, leaveSync } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * class Client {
 *   data = "payload";
 *   blockingRead(): string {
 *     return this.data;
 *   }
 *   readAsync = leaveSync(this.blockingRead);
 *   *fetchAsync() {
 *     return (yield* this.readAsync()).toUpperCase();
 *   }
 *   fetch = enterAsync(this.fetchAsync);
 * }
 * assert.equal(new Client().fetch(), "PAYLOAD");
 * ```
 */
export function enterAsync<A extends unknown[], T, This = unknown>(
  fn: (this: This, ...args: A) => Coroutine<T>,
): (this: This, ...args: A) => T {
  checkFunction("enterAsync", "fn", fn);
  const wrapper = function (this: This, ...args: A): T {
    return awaitSync(fn.apply(this, args));
  };
  Object.defineProperty(wrapper, "name", { value: fn.name });
  return wrapper;
}

/**
 * Lets sync-driven async code leave into a blocking synchronous function
 * (asynkit's `leavesync`): a coroutine function that calls `fn`, forwarding
 * `this` and the arguments. Awaited outside an active sync-drive session it
 * throws {@linkcode SyncDriveRequiredError}; the check happens when the
 * coroutine is awaited, not when it is called.
 *
 * @param fn The blocking function.
 * @returns A `function*` giving `fn`'s result.
 * @throws {TypeError} When `fn` is not a function.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { awaitSync, leaveSync, SyncDriveRequiredError } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const read = leaveSync(() => "foo");
 * assert.equal(awaitSync(read()), "foo");
 * await run((function* () {
 *   const c = read(); // nothing checked yet
 *   assert.throws(() => c.next(), SyncDriveRequiredError); // a real loop
 * })());
 * ```
 */
export function leaveSync<A extends unknown[], T, This = unknown>(
  fn: (this: This, ...args: A) => T,
): (this: This, ...args: A) => Coroutine<T> {
  checkFunction("leaveSync", "fn", fn);
  // deno-lint-ignore require-yield -- finishes in one step, by design
  const wrapper = function* (this: This, ...args: A): Coroutine<T> {
    requireSyncDrive();
    return fn.apply(this, args);
  };
  Object.defineProperty(wrapper, "name", { value: fn.name });
  return wrapper;
}

/**
 * An async iterator that can be driven synchronously: its steps are
 * coroutines, as `GeneratorObjectIterator`'s are.
 */
export interface CoroutineAsyncIterator<T> {
  /** The next value, as a coroutine. */
  anext(): Coroutine<IteratorResult<T, unknown>>;
}

/**
 * Iterates synchronously over an async iterator whose steps are coroutines
 * (asynkit's `aiter_sync`): each `anext()` is driven with
 * {@linkcode awaitSync}, so a step that blocks raises
 * {@linkcode SynchronousError}.
 *
 * @param it A `GeneratorObjectIterator` (or anything with a coroutine
 * `anext()`).
 * @returns A generator of its values.
 * @throws {TypeError} For a native async iterable: its steps are Promises,
 * which settle only after the synchronous caller has returned.
 *
 * @example
 * ```ts
 * import { GeneratorObject } from "@x/runner/monitor";
 * import { aiterSync } from "@x/runner/scheduling";
 * import assert from "node:assert/strict";
 *
 * const g = new GeneratorObject<number>();
 * const it = g.iterate((function* () {
 *   for (let i = 0; i < 5; i++) yield* g.ayield(i);
 * })());
 * assert.deepEqual([...aiterSync(it)], [0, 1, 2, 3, 4]);
 * ```
 */
export function aiterSync<T>(
  it: CoroutineAsyncIterator<T>,
): Generator<T, void, undefined> {
  if (
    it === null || typeof it !== "object" ||
    typeof (it as CoroutineAsyncIterator<T>).anext !== "function"
  ) {
    const native = it !== null && typeof it === "object" &&
      typeof (it as object as AsyncIterable<T>)[Symbol.asyncIterator] ===
        "function";
    throw new TypeError(
      native
        ? "aiterSync(): it: cannot drive a native async iterable: its steps are " +
          "Promises, which settle only after synchronous code returns; pass " +
          "an iterator whose steps are coroutines (GeneratorObjectIterator)"
        : `aiterSync(): it must be an iterator with a coroutine anext() ` +
          `(GeneratorObjectIterator), got ${describe(it)}`,
    );
  }
  return iterSync(it);
}

function* iterSync<T>(
  it: CoroutineAsyncIterator<T>,
): Generator<T, void, undefined> {
  for (;;) {
    const r = awaitSync(it.anext());
    if (r.done === true) return;
    yield r.value;
  }
}
