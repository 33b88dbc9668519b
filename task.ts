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
  copyContext,
  taskContextOf,
} from "./context.ts";
import {
  type Coroutine,
  coroutineExpected,
  isCoroutine,
  isGeneratorFunction,
  WAKE,
} from "./_coro.ts";
import { contextState, isEntered, runningTask } from "./_context_state.ts";
import { addAwaitedBy, discardAwaitedBy } from "./_awaited_by.ts";
import { describe } from "./_describe.ts";
import { CancelledError, KeyboardInterrupt } from "./_errors.ts";
import { Handle, reportCallbackError } from "./_handle.ts";
import {
  FLAG_BARE,
  FLAG_MUST_CANCEL,
  FLAG_STARTED,
  NO_EXC,
} from "./_future_bits.ts";
import { taskHooks } from "./_task_hooks.ts";
import { getRunningLoop } from "./_running.ts";
import { CANCELLED, FINISHED, Future, PENDING } from "./future.ts";
import type { EventLoop } from "./loop.ts";

export type { Coroutine };

/** Options of {@linkcode Task} and {@linkcode createTask}. */
export interface TaskOptions {
  /** The task's name; `Task-N` by default. */
  name?: string;
  /** The context the task runs in; a copy of the current one by default. */
  context?: Context;
}

/** Options of the {@linkcode Task} constructor. */
export interface TaskConstructorOptions extends TaskOptions {
  /** The loop to run on; the running loop by default. */
  loop?: EventLoop;
  /**
   * Python 3.12's `eager_start`: when the loop is running, the first step
   * runs now, inside the constructor, instead of on the next iteration; a
   * coroutine that finishes without waiting gives a task that is done
   * already. (Falls back to a normal start when the task's context is the
   * one being executed.)
   */
  eagerStart?: boolean;
}

/** A value a coroutine can `yield*` on: a Future (or Task) or a coroutine. */
export type Awaitable<T> = Future<T> | Coroutine<T>;

/** The result type of an {@linkcode Awaitable}. */
export type AwaitedOf<A> = A extends Future<infer T> ? T
  : A extends Generator<unknown, infer T, unknown> ? T
  : never;

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
  /** @internal The future this task waits on, if any. */
  _futWaiter: Future<unknown> | null;

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
    if (!isCoroutine(coro)) throw coroutineExpected(coro, describe);
    super(options, loop);
    loop = this._loop;
    loop._checkClosed();
    this._coro = coro;
    const name = options?.name;
    this._name = name === undefined ? ++taskCounter : String(name);
    this._context = options?.context ?? contextSnapshot();
    this._futWaiter = null;
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
      this._eagerStart();
    } else {
      loop._pushReady(this);
    }
  }

  /**
   * @internal As a ready entry, a pending task runs its next step; a done
   * one runs its lone done callback (see `Future._scheduleLone`).
   */
  override _run(): void {
    if (this._state !== PENDING) {
      super._run();
      return;
    }
    // The step does not enter the task's context: with no context entered
    // explicitly, the running task's context is the current one (see
    // _context_state.ts). A direct call also keeps stepTask inlinable.
    const prev = contextState.current;
    if (prev !== null) contextState.current = null;
    try {
      const ctx = this._context;
      if (ctx instanceof Context && ctx._entered) {
        throw new Error(`cannot enter context: ${ctx} is already entered`);
      }
      stepTask(this as Task<unknown>);
    } catch (e) {
      reportCallbackError(
        e,
        stepTask,
        this,
        this.getContext(),
        this._loop,
        null,
        this,
      );
    } finally {
      if (prev !== null) contextState.current = prev;
    }
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

  /** @internal Runs the first step now, with this task as the current one. */
  _eagerStart(): void {
    const loop = this._loop;
    const creator = loop._currentTask;
    loop._currentTask = null;
    // As in _run: the step's context is the running task's (this one's).
    const prev = contextState.current;
    contextState.current = null;
    try {
      stepTask(this as Task<unknown>);
    } finally {
      contextState.current = prev;
      loop._currentTask = creator;
    }
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
    this._retrieved();
    if (this._state !== PENDING) return false;
    this._numCancelsRequested++;
    const waiter = this._futWaiter;
    if (waiter !== null && waiter.cancel(msg)) return true;
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
    const prev = this._prevTask;
    const next = this._nextTask;
    if (prev !== null) prev._nextTask = next;
    else if (this._loop._taskHead === this) this._loop._taskHead = next;
    if (next !== null) next._prevTask = prev;
    this._prevTask = this._nextTask = null;
  }
}

