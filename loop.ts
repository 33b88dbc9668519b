/**
 * The event loop: asyncio's `BaseEventLoop` on a JS host. It owns a ready
 * queue of callbacks and one timer heap, runs them in iterations with
 * asyncio's ordering rules, and drives tasks. It drains its own queue
 * synchronously and hands control back to the host only when nothing is
 * ready (arming at most one host timer, for the earliest deadline) or after
 * a time slice, so host I/O is never starved and a burst of ready work costs
 * no host round trips.
 *
 * The ready queue can be inspected and reordered (asynkit's scheduling
 * mixin): {@linkcode EventLoop.readyLen}, {@linkcode EventLoop.readyPop},
 * {@linkcode EventLoop.readyInsert}, {@linkcode EventLoop.readyRotate},
 * {@linkcode EventLoop.callInsert}.
 *
 * @example
 * ```ts
 * import { EventLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const order: string[] = [];
 * loop.callLater(5, () => order.push("timer"));
 * loop.callSoon(() => order.push("soon"));
 * await loop.runUntilComplete((function* () {
 *   const f = loop.createFuture();
 *   loop.callLater(10, () => f.setResult(null));
 *   yield* f;
 * })());
 * assert.deepEqual(order, ["soon", "timer"]);
 * loop.close();
 * ```
 *
 * @module
 */

import { callbackContext, type Context } from "./_context.ts";
import { captureStack, sourceTracebacks } from "./_debug_info.ts";
import { type Coroutine, isCoroutine } from "./_coro.ts";
import {
  Handle,
  type HandleCallback,
  type ReadyItem,
  TimerHandle,
} from "./_handle.ts";
import { envFlag, macrotask, MAX_HOST_DELAY } from "./_host.ts";
import {
  callHandler,
  checkExceptionContext,
  type ExceptionContext,
  type ExceptionHandler,
  formatContext,
} from "./_exceptions.ts";
import { type AsyncGenLike, AsyncGens } from "./_asyncgens.ts";
import { ReadyQueue } from "./_ready_queue.ts";
import { holdForLayout } from "./_layout.ts";
import { makeShuffleRng, shuffleReady } from "./_shuffle.ts";
import {
  getRunningLoop,
  type LoopCore,
  type NeverRetrieved,
  runningState,
} from "./_events.ts";
import { type TimerEntry, TimerHeap } from "./_timer_heap.ts";
import { Future } from "./future.ts";
import { rejectNativeWaits } from "./_native_waits.ts";
import { reportNeverRetrieved } from "./_never_retrieved.ts";
import {
  checkTaskOptions,
  ensureFuture,
  Task,
  type TaskOptions,
} from "./task.ts";
import {
  badType,
  checkCallback,
  checkCoroutine,
  checkInteger,
  checkOptions,
  checkTime,
  checkTimeSlice,
  optBoolean,
  readyIndex,
  registered,
} from "./_validate.ts";

export { getRunningLoop, Handle, TimerHandle };
export type { AsyncGenLike, ExceptionContext, ExceptionHandler };

/** Makes tasks for `createTask` (asyncio's task factory). */
export type TaskFactory = (
  loop: EventLoop,
  coro: Coroutine<unknown>,
  options?: TaskOptions,
) => Task<unknown>;

/** Options of `callSoon`, `callLater`, `callAt` and `callInsert`. */
export interface CallOptions {
  /** The context to run the callback in; a copy of the current one by default. */
  context?: Context;
}

/** Options of {@linkcode EventLoop}. */
export interface EventLoopOptions {
  /** Debug mode (see {@linkcode EventLoop.setDebug}); off by default. */
  debug?: boolean;
  /**
   * How long (ms) the loop may run without handing control back to the host
   * while work is ready; 16 by default.
   */
  timeSlice?: number;
  /**
   * A test tool: an integer seed. When set, the loop permutes the callbacks
   * of each iteration's batch (due timers included) with a PRNG seeded by
   * it, to flush out code that only works in one order (as Trio does).
   * The same seed gives the same order; unset (the default) is asyncio's
   * FIFO order, at no cost.
   */
  shuffle?: number;
}

/** Handles run between two checks of the clock for the time slice. */
const SLICE_CHECK_EVERY = 1024;

/**
 * An event loop with asyncio's semantics.
 *
 * One iteration runs exactly the callbacks that were ready when it began,
 * plus the timers that are due (after them, in deadline order, ties in the
 * order they were scheduled); callbacks scheduled meanwhile run in the next
 * iteration. All times are milliseconds.
 *
 * "Running" (`getRunningLoop()`) means that the loop's callbacks are on the
 * JS stack; `isRunning()` means `runForever` or `runUntilComplete` is in
 * progress, including while the loop waits for a timer or host I/O. Two
 * loops may interleave on one thread; one loop runs once at a time.
 *
 * @example
 * ```ts
 * import { EventLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const result = await loop.runUntilComplete((function* () {
 *   return 6 * 7;
 * })());
 * assert.equal(result, 42);
 * loop.close();
 * assert.ok(loop.isClosed());
 * ```
 */
