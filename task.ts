/**
 * Tasks: a {@linkcode Task} drives one coroutine (a generator object) on the
 * loop, one step per loop iteration, and can be cancelled at any suspension
 * point: a `CancelledError` is thrown into the coroutine where it waits, so
 * `try`/`finally` cleanup runs, including cleanup that itself `yield*`s.
 *
 * Also here: {@linkcode createTask}, {@linkcode currentTask},
 * {@linkcode allTasks}, {@linkcode sleep}, {@linkcode gather},
 * {@linkcode ensureFuture} and {@linkcode fromPromise}.
 *
 * @example
 * ```ts
 * import { createTask, gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * function* work(name: string, ms: number) {
 *   yield* sleep(ms);
 *   return name;
 * }
 * const names = await run((function* () {
 *   const a = createTask(work("a", 20));
 *   const b = createTask(work("b", 10));
 *   return yield* gather([a, b]);
 * })());
 * assert.deepEqual(names, ["a", "b"]);
 * ```
 *
 * @module
 */

import {
  Context,
  type ContextMap,
  contextSnapshot,
  taskContextOf,
} from "./_context.ts";
import { type Coroutine, isCoroutine, type Suspend } from "./_coro.ts";
import {
  badYield,
  bareYield,
  forgetCoroTask,
  takeFuture,
  WAKE,
} from "./_yield.ts";
import { contextState, isEntered } from "./_context_state.ts";
import { CancelledError, KeyboardInterrupt } from "./_errors.ts";
import { Handle, reportCallbackError, type RunEntry } from "./_handle.ts";
import {
  CANCELLED,
  cancelledErrorOf,
  FLAG_BARE,
  FLAG_CORO_TASK,
  FLAG_MUST_CANCEL,
  FLAG_STARTED,
  NO_EXC,
  PENDING,
  runLoneCallback,
  STATE_MASK,
} from "./_future_bits.ts";
import { Parking } from "./_parking_lot.ts";
import { SLEEP_NEW, SleepTimer } from "./_sleep_timer.ts";
import { getRunningLoop, runningState } from "./_events.ts";
import { Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import {
  checkCoroutine,
  checkLoop,
  checkOptions,
  checkTime,
  optBoolean,
  optContext,
  optLoop,
  optString,
} from "./_validate.ts";

export type { Coroutine, Suspend };
export {
  type Awaitable,
  type AwaitedOf,
  ensureFuture,
  fromPromise,
  type FromPromiseOptions,
  gather,
  type GatherOptions,
  toFuture,
} from "./_awaitables.ts";

/** Options of {@linkcode Task} and {@linkcode createTask}. */
export interface TaskOptions {
  /** The task's name; `Task-N` by default. */
  name?: string;
  /** The context the task runs in; a copy of the current one by default. */
  context?: Context;
  /**
   * Python's `eager_start` (3.12's Task, 3.14's `create_task`, asynkit's
   * `create_task(eager_start=True)`): when the loop is running, the first
   * step runs now, inside the call, instead of on the next iteration; a
   * coroutine that finishes without waiting gives a task that is done
   * already. `createTask` honours it whatever task factory is set. (Falls
   * back to a normal start when the task's context is the one being
   * executed.)
   */
  eagerStart?: boolean;
}

/** Options of the {@linkcode Task} constructor. */
export interface TaskConstructorOptions extends TaskOptions {
  /** The loop to run on; the running loop by default. */
  loop?: EventLoop;
}

let taskCounter = 0;

/**
 * A Future that runs a coroutine: asyncio's `Task`.
 *
 * The first step runs on the next loop iteration. Each step resumes the
 * coroutine until it yields: `yield* future` suspends it until that future
 * is done; `yield* sleep(0)` (a bare `undefined` yield) lets every other
 * ready callback run once; anything else yielded is an error thrown back into
 * the coroutine (`Task got bad yield: …`).
 *
 * @typeParam T The coroutine's return type.
 *
 * @example Cancel a task; its `finally` runs
 * ```ts
 * import { CancelledError, Runner, createTask, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * function* worker() {
 *   try {
 *     yield* sleep(10_000);
 *   } finally {
 *     log.push("cleanup");
 *   }
 * }
 * await using runner = new Runner();
 * await runner.run((function* () {
 *   const t = createTask(worker());
 *   yield* sleep(0);
 *   t.cancel("enough");
 *   try {
 *     yield* t;
 *   } catch (e) {
 *     assert.ok(e instanceof CancelledError);
 *     assert.equal(e.message, "enough");
 *   }
 *   assert.ok(t.cancelled());
 * })());
 * assert.deepEqual(log, ["cleanup"]);
 * ```
 */
export class Task<T> extends Future<T> {
  // The state of a pending task, at every point between two steps. The
  // task itself is its step's ready entry (`_runEntry` runs the step; a
  // Handle is made for it only when one is exposed). Exactly one holds:
  //
  // - runnable: its entry is in the ready queue once, and `_futWaiter` is
  //   null (or, just after a wake-up, the done future it waited on, read
  //   by the cancel path of the next step);
  // - waiting on a future: `_futWaiter` is that pending future and the
  //   task is among its waiters (`_addWaiter`), not in the ready queue;
  // - parked: `_futWaiter` is the lot (or sleep entry) and FLAG_PARKED is
  //   set; a wake-up or a cancel takes it out and queues the entry.
  //
  // `_mustCancel` (FLAG_MUST_CANCEL): cancel() found nothing to cancel
  // that would wake the task (no waiter, or a done one), so the next step
  // throws a CancelledError in; while waiting, cancel() cancels the waiter
  // instead and leaves the flag clear. `_pendingExc` is an error the next
  // step throws in (a bad yield), and FLAG_BARE says the last step ended
  // with a bare yield, so the next one resumes with WAKE (see _yield.ts).
  /** @internal */
  _coro: Coroutine<T>;
  /** @internal The name, or the `N` of `Task-N` until the name is asked for. */
  _name: string | number;
  /**
   * @internal The task's context, or until someone needs that object, the
   * map of the context it was created in (see `taskContextOf`).
   */
  _context: Context | ContextMap;
  /** @internal The loop's list of pending tasks (intrusive, O(1) removal). */
  _prevTask: Task<unknown> | null;
  /** @internal */
  _nextTask: Task<unknown> | null;
  /** @internal Its loop, seen whole (a Future sees only `LoopCore`). */
  declare _loop: EventLoop;
  /** @internal See `ReadyItem._runEntry`. */
  declare readonly _runEntry: RunEntry;

  /**
   * @internal The yield rule applied to `task` as if its own step had
   * produced `yielded` (a driver handing a started coroutine over to it).
   */
  static _handleYield(task: Task<unknown>, yielded: unknown): void {
    handleYield(task, yielded);
  }

  /**
   * @internal `new Task` with `eagerStart`, its first step run after the
   * constructor returned (see `newEagerTask`).
   */
  static _newEager<T>(
    coro: Coroutine<T>,
    options: TaskConstructorOptions,
    loop: EventLoop,
  ): Task<T> {
    return newEagerTask(coro as Coroutine<unknown>, options, loop) as Task<T>;
  }

  /**
   * @internal Starts eagerly a task whose first step is still last in the
   * ready queue (a task factory's, for `createTask(coro, { eagerStart })`).
   */
  static _startQueued(task: Task<unknown>): void {
    eagerStartQueued(task);
  }

  /**
   * Wraps `coro` in a task and schedules its first step. Prefer
   * {@linkcode createTask} or `loop.createTask`.
   *
   * @param coro The coroutine (a generator object, not the function).
   * @param options `loop`, `name`, `context`.
   * @param loop The loop, overriding `options.loop` (used by
   * `EventLoop.createTask`, which then needs no options object).
   * @throws {TypeError} `a coroutine was expected, got …`.
   * @throws {Error} `Event loop is closed`.
   */
  constructor(
    coro: Coroutine<T>,
    options?: TaskConstructorOptions,
    loop?: EventLoop,
  ) {
    if (!isCoroutine(coro)) checkCoroutine("Task", "coro", coro);
    if (options != null) checkTaskOptions("Task", options, true);
    if (loop !== undefined && loop !== runningState.loop) {
      checkLoop("Task", "loop", loop);
    }
    super(options, loop);
    loop = this._loop;
    loop._checkClosed();
    this._coro = coro;
    const name = options?.name;
    this._name = name === undefined ? ++taskCounter : String(name);
    this._context = options?.context ?? contextSnapshot();
    // Link into the loop's list of pending tasks.
    const head = loop._taskHead;
    this._prevTask = null;
    this._nextTask = head;
    if (head !== null) head._prevTask = this as Task<unknown>;
    loop._taskHead = this as Task<unknown>;
    if (
      options?.eagerStart === true && loop._onStack &&
      !(this._context instanceof Context && isEntered(this._context))
    ) {
      // The library's own eager paths run the first step once the
      // constructor has returned (see newEagerTask).
      if (deferEagerStep) deferredEager = this as Task<unknown>;
      else eagerStep(this as Task<unknown>);
    } else {
      loop._pushReady(this);
    }
  }

  /**
   * @internal The future (or parking lot) this task waits on, if any. A
   * pending task keeps it in `_result`, which only a done task uses: a field
   * fewer in every task. A done task reads `null`; only a pending task's is
   * ever written (by the step, the yield rule, sleeps and parking lots).
   */
  get _futWaiter(): Future<unknown> | Parking | null {
    if ((this._flags & STATE_MASK) !== PENDING) return null;
    return (this._result as Future<unknown> | Parking | null | undefined) ??
      null;
  }
  set _futWaiter(w: Future<unknown> | Parking | null) {
    this._result = w as T;
  }

  /** @internal */
  override _stepOf(): Task<unknown> | null {
    return this._state === PENDING ? this as Task<unknown> : null;
  }

  /** @internal A handle for the queued step (or done callback). */
  override _toHandle(): Handle {
    if (this._state !== PENDING) return super._toHandle();
    return new Handle(
      stepTask,
      this,
      this.getContext(),
      this._loop,
      this as Task<unknown>,
    );
  }

  /** @internal A CancelledError is to be thrown in at the next step. */
  get _mustCancel(): boolean {
    return (this._flags & FLAG_MUST_CANCEL) !== 0;
  }
  set _mustCancel(on: boolean) {
    this._flags = on
      ? this._flags | FLAG_MUST_CANCEL
      : this._flags & ~FLAG_MUST_CANCEL;
  }

  /** @internal The coroutine has been stepped (here or by another driver). */
  get _started(): boolean {
    return (this._flags & FLAG_STARTED) !== 0;
  }
  set _started(on: boolean) {
    this._flags = on ? this._flags | FLAG_STARTED : this._flags & ~FLAG_STARTED;
  }

  /** @internal */
  get _numCancelsRequested(): number {
    const x = this._extra;
    return x === null ? 0 : x.numCancelsRequested;
  }
  set _numCancelsRequested(n: number) {
    if (n === 0 && this._extra === null) return;
    this._extraFields().numCancelsRequested = n;
  }

  /** @internal An error to throw into the coroutine at the next step. */
  get _pendingExc(): unknown {
    const x = this._extra;
    return x === null ? NO_EXC : x.pendingExc;
  }
  set _pendingExc(e: unknown) {
    if (e === NO_EXC && this._extra === null) return;
    this._extraFields().pendingExc = e;
  }

  /**
   * The task's name.
   *
   * @returns The name (`Task-N` unless one was given).
   *
   * @example
   * ```ts
   * import { run, currentTask } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const name = await run((function* () { return currentTask()!.getName(); })());
   * assert.match(name, /^Task-\d+$/);
   * ```
   */
  getName(): string {
    const name = this._name;
    return typeof name === "string" ? name : (this._name = `Task-${name}`);
  }

  /**
   * Renames the task.
   *
   * @param name The new name (converted to a string).
   *
   * @example
   * ```ts
   * import { run, currentTask } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   currentTask()!.setName("main");
   *   assert.equal(currentTask()!.getName(), "main");
   * })());
   * ```
   */
  setName(name: unknown): void {
    this._name = String(name);
  }

  /**
   * The coroutine the task drives.
   *
   * @returns The generator object.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const coro = (function* () {})();
   * const task = loop.createTask(coro);
   * assert.equal(task.getCoro(), coro);
   * await loop.runUntilComplete(task);
   * loop.close();
   * ```
   */
  getCoro(): Coroutine<T> {
    return this._coro;
  }

  /**
   * The context every step of the task runs in.
   *
   * @returns The context.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import { Context } from "@x/runner/context";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const ctx = new Context();
   * const task = loop.createTask((function* () {})(), { context: ctx });
   * assert.equal(task.getContext(), ctx);
   * await loop.runUntilComplete(task);
   * loop.close();
   * ```
   */
  getContext(): Context {
    return taskContextOf(this as Task<unknown>);
  }

  /**
   * Asks the task to stop: a `CancelledError` (with `msg`) is thrown into
   * the coroutine at its current suspension point, or at its first step if
   * it has not started (its body then never runs). When the task waits on
   * another future or task, that one is cancelled instead, which wakes it.
   *
   * @param msg The message of the `CancelledError`.
   * @returns `false` when the task is already done, else `true`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * let ran = false;
   * const task = loop.createTask((function* () { ran = true; })());
   * assert.equal(task.cancel("early"), true);
   * await assert.rejects(loop.runUntilComplete(task), { name: "CancelledError", message: "early" });
   * assert.equal(ran, false);
   * loop.close();
   * ```
   */
  override cancel(msg?: string): boolean {
    if (msg != null && typeof msg !== "string") {
      optString("Task.cancel", "msg", msg);
    }
    this._retrieved();
    if (this._state !== PENDING) return false;
    this._numCancelsRequested++;
    const waiter = this._futWaiter;
    if (waiter instanceof Parking) {
      // Parked: leave the lot and take the CancelledError at the next step.
      if (waiter._removeWaiter(this as Task<unknown>)) {
        // As a cancelled future's wake-up does: this first message wins.
        // The error itself is made by the step: one made here would keep
        // this task alive in its captured frames (see ReadyItem._runEntry).
        this._pendingExc = new PendingCancel(msg);
        this._loop._pushReady(this);
      }
    } else if (waiter !== null && waiter.cancel(msg)) return true;
    this._mustCancel = true;
    this._cancelMessage = msg;
    return true;
  }

  /**
   * How many cancellations were requested and not taken back by
   * {@linkcode Task.uncancel}.
   *
   * @returns The count.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const task = loop.createTask((function* () {})());
   * task.cancel();
   * task.cancel();
   * assert.equal(task.cancelling(), 2);
   * await loop.runUntilComplete(task).catch(() => {});
   * loop.close();
   * ```
   */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /**
   * Takes back one cancellation request (structured code that turned a
   * cancellation into something else, such as a timeout, calls this).
   *
   * @returns The remaining count.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const task = loop.createTask((function* () {})());
   * task.cancel();
   * assert.equal(task.uncancel(), 0);
   * assert.equal(task.uncancel(), 0);
   * await loop.runUntilComplete(task).catch(() => {});
   * loop.close();
   * ```
   */
  uncancel(): number {
    if (this._numCancelsRequested > 0) this._numCancelsRequested--;
    return this._numCancelsRequested;
  }

  /**
   * Not supported: a task's result is its coroutine's return value.
   *
   * @param _value Ignored.
   * @throws {Error} Always.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const t = loop.createTask((function* () {})());
   * assert.throws(() => t.setResult(undefined), /does not support set_result/);
   * await loop.runUntilComplete(t);
   * loop.close();
   * ```
   */
  override setResult(_value: T): never {
    throw new Error("Task does not support set_result operation");
  }

  /**
   * Not supported: a task fails when its coroutine throws.
   *
   * @param _exception Ignored.
   * @throws {Error} Always.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const t = loop.createTask((function* () {})());
   * assert.throws(() => t.setException(new Error()), /does not support set_exception/);
   * await loop.runUntilComplete(t);
   * loop.close();
   * ```
   */
  override setException(_exception: unknown): never {
    throw new Error("Task does not support set_exception operation");
  }

  /** @internal */
  override _kind(): string {
    return "Task";
  }

  /** @internal */
  override _reportName(): string | number {
    return this._name;
  }

  /** @internal */
  override _stateInfo(): string {
    let s = this._state === PENDING && this._numCancelsRequested > 0
      ? "cancelling"
      : super._stateInfo().replace(/ cb=\[\d+\]/, "");
    s = s.replace(/^(\w+)/, `$1 name='${this.getName()}'`);
    if (this._futWaiter !== null && this._state === PENDING) {
      s += ` wait_for=${this._futWaiter}`;
    }
    return s;
  }

  /** @internal */
  override _onDone(): void {
    if ((this._flags & FLAG_CORO_TASK) !== 0) forgetCoroTask(this);
    // A cancelled task's `_result` may still hold what it waited on.
    if ((this._flags & STATE_MASK) === CANCELLED) this._result = undefined;
    const prev = this._prevTask;
    const next = this._nextTask;
    if (prev !== null) prev._nextTask = next;
    else if (this._loop._taskHead === this) this._loop._taskHead = next;
    if (next !== null) next._prevTask = prev;
    this._prevTask = this._nextTask = null;
  }
}

/** Runs a task's first step now, with the task as the current one. */
function eagerStep(task: Task<unknown>): void {
  const loop = task._loop;
  const creator = loop._currentTask;
  loop._currentTask = null;
  // As in runTaskEntry: the step's context is the running task's (this one's).
  const prev = contextState.current;
  contextState.current = null;
  try {
    stepTask(task);
  } finally {
    contextState.current = prev;
    loop._currentTask = creator;
  }
}

// An eager first step run inside the constructor would have the new task as
// the receiver of a frame an error made in that step captures, and so keep
// the failed task alive with its error (see ReadyItem._runEntry): the
// library's eager paths construct with the step deferred, then run it.
let deferEagerStep = false;
let deferredEager: Task<unknown> | null = null;

/**
 * Starts eagerly a task whose first step is still queued (one a task
 * factory made for `createTask(coro, { eagerStart:
 * true })`), under the constructor's conditions.
 */
function eagerStartQueued(task: Task<unknown>): void {
  const loop = task._loop;
  if (
    task._state !== PENDING || task._started || !loop._onStack ||
    (task._context instanceof Context && isEntered(task._context))
  ) return;
  // Searched from the end: a priority queue may have put it before others.
  const i = loop._ready.lastIndexOf(task);
  if (i < 0) return;
  loop.readyPop(i);
  eagerStep(task);
}

/** `new Task(coro, options, loop)` with `eagerStart`, first step run after. */
function newEagerTask(
  coro: Coroutine<unknown>,
  options: TaskConstructorOptions,
  loop: EventLoop,
): Task<unknown> {
  deferEagerStep = true;
  let task: Task<unknown>;
  try {
    task = new Task(coro, options, loop);
  } finally {
    deferEagerStep = false;
  }
  if (deferredEager === task) {
    deferredEager = null;
    eagerStep(task);
  }
  return task;
}

/**
 * A task as a ready entry: a pending task runs its next step, a done one its
 * lone done callback (see `Future._scheduleLone`). A plain function, not a
 * method: see `ReadyItem._runEntry`.
 */
function runTaskEntry(task: Task<unknown>): void {
  if ((task._flags & STATE_MASK) !== PENDING) {
    runLoneCallback(task);
    return;
  }
  // The step does not enter the task's context: with no context entered
  // explicitly, the running task's context is the current one (see
  // _context_state.ts). A direct call also keeps stepTask inlinable.
  const prev = contextState.current;
  if (prev !== null) contextState.current = null;
  try {
    // A ContextMap has no `_entered`: one property test, not an instanceof
    // walk up a Map's prototype chain on every step.
    const ctx = task._context as Context;
    if (ctx._entered === true) {
      throw new Error(`cannot enter context: ${ctx} is already entered`);
    }
    stepPending(task);
  } catch (e) {
    reportCallbackError(
      e,
      stepTask,
      task,
      task.getContext(),
      task._loop,
      null,
      task,
    );
  } finally {
    if (prev !== null) contextState.current = prev;
  }
}
(Task.prototype as { _runEntry: RunEntry })._runEntry = runTaskEntry;

/** A cancellation to throw in at the next step, as its message. */
class PendingCancel {
  message: string | undefined;
  constructor(message: string | undefined) {
    this.message = message;
  }
}

/**
 * One step of a task (asyncio's `Task.__step`): resume the coroutine once,
 * with the error owed to it (a cancel, a bad yield) or with a plain (or
 * WAKE) `next()`, until it yields or ends. A return or a throw finishes the
 * task; a yield goes to `handleYield`, which queues, waits or parks the
 * task. No closure, no promise, no allocation on the way: the task is its
 * own ready entry, and it is the loop's current task only inside `next()`.
 */
function stepTask(task: Task<unknown>): void {
  if ((task._flags & STATE_MASK) !== PENDING) throw alreadyDone(task);
  stepPending(task);
}

/** The step of a task known to be pending (runTaskEntry checked it). */
function stepPending(task: Task<unknown>): void {
  if (
    (task._flags & (FLAG_BARE | FLAG_MUST_CANCEL)) === FLAG_BARE &&
    task._extra === null
  ) {
    stepBare(task);
  } else {
    stepFull(task);
  }
}

/**
 * The step of a task that last yielded bare (`sleep(0)`) and is owed
 * nothing: the switch W2 measures, so it does only what it must. It is
 * started, its waiter slot is empty (a bare yield sets none), and FLAG_BARE
 * stays set while it runs (only the step reads it), cleared unless it
 * yields bare again. Against the full step: 0.84× a warm W2 switch.
 */
function stepBare(task: Task<unknown>): void {
  const loop = task._loop;
  if (loop._currentTask !== null) throw enteringBusy(task, loop._currentTask);
  loop._currentTask = task;
  let r: IteratorResult<unknown, unknown>;
  try {
    r = task._coro.next(WAKE);
  } catch (e) {
    loop._currentTask = null;
    task._flags &= ~FLAG_BARE;
    stepThrew(task, e);
    return;
  }
  loop._currentTask = null;
  if (r.done !== true && r.value === undefined) {
    loop._pushReady(task);
    return;
  }
  task._flags &= ~FLAG_BARE;
  stepEnded(task, r);
}

/** Any other step: with the error owed, or after another kind of yield. */
function stepFull(task: Task<unknown>): void {
  // The rare paths live in the helpers below, so that this one stays small.
  const exc = task._extra !== null || (task._flags & FLAG_MUST_CANCEL) !== 0
    ? errorOwed(task)
    : NO_EXC;
  task._futWaiter = null;
  const loop = task._loop;
  if (loop._currentTask !== null) throw enteringBusy(task, loop._currentTask);
  loop._currentTask = task;
  // Read after errorOwed, which clears FLAG_MUST_CANCEL.
  const flags = task._flags;
  task._flags = (flags | FLAG_STARTED) & ~FLAG_BARE;
  let r: IteratorResult<unknown, unknown>;
  try {
    if (exc === NO_EXC) {
      r = (flags & FLAG_BARE) !== 0 ? task._coro.next(WAKE) : task._coro.next();
    } else {
      r = task._coro.throw(exc);
    }
  } catch (e) {
    loop._currentTask = null;
    stepThrew(task, e);
    return;
  }
  loop._currentTask = null;
  stepEnded(task, r);
}

/** What the step does with what the coroutine yielded or returned. */
function stepEnded(
  task: Task<unknown>,
  r: IteratorResult<unknown, unknown>,
): void {
  if (r.done !== true) handleYield(task, r.value);
  else if ((task._flags & FLAG_MUST_CANCEL) === 0) task._resolve(r.value);
  else returnedCancelled(task);
}

/** The error of stepping a done task. */
function alreadyDone(task: Task<unknown>): Error {
  return new Error(`_step(): already done: ${task}`);
}

/** The error of stepping a task inside another task's step. */
function enteringBusy(task: Task<unknown>, current: Task<unknown>): Error {
  return new Error(
    `Cannot enter into task ${task} while another task ${current} is being executed.`,
  );
}

/**
 * What the next step throws in, taken from the task: a pending error (a bad
 * yield, a cancel's message) and the cancellation it must take, or NO_EXC.
 */
function errorOwed(task: Task<unknown>): unknown {
  let exc: unknown = NO_EXC;
  const extra = task._extra;
  if (extra !== null) {
    exc = extra.pendingExc;
    extra.pendingExc = NO_EXC;
    if (exc !== NO_EXC && exc instanceof PendingCancel) {
      exc = new CancelledError(exc.message);
    }
  }
  if ((task._flags & FLAG_MUST_CANCEL) !== 0) {
    if (!(exc instanceof CancelledError)) {
      const fromWaiter = exc === NO_EXC ? wakeupCancelledError(task) : null;
      exc = fromWaiter ?? cancelledErrorOf(task);
    }
    task._flags &= ~FLAG_MUST_CANCEL;
  }
  return exc;
}

/** The coroutine threw `e` out of a step: the task ends with it. */
function stepThrew(task: Task<unknown>, e: unknown): void {
  if (e instanceof CancelledError) {
    task._cancelledExc = e;
    task._cancelMessage = undefined;
    task._finish(CANCELLED); // no message: asyncio's rule
    return;
  }
  task._reject(e);
  if (e instanceof KeyboardInterrupt) {
    // It stops the loop and reaches the caller: not lost, not reported.
    task._retrieved();
    throw e;
  }
}

/** The coroutine returned while a cancel was owed: the task is cancelled. */
function returnedCancelled(task: Task<unknown>): void {
  task._mustCancel = false;
  task._finish(CANCELLED);
}

/**
 * The error asyncio's `Task.__wakeup` hands a task that must cancel: the
 * awaited future's CancelledError, whether the future was cancelled or
 * failed with one, so its message wins over the task's own cancel. Reads the
 * outcome as `__wakeup`'s `future.result()` does (retrieving an exception).
 * Only the cancel path of a step calls this.
 */
function wakeupCancelledError(task: Task<unknown>): CancelledError | null {
  const w = task._futWaiter;
  // A parking lot holds no outcome: the task was woken or cancelled there.
  if (!(w instanceof Future) || w._state === PENDING) return null;
  if (w._state === CANCELLED) return cancelledErrorOf(w);
  if (!w._failed) return null;
  w._retrieved();
  const e = w._exception;
  return e instanceof CancelledError ? e : null;
}

/**
 * What a task does with the value its coroutine yielded: the rule of
 * `_yield.ts`. Drivers that hand a started coroutine over to a task apply
 * it through `Task._handleYield`.
 */
function handleYield(task: Task<unknown>, y: unknown): void {
  const loop = task._loop;
  if (y === undefined) {
    task._flags |= FLAG_BARE;
    loop._pushReady(task);
    return;
  }
  if (y instanceof Future) {
    const err = takeFuture(task, y);
    if (err !== null) {
      retry(task, err);
      return;
    }
    if ((y._flags & STATE_MASK) === PENDING) y._addWaiter(task);
    else loop._pushReady(task);
    task._futWaiter = y;
    if (task._mustCancel && y.cancel(task._cancelMessage)) {
      task._mustCancel = false;
    }
    return;
  }
  if (
    y instanceof Parking &&
    !(y instanceof SleepTimer && y._phase === SLEEP_NEW) // `yield sleep(1)`
  ) {
    y._park(task);
    if (task._mustCancel && task._futWaiter === y) {
      y._removeWaiter(task);
      loop._pushReady(task);
    }
    return;
  }
  retry(task, badYield(task, y));
}

/** Schedules a step that throws `err` into the coroutine. */
function retry(task: Task<unknown>, err: Error): void {
  task._pendingExc = err;
  task._loop._pushReady(task);
}

/**
 * Schedules `coro` as a task on the running loop (asyncio's `create_task`).
 *
 * @param coro The coroutine: call the `function*` first.
 * @param options `name` and `context`.
 * @returns The task.
 * @throws {Error} `no running event loop` outside the loop (the message
 * says how to start a task from host code: `runner.getLoop().createTask()`).
 * @throws {TypeError} `a coroutine was expected, got …`.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   const t = createTask((function* () { yield* sleep(1); return 2; })(), { name: "two" });
 *   assert.equal(t.getName(), "two");
 *   return yield* t;
 * })());
 * assert.equal(r, 2);
 * ```
 */
export function createTask<T>(
  coro: Coroutine<T>,
  options?: TaskOptions,
): Task<T> {
  const loop = runningState.loop;
  if (loop === null) {
    throw new Error(
      "no running event loop: createTask() works inside a task or a loop callback; from host code (a request handler, a promise callback) hold the loop and call its createTask(), e.g. runner.getLoop().createTask(coro)",
    );
  }
  return loop.createTask(coro, options);
}

/**
 * The task whose step is running on `loop` (the running loop by default).
 *
 * @param loop The loop to ask.
 * @returns The task, or `null` outside a task step.
 * @throws {Error} `no running event loop` when no loop is given or running.
 *
 * @example
 * ```ts
 * import { currentTask, run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   assert.ok(currentTask() !== null);
 * })());
 * ```
 */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  optLoop("currentTask", "loop", loop);
  return (loop ?? getRunningLoop())._currentTask;
}