/** One step of a task: the loop calls this through the task's handle. */
function stepTask(task: Task<unknown>): void {
  if (task._state !== PENDING) {
    throw new Error(`_step(): already done: ${task}`);
  }
  let exc: unknown = NO_EXC;
  const extra = task._extra;
  if (extra !== null) {
    exc = extra.pendingExc;
    extra.pendingExc = NO_EXC;
  }
  if ((task._flags & FLAG_MUST_CANCEL) !== 0) {
    if (!(exc instanceof CancelledError)) {
      // asyncio's wakeup passes the awaited future's CancelledError in, so
      // its message (the first cancel's) wins over a later cancel's.
      const w = task._futWaiter;
      exc = exc === NO_EXC && w !== null && w._state === CANCELLED
        ? w._makeCancelledError()
        : task._makeCancelledError();
    }
    task._flags &= ~FLAG_MUST_CANCEL;
  }
  task._futWaiter = null;
  const loop = task._loop;
  const current = loop._currentTask;
  if (current !== null) {
    throw new Error(
      `Cannot enter into task ${task} while another task ${current} is being executed.`,
    );
  }
  loop._currentTask = task;
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
    if (e instanceof CancelledError) {
      task._cancelledExc = e;
      task._cancelMessage = undefined;
      task._finish(CANCELLED); // no message: asyncio's rule
    } else {
      task._reject(e);
      if (e instanceof KeyboardInterrupt) throw e;
    }
    return;
  }
  loop._currentTask = null;
  if (r.done === true) {
    if (task._mustCancel) {
      task._mustCancel = false;
      task._finish(CANCELLED);
    } else {
      task._resolve(r.value);
    }
    return;
  }
  handleYield(task, r.value);
}

/**
 * What a task does with the value its coroutine yielded (the asyncio
 * three-way rule); drivers that hand a started coroutine over to a task use
 * it through `_task_hooks.ts`.
 */
function handleYield(task: Task<unknown>, y: unknown): void {
  const loop = task._loop;
  if (y === undefined) {
    task._flags |= FLAG_BARE;
    loop._pushReady(task);
    return;
  }
  if (y instanceof Future) {
    if (y._loop !== loop) {
      retry(
        task,
        new Error(`Task ${task} got Future ${y} attached to a different loop`),
      );
    } else if (!y._blocking) {
      retry(
        task,
        new Error(`yield was used instead of yield* in task ${task} with ${y}`),
      );
    } else if (y === task) {
      retry(task, new Error(`Task cannot await on itself: ${task}`));
    } else {
      y._blocking = false;
      if (y._state === PENDING) y._addWaiter(task);
      else loop._pushReady(task);
      task._futWaiter = y;
      if (task._mustCancel && y.cancel(task._cancelMessage)) {
        task._mustCancel = false;
      }
    }
    return;
  }
  if (isCoroutine(y) || isGeneratorFunction(y)) {
    retry(
      task,
      new Error(
        `yield was used instead of yield* for generator in task ${task} with ${
          describe(y)
        }`,
      ),
    );
    return;
  }
  retry(task, new Error(`Task got bad yield: ${describe(y)}`));
}

taskHooks.handleYield = handleYield;

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
 * @throws {Error} `no running event loop` outside the loop.
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
  return getRunningLoop().createTask(coro, options);
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
  return (loop ?? getRunningLoop())._currentTask;
}