export class EventLoop implements LoopCore {
  /** @internal */
  _ready: ReadyQueue = new ReadyQueue();
  /** @internal */
  _timers: TimerHeap = new TimerHeap();
  /** @internal */
  #timerSeq = 0;
  /** @internal */
  #stopping = false;
  /** @internal runForever in progress. */
  _running = false;
  /** @internal The loop's callbacks are on the JS stack. */
  _onStack = false;
  /** @internal */
  _closed = false;
  /** @internal */
  _debug: boolean;
  /** Callbacks slower than this (ms) are logged in debug mode. */
  slowCallbackDuration = 100;
  /** @internal */
  #timeSlice: number;
  /** @internal */
  _currentTask: Task<unknown> | null = null;
  /** @internal Head of the intrusive list of tasks not yet done. */
  _taskHead: Task<unknown> | null = null;
  /** @internal */
  _taskFactory: TaskFactory | null = null;
  /** @internal */
  #exceptionHandler: ExceptionHandler | null = null;
  /** @internal */
  _hostTimer: ReturnType<typeof setTimeout> | null = null;
  /** @internal */
  #hostTimerWhen = 0;
  /**
   * @internal The time the armed host timer was asked to wake the loop at
   * (its delay rounded up to whole ms): timers due by then count as due
   * when it fires, even if the host fires a little early. This plays the
   * part of asyncio's clock resolution and select() rounding, and keeps
   * timers set in one burst together in one iteration.
   */
  #hostTimerTarget = 0;
  /** @internal Timers up to this time are due in the next iteration. */
  #dueUntil = 0;
  /** @internal A drain is queued (microtask or macrotask). */
  #drainScheduled = false;
  /** @internal */
  #runResolve: (() => void) | null = null;
  /** @internal */
  #runReject: ((e: unknown) => void) | null = null;
  /** @internal */
  _asyncgens: AsyncGens = new AsyncGens();
  /**
   * @internal The failures of this loop's futures and tasks that nobody
   * retrieved yet (their reports; see future.ts): reported at close.
   */
  _unretrieved: Set<NeverRetrieved> = new Set();
  /** @internal */
  #drainBound: () => void;
  /** @internal */
  #onHostTimerBound: () => void;
  /**
   * @internal Host work this loop knows of and still waits for
   * (`fromPromise`, `fromAbortable`, `delay`): a VirtualTimeLoop does not
   * jump its clock while it is above 0.
   */
  _hostPending = 0;
  /** @internal The `shuffle` option's PRNG (`null`: FIFO). */
  #shuffleRng: (() => number) | null;