/**
 * The tasks of `loop` (the running loop by default) that are not done, in
 * the order they were created (oldest first; asyncio's set has no promised
 * order).
 *
 * @param loop The loop to ask.
 * @returns A new set, iterated oldest first.
 * @throws {Error} `no running event loop` when no loop is given or running.
 *
 * @example
 * ```ts
 * import { allTasks, createTask, currentTask, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(5));
 *   assert.deepEqual(allTasks(), new Set([currentTask(), t]));
 *   yield* t;
 * })());
 * ```
 */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  optLoop("allTasks", "loop", loop);
  return (loop ?? getRunningLoop())._tasks;
}

/**
 * Suspends the current task for `ms` milliseconds, then returns `value`.
 * `sleep(0)` (or any delay of 0 or less) is the fast path: it yields to the
 * loop once, so every other ready task runs before this one resumes. Like
 * CPython's bare yield, `yield* sleep(0)` finishes on the next resume from
 * any driver (a hand-written `next()` loop too); a Task that drives
 * `sleep(0)` itself (`createTask(sleep(0))`) takes two steps.
 *
 * @param ms The delay in milliseconds.
 * @param value What to return.
 * @returns A coroutine to `yield*`.
 * @throws {TypeError} When `ms` is not a number.
 * @throws {RangeError} When `ms` is NaN.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   return yield* sleep(10, "rested");
 * })());
 * assert.equal(r, "rested");
 * ```
 */
export function sleep<T = void>(ms: number, value?: T): Coroutine<T> {
  if (typeof ms !== "number") checkTime("sleep", "ms", ms);
  if (ms > 0) return new SleepTimer(ms, value as T) as unknown as Coroutine<T>;
  if (ms !== ms) checkTime("sleep", "ms", ms);
  return bareYield(value as T);
}

/**
 * @internal Checks `createTask`'s options (`name` may be anything: it is
 * converted with `String`, as Python's `str(name)`), and with `ctor` those of
 * the Task constructor.
 */
export function checkTaskOptions(
  fn: string,
  options: unknown,
  ctor = false,
): void {
  checkOptions(fn, options);
  const o = options as TaskConstructorOptions;
  optContext(fn, "options.context", o.context);
  if (ctor) {
    optLoop(fn, "options.loop", o.loop);
    optBoolean(fn, "options.eagerStart", o.eagerStart);
  }
}