/**
 * The tasks of `loop` (the running loop by default) that are not done.
 *
 * @param loop The loop to ask.
 * @returns A new set.
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
  return (loop ?? getRunningLoop())._tasks;
}

// sleep(0): one shared iterator that yields undefined once. The task resumes
// it with WAKE, so it needs no state and allocates nothing.
const YIELD_BARE: IteratorResult<unknown, never> = {
  value: undefined,
  done: false,
};
const DONE_BARE: IteratorResult<unknown, undefined> = {
  value: undefined,
  done: true,
};

class Sleep0<T> {
  _value: T;
  _done: IteratorResult<unknown, T>;
  constructor(value: T) {
    this._value = value;
    this._done = value === undefined
      ? DONE_BARE as IteratorResult<unknown, T>
      : { value, done: true };
  }
  next(v?: unknown): IteratorResult<unknown, T> {
    return v === WAKE ? this._done : YIELD_BARE;
  }
  throw(e: unknown): never {
    throw e;
  }
  return(value: T): IteratorResult<unknown, T> {
    return { value, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

const SLEEP0 = new Sleep0<undefined>(undefined) as unknown as Coroutine<
  undefined
>;

/**
 * Suspends the current task for `ms` milliseconds, then returns `value`.
 * `sleep(0)` (or any delay of 0 or less) is the fast path: it yields to the
 * loop once, so every other ready task runs before this one resumes.
 *
 * @param ms The delay in milliseconds.
 * @param value What to return.
 * @returns A coroutine to `yield*`.
 * @throws {TypeError} When `ms` is not a number.
 * @throws {RangeError} `Invalid delay: NaN (not a number)`.
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
  if (typeof ms !== "number") {
    throw new TypeError(
      `sleep() expects a delay in milliseconds (a number), got ${describe(ms)}`,
    );
  }
  if (ms > 0) return sleepTimer(ms, value as T);
  if (ms !== ms) throw new RangeError("Invalid delay: NaN (not a number)");
  if (value === undefined) return SLEEP0 as Coroutine<T>;
  return new Sleep0(value) as unknown as Coroutine<T>;
}

function* sleepTimer<T>(ms: number, value: T): Coroutine<T> {
  const loop = getRunningLoop();
  const fut = loop.createFuture<T>();
  const h = loop._callLaterArg(ms, resolveUnlessDone, [fut, value]);
  try {
    return yield* fut;
  } finally {
    h.cancel();
  }
}

function resolveUnlessDone(pair: [Future<unknown>, unknown]): void {
  const f = pair[0];
  if (f._state === PENDING) f._resolve(pair[1]);
}

function rejectUnlessDone(pair: [Future<unknown>, unknown]): void {
  const f = pair[0];
  if (f._state === PENDING) f._reject(pair[1]);
}

/**
 * Turns a Future, a coroutine or a thenable into a Future: a Future is
 * returned as it is, a coroutine becomes a task, a thenable is wrapped with
 * {@linkcode fromPromise}.
 *
 * @param x What to wrap.
 * @param loop The loop (the running loop by default).
 * @returns The future.
 * @throws {TypeError} For anything else.
 *
 * @example
 * ```ts
 * import { ensureFuture, run, Task } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = ensureFuture((function* () { return 1; })());
 *   assert.ok(t instanceof Task);
 *   assert.equal(yield* t, 1);
 * })());
 * ```
 */
export function ensureFuture<T>(
  x: Future<T> | Coroutine<T> | PromiseLike<T>,
  loop?: EventLoop,
): Future<T> {
  if (x instanceof Future) {
    if (loop !== undefined && x._loop !== loop) {
      throw new TypeError(
        "The future belongs to a different loop than the one specified as the loop argument",
      );
    }
    return x;
  }
  if (isCoroutine(x)) return (loop ?? getRunningLoop()).createTask(x);
  if (
    x !== null && (typeof x === "object" || typeof x === "function") &&
    typeof (x as PromiseLike<T>).then === "function"
  ) {
    return fromPromise(x as PromiseLike<T>, { loop });
  }
  throw new TypeError(
    `A Future, a coroutine or an awaitable is required, got ${describe(x)}${
      isGeneratorFunction(x) ? " (a generator function: call it first)" : ""
    }`,
  );
}

/** Options of {@linkcode fromPromise}. */
export interface FromPromiseOptions {
  /** The loop of the new future (the running loop by default). */
  loop?: EventLoop;
}

/**
 * A Future that follows a native promise (or any thenable), so a coroutine
 * can `yield*` host work. The promise's outcome enters the loop as a
 * callback on the loop's queue, like any other event.
 *
 * @param promise The promise to follow.
 * @param options `loop`: the loop of the future.
 * @returns The future.
 *
 * @example
 * ```ts
 * import { fromPromise, run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const text = await run((function* () {
 *   return yield* fromPromise(Promise.resolve("from the host"));
 * })());
 * assert.equal(text, "from the host");
 * ```
 */
export function fromPromise<T>(
  promise: PromiseLike<T>,
  options?: FromPromiseOptions,
): Future<T> {
  const loop = options?.loop ?? getRunningLoop();
  const fut = loop.createFuture<T>();
  const ctx = copyContext();
  loop._hostPending++; // ended in loop._callFromHost (see VirtualTimeLoop)
  Promise.resolve(promise).then(
    (v) => loop._callFromHost(resolveUnlessDone, [fut, v], ctx),
    (e) => loop._callFromHost(rejectUnlessDone, [fut, e], ctx),
  );
  return fut;
}

/** Options of {@linkcode gather}. */
export interface GatherOptions {
  /** Put exceptions in the results instead of failing on the first one. */
  returnExceptions?: boolean;
}

/** The future {@linkcode gather} returns: cancelling it cancels the children. */
class GatheringFuture<T> extends Future<T> {
  _children: Future<unknown>[];
  _cancelRequested: boolean;
  constructor(children: Future<unknown>[], loop: EventLoop) {
    super({ loop });
    this._children = children;
    this._cancelRequested = false;
  }
  override cancel(msg?: string): boolean {
    this._retrieved();
    if (this._state !== PENDING) return false;
    let ret = false;
    for (const child of this._children) {
      if (child.cancel(msg)) ret = true;
    }
    if (ret) this._cancelRequested = true;
    return ret;
  }
}