  /**
   * Makes a loop; it does nothing until it runs.
   *
   * @param options `debug` and `timeSlice`.
   */
  constructor(options?: EventLoopOptions) {
    checkOptions("EventLoop", options);
    optBoolean("EventLoop", "options.debug", options?.debug);
    this._debug = options?.debug ?? envFlag("X_RUNNER_DEBUG");
    this.#timeSlice = checkTimeSlice(options?.timeSlice ?? 16);
    this.#shuffleRng = makeShuffleRng(options?.shuffle);
    this.#drainBound = () => {
      this.#drainScheduled = false;
      this.#drain();
    };
    this.#onHostTimerBound = () => {
      this._hostTimer = null;
      this.#dueUntil = this.#hostTimerTarget;
      this.#drain();
    };
    holdForLayout(new.target, this);
  }

  /**
   * The loop's clock: milliseconds, monotonic (`performance.now()`).
   *
   * @returns The current loop time.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const t0 = loop.time();
   * assert.ok(loop.time() >= t0);
   * loop.close();
   * ```
   */
  time(): number {
    return performance.now();
  }

  /**
   * Schedules `callback` to run in the next iteration, after the callbacks
   * already scheduled.
   *
   * @param callback The callback.
   * @param options `context`: the context to run it in.
   * @returns A handle that can cancel it.
   * @throws {Error} `Event loop is closed`.
   * @throws {TypeError} When `callback` is not a function.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const seen: number[] = [];
   * loop.callSoon(() => seen.push(1));
   * loop.callSoon(() => seen.push(2));
   * await loop.runUntilComplete((function* () {})());
   * assert.deepEqual(seen, [1, 2]);
   * loop.close();
   * ```
   */
  callSoon(callback: () => void, options?: CallOptions): Handle {
    checkCallback(callback, "callSoon");
    return this._callSoonArg(
      callback,
      undefined,
      callbackContext("EventLoop.callSoon", options),
    );
  }

  /**
   * Schedules `callback` to run `ms` milliseconds from now.
   *
   * @param ms The delay (0 or less: the next iteration, after `callSoon`s).
   * @param callback The callback.
   * @param options `context`: the context to run it in.
   * @returns A timer handle that can cancel it.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<string>();
   * loop.callLater(5, () => f.setResult("late"));
   * assert.equal(await loop.runUntilComplete(f), "late");
   * loop.close();
   * ```
   */
  callLater(
    ms: number,
    callback: () => void,
    options?: CallOptions,
  ): TimerHandle {
    checkTime("EventLoop.callLater", "ms", ms);
    checkCallback(callback, "callLater");
    return this._callAtArg(
      this.time() + ms,
      callback,
      undefined,
      callbackContext("EventLoop.callLater", options),
    );
  }

  /**
   * Schedules `callback` at loop time `when` (see {@linkcode EventLoop.time}).
   *
   * @param when The deadline, in loop time.
   * @param callback The callback.
   * @param options `context`: the context to run it in.
   * @returns A timer handle that can cancel it.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const seen: string[] = [];
   * const t = loop.time() + 5;
   * loop.callAt(t, () => seen.push("first"));
   * loop.callAt(t, () => seen.push("second"));
   * const f = loop.createFuture();
   * loop.callAt(t + 1, () => f.setResult(null));
   * await loop.runUntilComplete(f);
   * assert.deepEqual(seen, ["first", "second"]);
   * loop.close();
   * ```
   */
  callAt(
    when: number,
    callback: () => void,
    options?: CallOptions,
  ): TimerHandle {
    checkTime("EventLoop.callAt", "when", when);
    checkCallback(callback, "callAt");
    return this._callAtArg(
      when,
      callback,
      undefined,
      callbackContext("EventLoop.callAt", options),
    );
  }

  /**
   * Makes a pending Future of this loop.
   *
   * @returns The future.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * assert.equal(loop.createFuture().done(), false);
   * loop.close();
   * ```
   */
  createFuture<T>(): Future<T> {
    return new Future<T>(undefined, this);
  }

  /**
   * Wraps `coro` in a Task on this loop (through the task factory, if set).
   *
   * @param coro The coroutine.
   * @param options `name` and `context`.
   * @returns The task.
   * @throws {Error} `Event loop is closed`.
   * @throws {TypeError} `a coroutine was expected, got …`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const t = loop.createTask((function* () { return "ok"; })(), { name: "job" });
   * assert.equal(t.getName(), "job");
   * assert.equal(await loop.runUntilComplete(t), "ok");
   * loop.close();
   * ```
   */
  createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    if (!isCoroutine(coro)) checkCoroutine("createTask", "coro", coro);
    if (options != null) checkTaskOptions("createTask", options);
    const factory = this._taskFactory;
    // The Task constructor checks for a closed loop; a factory may not.
    if (factory === null) {
      // An eager first step runs after the constructor (see newEagerTask).
      return options?.eagerStart === true
        ? Task._newEager(coro, options, this)
        : new Task(coro, options, this);
    }
    this._checkClosed();
    // The factory gets the context only; the name is set on what it returns.
    const context = options?.context;
    const task = factory(
      this,
      coro as Coroutine<unknown>,
      context === undefined ? undefined : { context },
    ) as Task<T>;
    if (!(task instanceof Future)) {
      throw badType(
        "createTask",
        "the task factory's result",
        "a Future",
        task,
      );
    }
    if (options?.name !== undefined && typeof task.setName === "function") {
      task.setName(options.name);
    }
    // eagerStart whatever the factory: a task it queued normally starts now.
    if (options?.eagerStart === true && task instanceof Task) {
      Task._startQueued(task);
    }
    return task;
  }

  /**
   * Sets the function `createTask` uses to make tasks, or `null` for the
   * default.
   *
   * @param factory `(loop, coro, options) => Task`, or `null`.
   * @throws {TypeError} When it is neither a function nor `null`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import { Task } from "@x/runner/task";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * let made = 0;
   * loop.setTaskFactory((l, coro, opts) => { made++; return new Task(coro, { ...opts, loop: l }); });
   * await loop.runUntilComplete((function* () {})());
   * assert.equal(made, 1);
   * loop.close();
   * ```
   */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") {
      throw badType(
        "EventLoop.setTaskFactory",
        "factory",
        "a function or null",
        factory,
      );
    }
    this._taskFactory = factory;
  }

  /**
   * The task factory, or `null`.
   *
   * @returns The factory.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new EventLoop().getTaskFactory(), null);
   * ```
   */
  getTaskFactory(): TaskFactory | null {
    return this._taskFactory;
  }

  /**
   * Runs the loop until `future` is done and returns its result. A coroutine
   * is wrapped in a task first.
   *
   * The result is delivered through a native promise, so a thenable result
   * (such as a Future returned by the coroutine) is adopted by promise rules:
   * you get the value it settles with, not the thenable.
   *
   * @param future A Future, a Task or a coroutine.
   * @returns Its result. A result that is itself a pending Future of this
   * loop is adopted by promise rules: the loop runs on until it is done.
   * @throws {Error} `Event loop is closed`, `This event loop is already
   * running`, `Event loop stopped before Future completed.`.
   * @throws {TypeError} For anything that cannot be awaited.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import { sleep } from "@x/runner/task";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * assert.equal(await loop.runUntilComplete(sleep(5, "slept")), "slept");
   * loop.close();
   * ```
   */
  async runUntilComplete<T>(future: Future<T> | Coroutine<T>): Promise<T> {
    this._checkClosed();
    this.#checkRunning();
    const newTask = !(future instanceof Future);
    if (!newTask && (future as Future<T>)._loop !== this) {
      const other = (future as Future<T>)._loop;
      throw new TypeError(
        `EventLoop.runUntilComplete(): future belongs to ${
          other.isClosed()
            ? "an event loop that is closed"
            : "another event loop"
        } (${other}), not to this one`,
      );
    }
    if (newTask && !isCoroutine(future)) {
      throw badType(
        "EventLoop.runUntilComplete",
        "future",
        "a Future or a coroutine",
        future,
      );
    }
    const fut = ensureFuture(future, this);
    fut.addDoneCallback(stopLoopWhenDone);
    try {
      await this.runForever();
    } catch (e) {
      if (newTask && fut.done() && !fut.cancelled()) fut.exception();
      throw e;
    } finally {
      fut.removeDoneCallback(stopLoopWhenDone);
    }
    if (!fut.done()) {
      throw new Error("Event loop stopped before Future completed.");
    }
    const result = fut.result();
    // A pending Future as the result is adopted by promise rules; it can
    // settle only while its loop runs, so run this loop until it does.
    if (result instanceof Future && result._loop === this && !result.done()) {
      return this.runUntilComplete(result as Future<Awaited<T>>) as Promise<T>;
    }
    return result;
  }

  /**
   * Runs the loop until {@linkcode EventLoop.stop} is called. The first
   * iterations run synchronously, inside this call.
   *
   * @returns A promise that settles when the loop stops (rejected when a
   * `KeyboardInterrupt` escapes a callback).
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.callLater(5, () => loop.stop());
   * await loop.runForever();
   * assert.equal(loop.isRunning(), false);
   * loop.close();
   * ```
   */
  runForever(): Promise<void> {
    try {
      this._checkClosed();
      this.#checkRunning();
    } catch (e) {
      return Promise.reject(e);
    }
    this._running = true;
    const done = new Promise<void>((resolve, reject) => {
      this.#runResolve = resolve;
      this.#runReject = reject;
    });
    this.#drain();
    return done;
  }

  /**
   * Stops the loop after the current iteration. Called before the loop
   * runs, the next run does one iteration and stops.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const seen: string[] = [];
   * loop.callSoon(() => { seen.push("a"); loop.callSoon(() => seen.push("b")); });
   * loop.stop();
   * await loop.runForever();
   * assert.deepEqual(seen, ["a"]);
   * loop.close();
   * ```
   */
  stop(): void {
    this.#stopping = true;
    if (this._running && !this._onStack) this._scheduleDrain();
  }

  /**
   * Whether `runForever` (or `runUntilComplete`) is in progress.
   *
   * @returns `true` while running.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * assert.equal(loop.isRunning(), false);
   * loop.close();
   * ```
   */
  isRunning(): boolean {
    return this._running;
  }

  /**
   * Whether {@linkcode EventLoop.close} was called.
   *
   * @returns `true` once closed.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.close();
   * assert.equal(loop.isClosed(), true);
   * ```
   */
  isClosed(): boolean {
    return this._closed;
  }

  /**
   * Closes the loop: drops every scheduled callback and timer and disarms
   * the host timer. Closing twice is fine. Every failed future or task of
   * the loop whose exception nobody retrieved is reported first ("Task
   * exception was never retrieved"), each only once.
   *
   * @throws {Error} `Cannot close a running event loop`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.callLater(1000, () => {});
   * loop.close();
   * assert.throws(() => loop.callSoon(() => {}), /Event loop is closed/);
   * ```
   */
  close(): void {
    if (this._running) throw new Error("Cannot close a running event loop");
    if (this._closed) return;
    // A failure nobody retrieved is reported now, before the loop closes,
    // rather than whenever (if ever) the engine collects its future.
    for (const held of this._unretrieved) reportNeverRetrieved(held);
    this._closed = true;
    // Futures awaited natively can no longer settle: reject, never hang.
    rejectNativeWaits(this);
    this._ready.clear();
    this._timers.clear();
    this.#disarmHostTimer();
  }

  /**
   * Closes the async generators registered with the loop (those of
   * `GeneratorObject`), running their cleanup; failures go to the exception
   * handler. JS has no hook that registers native async generators, so only
   * this library's generator objects are tracked.
   *
   * Called while the loop is stopped, it runs the loop until that is done,
   * as asyncio's `loop.run_until_complete(loop.shutdown_asyncgens())` does:
   * two iterations even when there is nothing to close, so callbacks
   * already queued run.
   *
   * @returns A promise that settles when they are closed.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * let ran = false;
   * loop.callSoon(() => ran = true);
   * await loop.shutdownAsyncgens();
   * assert.ok(ran);
   * loop.close();
   * ```
   */
  shutdownAsyncgens(): Promise<void> {
    const coro = this._takeAsyncgens();
    if (this._running) {
      return coro === null
        ? Promise.resolve()
        : this.createTask(coro).toPromise();
    }
    return this.runUntilComplete(coro ?? AsyncGens.none());
  }

  /**
   * @internal Marks async generators as shut down and returns a coroutine
   * that closes the ones registered, or null when there are none.
   */
  _takeAsyncgens(): Coroutine<void> | null {
    return this._asyncgens.take(this);
  }

  /**
   * Whether debug mode is on.
   *
   * @returns The flag.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new EventLoop({ debug: true }).getDebug(), true);
   * ```
   */
  getDebug(): boolean {
    return this._debug;
  }

  /**
   * Turns debug mode on or off. In debug mode callbacks and task steps that
   * take longer than `slowCallbackDuration` (ms) are logged, and futures,
   * tasks and handles record where they were created, which reports show.
   * The default comes from the environment variable `X_RUNNER_DEBUG` where
   * the runtime lets the loop read it.
   *
   * @param enabled The new state.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.setDebug(true);
   * assert.equal(loop.getDebug(), true);
   * ```
   */
  setDebug(enabled: boolean): void {
    this._debug = !!enabled;
  }

  /**
   * Sets the exception handler, or `null` for the default one.
   *
   * @param handler `(loop, context) => void`, or `null`.
   * @throws {TypeError} When it is neither a function nor `null`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const messages: string[] = [];
   * loop.setExceptionHandler((_loop, ctx) => messages.push(ctx.message));
   * loop.callSoon(() => { throw new Error("boom"); });
   * await loop.runUntilComplete((function* () {})());
   * assert.match(messages[0], /^Exception in callback/);
   * loop.close();
   * ```
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw badType(
        "EventLoop.setExceptionHandler",
        "handler",
        "a function or null (A callable object or null is expected)",
        handler,
      );
    }
    this.#exceptionHandler = handler;
  }

  /**
   * The exception handler set, or `null`.
   *
   * @returns The handler.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new EventLoop().getExceptionHandler(), null);
   * ```
   */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#exceptionHandler;
  }

  /**
   * Reports an error: to the handler set, else to
   * {@linkcode EventLoop.defaultExceptionHandler}. A handler that throws is
   * itself reported by the default handler.
   *
   * @param context What happened.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * let got = "";
   * loop.setExceptionHandler((_l, ctx) => { got = ctx.message; });
   * loop.callExceptionHandler({ message: "custom" });
   * assert.equal(got, "custom");
   * ```
   */
  callExceptionHandler(context: ExceptionContext): void {
    callHandler(this, this.#exceptionHandler, context);
  }

  /**
   * The default handler: logs the message, the other keys and the
   * exception's stack with `console.error`.
   *
   * @param context What happened.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   *
   * const loop = new EventLoop();
   * const original = console.error;
   * console.error = () => {};
   * try {
   *   loop.defaultExceptionHandler({ message: "something failed", exception: new Error("x") });
   * } finally {
   *   console.error = original;
   * }
   * ```
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    checkExceptionContext("EventLoop.defaultExceptionHandler", context);
    console.error(formatContext(context));
  }

  /**
   * How many handles are in the ready queue (asynkit's `ready_len`).
   *
   * @returns The count.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.callSoon(() => {});
   * assert.equal(loop.readyLen(), 1);
   * loop.close();
   * ```
   */
  readyLen(): number {
    return this._ready.length;
  }

  /**
   * Removes and returns the ready handle at `pos`, indexing like a Python
   * list: `-1` (the default) is the last one, `0` the next to run.
   *
   * @param pos The position.
   * @returns The handle.
   * @throws {RangeError} When the queue is empty or `pos` is out of range.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.callSoon(() => {});
   * const h = loop.callSoon(() => {});
   * assert.equal(loop.readyPop(), h);
   * loop.close();
   * ```
   */
  readyPop(pos = -1): Handle {
    const i = readyIndex("EventLoop.readyPop", pos, this._ready.length);
    return this._ready.popAt(i)._toHandle() as Handle;
  }

  /**
   * @internal The handle of the ready entry at `i`, put in the entry's place
   * so that cancelling it or finding it again works on the queue itself.
   */
  _readyHandleAt(i: number): Handle {
    const entry = this._ready.at(i);
    const h = entry._toHandle() as Handle;
    if (h !== entry) this._ready.set(i, h);
    return h;
  }

  /**
   * Inserts `handle` into the ready queue before position `pos`, like
   * Python's `list.insert` (negative counts from the end; out of range
   * clamps).
   *
   * @param pos The position.
   * @param handle A handle of this loop (usually from `readyPop`).
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const seen: number[] = [];
   * loop.callSoon(() => seen.push(1));
   * loop.callSoon(() => seen.push(2));
   * loop.readyInsert(0, loop.readyPop());
   * await loop.runUntilComplete((function* () {})());
   * assert.deepEqual(seen, [2, 1]);
   * loop.close();
   * ```
   */
  readyInsert(pos: number, handle: Handle): void {
    checkReadyInsert("EventLoop.readyInsert", pos, handle);
    const n = this._ready.length;
    this._ready.insert(
      pos < 0 ? Math.max(0, pos + n) : Math.min(pos, n),
      handle,
    );
    if (!this._onStack) this._scheduleDrain();
  }

  /**
   * Rotates the ready queue `n` steps to the right, like Python's
   * `deque.rotate(n)`: the last `n` handles move to the front (negative `n`
   * rotates left).
   *
   * @param n How many steps.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const seen: number[] = [];
   * for (const i of [1, 2, 3]) loop.callSoon(() => seen.push(i));
   * loop.readyRotate(1);
   * await loop.runUntilComplete((function* () {})());
   * assert.deepEqual(seen.slice(0, 3), [3, 1, 2]);
   * loop.close();
   * ```
   */
  readyRotate(n: number): void {
    if (!Number.isInteger(n)) {
      checkInteger("EventLoop.readyRotate", "n", n, -Infinity);
    }
    const len = this._ready.length;
    if (len < 2) return;
    const k = ((n % len) + len) % len;
    if (k === 0) return;
    this._ready.rotate(k);
  }

  /**
   * Like `callSoon`, but inserts the callback at position `pos` of the ready
   * queue (`list.insert` semantics) instead of at the end.
   *
   * @param pos The position.
   * @param callback The callback.
   * @param options `context`: the context to run it in.
   * @returns Its handle.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const seen: string[] = [];
   * loop.callSoon(() => seen.push("b"));
   * loop.callInsert(0, () => seen.push("a"));
   * await loop.runUntilComplete((function* () {})());
   * assert.deepEqual(seen, ["a", "b"]);
   * loop.close();
   * ```
   */
  callInsert(pos: number, callback: () => void, options?: CallOptions): Handle {
    this._checkClosed();
    checkCallback(callback, "callInsert");
    if (!Number.isInteger(pos)) {
      checkInteger("EventLoop.callInsert", "pos", pos, -Infinity);
    }
    const h = new Handle(
      callback,
      undefined,
      callbackContext("EventLoop.callInsert", options),
      this,
      null,
    );
    if (this._debug) sourceTracebacks.set(h, captureStack());
    this.readyInsert(pos, h);
    return h;
  }

  /**
   * A description: `<EventLoop running=false closed=false debug=false>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new EventLoop({ debug: false })), "<EventLoop running=false closed=false debug=false>");
   * ```
   */
  toString(): string {
    return `<EventLoop running=${this._running} closed=${this._closed} debug=${this._debug}>`;
  }

  // ---- internals -------------------------------------------------------

  /**
   * @internal A new set of the tasks not yet done, in creation order (the
   * list links the newest first; walking it here keeps task creation cheap).
   */
  get _tasks(): Set<Task<unknown>> {
    const newestFirst: Task<unknown>[] = [];
    for (let t = this._taskHead; t !== null; t = t._nextTask) {
      newestFirst.push(t);
    }
    return new Set(newestFirst.reverse());
  }

  /** @internal */
  _checkClosed(): void {
    if (this._closed) throw new Error("Event loop is closed");
  }

  /** @internal */
  #checkRunning(): void {
    if (this._running) throw new Error("This event loop is already running");
    const other = runningState.loop;
    if (other !== null && other !== this) {
      throw new Error(
        "Cannot run the event loop while another loop is running",
      );
    }
  }

  /** @internal callSoon without checks, with one argument. */
  _callSoonArg(
    callback: HandleCallback,
    arg: unknown,
    context: Context,
  ): Handle {
    this._checkClosed();
    const h = new Handle(callback, arg, context, this, null);
    if (this._debug) sourceTracebacks.set(h, captureStack());
    this._pushReady(h);
    return h;
  }

  /** @internal */
  _callAtArg(
    when: number,
    callback: HandleCallback,
    arg: unknown,
    context: Context,
  ): TimerHandle {
    this._checkClosed();
    const h = new TimerHandle(
      callback,
      arg,
      context,
      this,
      when,
      this.#timerSeq++,
    );
    if (this._debug) sourceTracebacks.set(h, captureStack());
    this._timers.push(h);
    if (!this._onStack && this._running) this._scheduleDrain();
    return h;
  }

  /** @internal Puts a timer entry (a sleeping task's) in the heap. */
  _pushTimer(t: TimerEntry): void {
    this._checkClosed();
    t._seq = this.#timerSeq++;
    this._timers.push(t);
    if (!this._onStack && this._running) this._scheduleDrain();
  }

  /**
   * @internal A callback arriving from the host (a promise settled): queued
   * like `callSoon`, and dropped if the loop closed meanwhile.
   */
  _callFromHost(
    callback: HandleCallback,
    arg: unknown,
    context: Context,
  ): void {
    this._hostWorkDone();
    if (this._closed) return;
    this._callSoonArg(callback, arg, context);
  }

  /** @internal One piece of host work counted in `_hostPending` ended. */
  _hostWorkDone(): void {
    this._hostPending--;
  }

  /**
   * @internal Called by `_drain` when nothing is ready and no timer is due
   * (`next`: the earliest deadline, if any): arms the host timer. Returns
   * whether to go on iterating at once, which a VirtualTimeLoop does after
   * moving its clock.
   */
  _idle(next: number | undefined): boolean {
    if (next !== undefined) this.#armHostTimer(next);
    return false;
  }

  /** @internal The hot path: queue an entry, wake the loop if idle. */
  _pushReady(h: ReadyItem): void {
    this._ready.push(h);
    if (!this._onStack) this._scheduleDrain();
  }

  /**
   * @internal Counts a cancelled timer only while it is in the heap (as
   * asyncio checks `handle._scheduled`): a timer cancelled after it fired,
   * as `sleep()`'s cleanup does, must not make the heap look stale.
   */
  _timerHandleCancelled(h: TimerEntry): void {
    if (h._scheduled) this._timers.cancelledCount++;
  }

  /** @internal Queues a drain in a microtask if the loop waits idle. */
  _scheduleDrain(): void {
    if (!this._running || this.#drainScheduled || this._onStack) return;
    this.#drainScheduled = true;
    queueMicrotask(this.#drainBound);
  }

  /** @internal */
  #armHostTimer(when: number): void {
    if (this._hostTimer !== null) {
      if (this.#hostTimerWhen <= when) return;
      clearTimeout(this._hostTimer);
    }
    const now = this.time();
    // Hosts fire a longer setTimeout at once (Node warns of an overflow):
    // wait at most MAX_HOST_DELAY, and the drain it wakes re-arms for the
    // rest. An infinite deadline is so re-armed forever and never falls due.
    const delay = Math.min(MAX_HOST_DELAY, Math.max(0, Math.ceil(when - now)));
    this.#hostTimerWhen = when;
    this.#hostTimerTarget = now + delay;
    this._hostTimer = setTimeout(this.#onHostTimerBound, delay);
  }

  /** @internal */
  #disarmHostTimer(): void {
    if (this._hostTimer !== null) {
      clearTimeout(this._hostTimer);
      this._hostTimer = null;
    }
  }

  /** @internal Runs iterations until idle, stopped or out of time slice. */
  #drain(): void {
    if (!this._running || this._onStack) return;
    const prev = runningState.loop;
    runningState.loop = this;
    this._onStack = true;
    // The slice is real time (performance.now), also under a virtual clock.
    const sliceEnd = performance.now() + this.#timeSlice;
    let budget = SLICE_CHECK_EVERY;
    try {
      for (;;) {
        budget -= this.#runOnce();
        if (this.#stopping) {
          this._finishRun(null);
          return;
        }
        if (this._ready.length === 0) {
          const next = this._nextDeadline();
          if ((next === undefined || next > this.time()) && !this._idle(next)) {
            return;
          }
        }
        if (budget <= 0) {
          budget = SLICE_CHECK_EVERY;
          if (performance.now() >= sliceEnd) {
            // Hand the thread back to the host, then continue.
            this.#drainScheduled = true;
            macrotask(this.#drainBound);
            return;
          }
        }
      }
    } catch (e) {
      this._finishRun(e);
    } finally {
      this._onStack = false;
      runningState.loop = prev;
    }
  }

  /** @internal The earliest live timer deadline, dropping cancelled heads. */
  _nextDeadline(): number | undefined {
    const timers = this._timers;
    let top = timers.peek();
    while (top !== undefined && top._cancelled) {
      timers.pop();
      timers.cancelledCount--;
      top = timers.peek();
    }
    return top?._when;
  }

  /** @internal One iteration; returns how many handles ran. */
  #runOnce(): number {
    const timers = this._timers;
    const ready = this._ready;
    if (timers.length > 0) {
      if (timers.length > 100 && timers.cancelledCount * 2 > timers.length) {
        timers.purge();
      }
      let now = this.time();
      if (this.#dueUntil > now) now = this.#dueUntil;
      this.#dueUntil = 0;
      let top = timers.peek();
      while (top !== undefined && (top._cancelled || top._when <= now)) {
        timers.pop();
        if (top._cancelled) timers.cancelledCount--;
        else ready.push(top);
        top = timers.peek();
      }
    }
    const n = ready.length;
    // Test tool (EventLoopOptions.shuffle): one check per iteration.
    if (this.#shuffleRng !== null && n > 1) {
      shuffleReady(ready, n, this.#shuffleRng);
    }
    // The one place where callbacks run (asyncio's _run_once, Trio's
    // run loop): exactly the n entries that were ready when this iteration
    // began, due timers last. What they schedule queues behind them and
    // runs in the next iteration, so nothing that reschedules itself can
    // starve the rest, and stop() takes effect between two iterations.
    // Debug mode times each entry (a cancelled handle is skipped untimed);
    // the check is a local, once per entry.
    const debug = this._debug;
    for (let i = 0; i < n; i++) {
      const h = ready.shift();
      // `run(h)`, not `h._run()`: see ReadyItem._runEntry.
      const run = h._runEntry;
      if (!debug) {
        run(h);
        continue;
      }
      if (h instanceof Handle && h._cancelled) continue;
      const t0 = performance.now(); // real time, also under a virtual clock
      run(h);
      const dt = performance.now() - t0;
      if (dt >= this.slowCallbackDuration) {
        console.warn(`Executing ${h} took ${dt.toFixed(3)} ms`);
      }
    }
    return n;
  }

  /** @internal Ends runForever with success (`null`) or an error. */
  _finishRun(error: unknown): void {
    this._running = false;
    this.#stopping = false;
    this.#disarmHostTimer();
    const resolve = this.#runResolve;
    const reject = this.#runReject;
    this.#runResolve = this.#runReject = null;
    if (error === null) resolve?.();
    else reject?.(error);
  }

  /**
   * @internal Runs iterations synchronously while work is ready or due now,
   * at most `maxIterations`; used by `Runner[Symbol.dispose]`.
   */
  _runSync(maxIterations: number): void {
    this._checkClosed();
    this.#checkRunning();
    const prev = runningState.loop;
    runningState.loop = this;
    this._onStack = true;
    try {
      for (let i = 0; i < maxIterations; i++) {
        if (this._ready.length === 0) {
          const next = this._nextDeadline();
          if (next === undefined || next > this.time()) return;
        }
        this.#runOnce();
      }
    } finally {
      this._onStack = false;
      runningState.loop = prev;
      this.#stopping = false;
    }
  }

  /** @internal Registers an async generator for `shutdownAsyncgens`. */
  _registerAsyncgen(gen: AsyncGenLike): void {
    this._asyncgens.add(gen);
  }

  /** @internal */
  _unregisterAsyncgen(gen: AsyncGenLike): void {
    this._asyncgens.delete(gen);
  }
}

registered.EventLoop = EventLoop;

function checkReadyInsert(fn: string, pos: unknown, handle: unknown): void {
  checkInteger(fn, "pos", pos, -Infinity);
  if (!(handle instanceof Handle)) {
    throw badType(fn, "handle", "a Handle", handle);
  }
}

function stopLoopWhenDone(fut: Future<unknown>): void {
  fut.getLoop().stop();
}