/**
 * Runs awaitables concurrently and collects their results in argument
 * order (asyncio's `gather`). Coroutines become tasks; the same object given
 * twice runs once and appears twice.
 *
 * Without `returnExceptions`, the first failure fails the returned future at
 * once (the other children keep running). With it, failures are placed in
 * the results. Cancelling the returned future cancels every child.
 *
 * @param awaitables Futures, tasks or coroutines.
 * @param options `returnExceptions`.
 * @returns A future of the results.
 *
 * @example
 * ```ts
 * import { gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = await run((function* () {
 *   return yield* gather([sleep(20, "slow"), sleep(10, 1)]);
 * })());
 * assert.equal(a, "slow");
 * assert.equal(b, 1);
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  awaitables: A,
  options?: GatherOptions,
): Future<{ -readonly [K in keyof A]: AwaitedOf<A[K]> }>;
/**
 * {@linkcode gather} over any iterable of awaitables (results untyped).
 *
 * @param awaitables Futures, tasks or coroutines.
 * @param options `returnExceptions`.
 * @returns A future of the results, in iteration order.
 *
 * @example
 * ```ts
 * import { gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const delays = new Set([3, 1, 2]);
 * const r = await run((function* () {
 *   return yield* gather([...delays].map((ms) => sleep(ms, ms)));
 * })());
 * assert.deepEqual(r, [3, 1, 2]);
 * ```
 */
export function gather(
  awaitables: Iterable<Awaitable<unknown>>,
  options?: GatherOptions,
): Future<unknown[]>;
export function gather(
  awaitables: Iterable<Awaitable<unknown>>,
  options?: GatherOptions,
): Future<unknown[]> {
  if (
    awaitables === null || typeof awaitables !== "object" ||
    typeof (awaitables as Iterable<unknown>)[Symbol.iterator] !== "function" ||
    isCoroutine(awaitables)
  ) {
    throw new TypeError(
      `gather() expects an iterable (such as an array) of futures and coroutines, got ${
        describe(awaitables)
      }`,
    );
  }
  const returnExceptions = options?.returnExceptions === true;
  const args = [...awaitables];
  if (args.length === 0) {
    const f = getRunningLoop().createFuture<unknown[]>();
    f._resolve([]);
    return f;
  }
  let loop: EventLoop | undefined;
  // A coroutine given twice must become one task; futures need no map (one
  // done callback per position counts the same).
  let coroToFut: Map<unknown, Future<unknown>> | null = null;
  const total = args.length;
  const children: Future<unknown>[] = new Array(total);
  for (let i = 0; i < total; i++) {
    const arg = args[i];
    let fut: Future<unknown> | undefined;
    if (arg instanceof Future) {
      fut = loop === undefined || arg._loop === loop
        ? arg
        : ensureFuture(arg, loop); // throws: a different loop
    } else {
      coroToFut ??= new Map();
      fut = coroToFut.get(arg);
      if (fut === undefined) {
        fut = ensureFuture(arg, loop);
        coroToFut.set(arg, fut);
      }
    }
    loop ??= fut._loop;
    children[i] = fut;
  }
  const outer = new GatheringFuture<unknown[]>(children, loop!);
  // graph.ts: the children are awaited by the calling task (as in 3.14).
  const caller = runningTask();
  if (caller !== null) { for (const c of children) addAwaitedBy(c, caller); }
  let finished = 0;
  const onChildDone = (fut: Future<unknown>): void => {
    finished++;
    discardAwaitedBy(fut, caller);
    if (outer._state !== PENDING) {
      if (fut._state === FINISHED) fut._retrieved();
      return;
    }
    if (!returnExceptions) {
      if (fut._state !== FINISHED) {
        outer._reject(fut._makeCancelledError());
        return;
      }
      if (fut._failed) {
        fut._retrieved();
        outer._reject(fut._exception);
        return;
      }
    }
    if (finished === total) {
      const results = children.map((f) => {
        if (f._state !== FINISHED) {
          return new CancelledError(f._cancelMessage ?? "");
        }
        if (f._failed) {
          f._retrieved();
          return f._exception;
        }
        return f._result;
      });
      if (outer._cancelRequested) outer._reject(fut._makeCancelledError());
      else outer._resolve(results);
    }
  };
  const ctx = contextState.internal as Context;
  for (let i = 0; i < total; i++) children[i]._addCallback(onChildDone, ctx);
  return outer;
}
