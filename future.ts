/**
 * Futures: the low-level awaitable of the loop, with asyncio's state machine
 * (pending, cancelled, finished), its error messages, and done callbacks that
 * run through the loop in registration order. A coroutine awaits a Future
 * with `yield*`; native code awaits it with `await` (it is `PromiseLike`).
 *
 * @example
 * ```ts
 * import { Future } from "@x/runner/future";
 * import { EventLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const fut = loop.createFuture<number>();
 * loop.callLater(10, () => fut.setResult(42));
 * const value = await loop.runUntilComplete((function* () {
 *   return yield* fut;
 * })());
 * assert.equal(value, 42);
 * assert.ok(fut instanceof Future);
 * loop.close();
 * ```
 *
 * @module
 */

import type { Context } from "./_context.ts";
import { callbackContext } from "./_context.ts";
import { contextState } from "./_context_state.ts";
import { captureStack, sourceTracebacks } from "./_debug_info.ts";
import { describe } from "./_describe.ts";
import {
  CancelledError,
  InvalidStateError,
  KeyboardInterrupt,
  TimeoutError,
} from "./_errors.ts";
import {
  CANCELLED,
  cancelledErrorOf,
  FINISHED,
  FLAG_BLOCKING,
  FLAG_FAILED,
  FLAG_LOG_TRACEBACK,
  FutureExtra,
  PENDING,
  type PromiseBox,
  runLoneCallback,
  STATE_MASK,
} from "./_future_bits.ts";
import { addNativeWait, dropNativeWait } from "./_native_waits.ts";
import { watchUnretrieved } from "./_never_retrieved.ts";
import { Handle, type RunEntry } from "./_handle.ts";
import type { EventLoop } from "./loop.ts";
import {
  getRunningLoop,
  type LoopCore,
  NeverRetrieved,
  type ReadyItem,
  runningState,
  type TaskCore,
} from "./_events.ts";
import type { Coroutine, Suspend } from "./_coro.ts";
import {
  checkFunction,
  checkFutureOptions,
  checkLoop,
  optString,
} from "./_validate.ts";

export { CancelledError, InvalidStateError, KeyboardInterrupt, TimeoutError };
export type { Coroutine, Suspend };

const STATE_NAMES = ["PENDING", "CANCELLED", "FINISHED"];

/** Options of {@linkcode Future}. */
export interface FutureOptions {
  /** The loop the future belongs to; the running loop by default. */
  loop?: EventLoop;
}

/** Options of {@linkcode Future.addDoneCallback}. */
export interface DoneCallbackOptions {
  /** The context to run the callback in; a copy of the current one by default. */
  context?: Context;
}

/**
 * The result of an operation that has not finished yet: asyncio's `Future`.
 *
 * Callbacks added with {@linkcode Future.addDoneCallback} never run
 * synchronously: completing the future schedules them on the loop, in the
 * order they were added, each in the context captured when it was added.
 *
 * A Future whose exception nobody read (by `result()`, `exception()`,
 * `yield*` or `await`) is reported once to the loop's exception handler as
 * "Future exception was never retrieved": when it is garbage-collected, or
 * at the latest when its loop closes (`loop.close()`, and so
 * `Runner.close()`), so a short program shows its lost errors too.
 *
 * @typeParam T The type of the result.
 *
 * @example
 * ```ts
 * import { EventLoop } from "@x/runner/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const fut = loop.createFuture<string>();
 * fut.setResult("done");
 * assert.equal(fut.done(), true);
 * assert.equal(fut.result(), "done");
 * assert.equal(await fut, "done");
 * loop.close();
 * ```
 */
export class Future<T> implements PromiseLike<T>, ReadyItem {
  /** @internal The result, or the exception when `_failed`. */
  _result: T | undefined;
  /** @internal The loop, seen through the seam (see `_events.ts`). */
  _loop: LoopCore;
  /**
   * @internal null; a lone waiting Task; a lone internal callback (which
   * reads no context variables, so it runs with no context entered); or
   * pairs of (callback or waiting Task, context).
   * The lone forms save an array in the common cases. Once done, a lone
   * internal callback stays here until the loop runs it (`_scheduleLone`).
   */
  _callbacks:
    | unknown[]
    | ReadyItem
    | ((future: Future<unknown>) => void)
    | null;
  /**
   * @internal The state (`STATE_MASK`) and the booleans (`FLAG_*`), packed:
   * futures are made in bulk.
   */
  _flags: number;
  /** @internal Rarely set fields, allocated on first write. */
  _extra: FutureExtra<T> | null;
  /** @internal See `ReadyItem._runEntry`. */
  declare readonly _runEntry: RunEntry;

  /**
   * Makes a pending future. Prefer `loop.createFuture()`.
   *
   * @param options `loop`: its loop (the running loop by default).
   * @param loop The loop, overriding `options.loop` (saves the options
   * object on hot paths).
   * @throws {Error} `no running event loop` when no loop is given or running.
   */
  constructor(options?: FutureOptions, loop?: EventLoop) {
    // The running loop (the common case) needs no instanceof check.
    if (loop !== undefined) {
      if (loop !== runningState.loop) checkLoop("Future", "loop", loop);
    } else if (options != null) checkFutureOptions("Future", options);
    this._loop = loop ?? options?.loop ?? getRunningLoop();
    this._result = undefined;
    this._callbacks = null;
    this._flags = PENDING;
    this._extra = null;
    if (this._loop._debug) sourceTracebacks.set(this, captureStack());
  }

  /** @internal 0 pending, 1 cancelled, 2 finished. */
  get _state(): number {
    return this._flags & STATE_MASK;
  }

  /** @internal The exception, when finished with one. */
  get _exception(): unknown {
    return (this._flags & FLAG_FAILED) !== 0 ? this._result : undefined;
  }

  /** @internal Finished with an exception rather than a result. */
  get _failed(): boolean {
    return (this._flags & FLAG_FAILED) !== 0;
  }

  /** @internal Is a "never retrieved" report registered? */
  get _logTraceback(): boolean {
    return (this._flags & FLAG_LOG_TRACEBACK) !== 0;
  }

  /** @internal Set by the await protocol, as `_asyncio_future_blocking`. */
  get _blocking(): boolean {
    return (this._flags & FLAG_BLOCKING) !== 0;
  }
  set _blocking(on: boolean) {
    this._flags = on
      ? this._flags | FLAG_BLOCKING
      : this._flags & ~FLAG_BLOCKING;
  }

  /** @internal */
  get _cancelMessage(): string | undefined {
    const x = this._extra;
    return x === null ? undefined : x.cancelMessage;
  }
  set _cancelMessage(msg: string | undefined) {
    if (msg === undefined && this._extra === null) return;
    this._extraFields().cancelMessage = msg;
  }

  /** @internal The CancelledError that cancelled a task, returned once. */
  get _cancelledExc(): CancelledError | null {
    const x = this._extra;
    return x === null ? null : x.cancelledExc;
  }
  set _cancelledExc(e: CancelledError | null) {
    if (e === null && this._extra === null) return;
    this._extraFields().cancelledExc = e;
  }

  /** @internal The rarely set fields, made on first use. */
  _extraFields(): FutureExtra<T> {
    return this._extra ??= new FutureExtra<T>();
  }

  /**
   * Whether the future is finished or cancelled.
   *
   * @returns `true` unless pending.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * assert.equal(f.done(), false);
   * f.cancel();
   * assert.equal(f.done(), true);
   * loop.close();
   * ```
   */
  done(): boolean {
    return this._state !== PENDING;
  }

  /**
   * Whether the future was cancelled.
   *
   * @returns `true` when cancelled.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * f.cancel("why");
   * assert.equal(f.cancelled(), true);
   * loop.close();
   * ```
   */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * The result; throws the exception if the future failed.
   *
   * @returns The result.
   * @throws {CancelledError} When cancelled (with the cancel message).
   * @throws {InvalidStateError} `Result is not ready.` while pending.
   * @throws {unknown} The future's exception.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import { InvalidStateError } from "@x/runner/future";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<number>();
   * assert.throws(() => f.result(), InvalidStateError);
   * f.setResult(1);
   * assert.equal(f.result(), 1);
   * loop.close();
   * ```
   */
  result(): T {
    const state = this._state;
    if (state === FINISHED) {
      if (this._failed) {
        this._retrieved();
        throw this._exception;
      }
      return this._result as T;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError("Result is not ready.");
  }

  /**
   * The exception the future failed with, or `undefined` if it has a result.
   *
   * @returns The exception, or `undefined`.
   * @throws {CancelledError} When cancelled.
   * @throws {InvalidStateError} `Exception is not set.` while pending.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * const err = new Error("boom");
   * f.setException(err);
   * assert.equal(f.exception(), err);
   * loop.close();
   * ```
   */
  exception(): unknown {
    const state = this._state;
    if (state === FINISHED) {
      if (!this._failed) return undefined;
      this._retrieved();
      return this._exception;
    }
    if (state === CANCELLED) throw this._makeCancelledError();
    throw new InvalidStateError("Exception is not set.");
  }

  /**
   * Finishes the future with a result and schedules its callbacks.
   *
   * @param value The result.
   * @throws {InvalidStateError} When the future is already done.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<number>();
   * f.setResult(3);
   * assert.throws(() => f.setResult(4), /invalid state/);
   * loop.close();
   * ```
   */
  setResult(value: T): void {
    if (this._state !== PENDING) throw this._invalidState();
    this._resolve(value);
  }

  /**
   * Finishes the future with an exception and schedules its callbacks. An
   * error class (rather than an instance) is instantiated, as in asyncio.
   *
   * @param exception What `result()` will throw.
   * @throws {InvalidStateError} When the future is already done.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * f.setException(RangeError);
   * assert.ok(f.exception() instanceof RangeError);
   * loop.close();
   * ```
   */
  setException(exception: unknown): void {
    if (this._state !== PENDING) throw this._invalidState();
    if (
      typeof exception === "function" &&
      (exception === Error || exception.prototype instanceof Error)
    ) {
      exception = new (exception as new () => Error)();
    }
    this._reject(exception);
  }

  /**
   * Cancels the future and schedules its callbacks.
   *
   * @param msg The message of the `CancelledError` that awaiters see.
   * @returns `false` when the future was already done, else `true`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * assert.equal(f.cancel("no longer needed"), true);
   * assert.equal(f.cancel(), false);
   * assert.throws(() => f.result(), { name: "CancelledError", message: "no longer needed" });
   * loop.close();
   * ```
   */
  cancel(msg?: string): boolean {
    if (msg != null && typeof msg !== "string") {
      optString(`${this._kind()}.cancel`, "msg", msg);
    }
    this._retrieved();
    if (this._state !== PENDING) return false;
    this._cancelMessage = msg;
    this._finish(CANCELLED);
    return true;
  }

  /**
   * Adds a callback to run, through the loop, when the future is done; it
   * gets the future. When the future is done already it is scheduled now.
   *
   * @param callback The callback.
   * @param options `context`: the context to run it in (by default a copy
   * of the current context, taken now).
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<number>();
   * const seen: number[] = [];
   * f.addDoneCallback((g) => seen.push(g.result()));
   * loop.callSoon(() => f.setResult(7));
   * await loop.runUntilComplete(f);
   * assert.deepEqual(seen, [7]);
   * loop.close();
   * ```
   */
  addDoneCallback(
    callback: (future: this) => void,
    options?: DoneCallbackOptions,
  ): void {
    checkFunction("Future.addDoneCallback", "callback", callback);
    this._addCallback(
      callback,
      callbackContext("Future.addDoneCallback", options),
    );
  }

  /** @internal addDoneCallback without checks. */
  _addCallback(callback: (future: this) => void, ctx: Context): void {
    if ((this._flags & STATE_MASK) !== PENDING) {
      if (ctx === contextState.internal && this._callbacks === null) {
        this._scheduleLone(callback as (future: Future<unknown>) => void);
      } else {
        this._loop._callSoonArg(callback, this, ctx);
      }
      return;
    }
    const cbs = this._callbacks;
    if (cbs === null) {
      this._callbacks = ctx === contextState.internal
        ? callback as (future: Future<unknown>) => void
        : [callback, ctx];
    } else if (Array.isArray(cbs)) {
      cbs.push(callback, ctx);
    } else {
      this._callbacks = [cbs, loneContext(cbs), callback, ctx];
    }
  }

  /**
   * Removes every registration of `callback`.
   *
   * @param callback The callback given to `addDoneCallback`.
   * @returns How many registrations were removed.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * const cb = () => {};
   * f.addDoneCallback(cb);
   * f.addDoneCallback(cb);
   * assert.equal(f.removeDoneCallback(cb), 2);
   * loop.close();
   * ```
   */
  removeDoneCallback(callback: (future: this) => void): number {
    // Once done, callbacks are scheduled and no longer registered.
    if (this._state !== PENDING) return 0;
    const cbs = this._callbacks;
    if (cbs === callback) {
      this._callbacks = null;
      return 1;
    }
    if (!Array.isArray(cbs)) return 0;
    let kept = 0;
    for (let i = 0; i < cbs.length; i += 2) {
      if (cbs[i] !== callback) {
        cbs[kept++] = cbs[i];
        cbs[kept++] = cbs[i + 1];
      }
    }
    const removed = (cbs.length - kept) / 2;
    cbs.length = kept;
    return removed;
  }

  /**
   * The loop the future belongs to.
   *
   * @returns The loop.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * assert.equal(loop.createFuture().getLoop(), loop);
   * loop.close();
   * ```
   */
  getLoop(): EventLoop {
    return this._loop as EventLoop;
  }

  /**
   * The await protocol: `yield* future` suspends the coroutine until the
   * future is done and evaluates to its result (or throws its exception).
   *
   * @returns An iterator for `yield*`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<string>();
   * loop.callSoon(() => f.setResult("hi"));
   * assert.equal(await loop.runUntilComplete((function* () { return yield* f; })()), "hi");
   * loop.close();
   * ```
   */
  [Symbol.iterator](): Coroutine<T> {
    // FutureIter yields the future itself: the Suspend a task waits on.
    return new FutureIter(this) as unknown as Coroutine<T>;
  }

  /**
   * Native `await` support: a promise settled when the future is done,
   * whether or not the loop is running at that moment. Awaiting a future
   * counts as retrieving its exception.
   *
   * @param onfulfilled Called with the result.
   * @param onrejected Called with the exception (a `CancelledError` when
   * the future was cancelled).
   * @returns A native promise.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<number>();
   * setTimeout(() => f.setResult(5), 1);
   * assert.equal(await f, 5);
   * loop.close();
   * ```
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.toPromise().then(onfulfilled, onrejected);
  }

  /**
   * Like `Promise.prototype.catch`: a native promise settled as
   * {@linkcode Future.then} settles it, with `onrejected` handling the
   * exception (a `CancelledError` when the future was cancelled). Counts as
   * retrieving the exception, as `then` does.
   *
   * @param onrejected Called with the exception.
   * @returns A native promise.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<number>();
   * f.setException(new RangeError("no"));
   * const r = await f.catch((e) => (e instanceof RangeError ? -1 : 0));
   * assert.equal(r, -1);
   * loop.close();
   * ```
   */
  catch<R = never>(
    onrejected?: ((reason: unknown) => R | PromiseLike<R>) | null,
  ): Promise<T | R> {
    return this.toPromise().catch(onrejected);
  }

  /**
   * Like `Promise.prototype.finally`: a native promise settled as
   * {@linkcode Future.then} settles it, after `onfinally` ran (whether the
   * future succeeded, failed or was cancelled). The returned promise keeps
   * the outcome, so a failure must still be handled on it.
   *
   * @param onfinally Called once the future is done.
   * @returns A native promise with the future's outcome.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<string>();
   * f.setResult("done");
   * let ran = false;
   * assert.equal(await f.finally(() => { ran = true; }), "done");
   * assert.ok(ran);
   * loop.close();
   * ```
   */
  finally(onfinally?: (() => void) | null): Promise<T> {
    return this.toPromise().finally(onfinally);
  }

  /**
   * The native promise behind `then` (one per future).
   *
   * @returns A promise settled with the future's outcome; asked for while
   * the future is pending and its loop is closed (nothing can complete it
   * any more), it rejects with `Event loop is closed`.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture<number>();
   * f.setResult(1);
   * assert.equal(await f.toPromise(), 1);
   * loop.close();
   * ```
   */
  toPromise(): Promise<T> {
    const extra = this._extraFields();
    let box = extra.promise;
    if (box === null) {
      let resolve!: (v: unknown) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res as (v: unknown) => void;
        reject = rej;
      });
      box = extra.promise = { promise, resolve, reject };
      if (this._state !== PENDING) settle(this, box);
      // Nothing can complete it any more: reject rather than hang.
      else if (this._loop.isClosed()) reject(new Error("Event loop is closed"));
      // Until it settles, its loop's close() rejects it.
      else addNativeWait(this._loop, box);
    }
    if (this._failed) this._retrieved();
    return box.promise;
  }

  /**
   * A description in asyncio's style: `<Future pending>`,
   * `<Future finished result=1>`, `<Future cancelled>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { EventLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const f = loop.createFuture();
   * assert.equal(String(f), "<Future pending>");
   * f.setResult(1);
   * assert.equal(String(f), "<Future finished result=1>");
   * loop.close();
   * ```
   */
  toString(): string {
    return `<${this._kind()} ${this._stateInfo()}>`;
  }

  /** @internal The class name used in messages. */
  _kind(): string {
    return "Future";
  }

  /** @internal */
  _stateInfo(): string {
    const s = this._state;
    if (s === CANCELLED) return "cancelled";
    if (s === PENDING) {
      const cbs = this._callbacks;
      const n = cbs === null ? 0 : Array.isArray(cbs) ? cbs.length / 2 : 1;
      return n > 0 ? `pending cb=[${n}]` : "pending";
    }
    return this._failed
      ? `finished exception=${describe(this._exception)}`
      : `finished result=${describe(this._result)}`;
  }

  /** @internal */
  _invalidState(): InvalidStateError {
    return new InvalidStateError(
      `invalid state: ${STATE_NAMES[this._state]}: ${this}`,
    );
  }

  /** @internal The CancelledError to throw for a cancelled future. */
  _makeCancelledError(): CancelledError {
    return cancelledErrorOf(this);
  }

  /** @internal Finishes with a result, no state check. */
  _resolve(value: T): void {
    this._result = value;
    this._finish(FINISHED);
  }

  /** @internal Finishes with an exception, no state check. */
  _reject(exception: unknown): void {
    this._result = exception as T;
    this._flags |= FLAG_FAILED | FLAG_LOG_TRACEBACK;
    const loop = this._loop;
    const held = new NeverRetrieved(
      loop,
      this._kind(),
      this._reportName(),
      exception,
      sourceTracebacks.get(this),
    );
    this._extraFields().neverRetrieved = held;
    watchUnretrieved(this, held);
    this._finish(FINISHED);
  }

  /** @internal The name a "never retrieved" report gives (tasks have one). */
  _reportName(): string | number | null {
    return null;
  }

  /** @internal Marks the exception as seen: no "never retrieved" report. */
  _retrieved(): void {
    if ((this._flags & FLAG_LOG_TRACEBACK) !== 0) {
      this._flags &= ~FLAG_LOG_TRACEBACK;
      const extra = this._extra!;
      const held = extra.neverRetrieved!;
      extra.neverRetrieved = null;
      held.loop._unretrieved.delete(held);
      held.exception = undefined;
    }
  }

  /** @internal Sets the state and schedules callbacks in order. */
  _finish(state: number): void {
    this._flags = (this._flags & ~STATE_MASK) | state;
    this._onDone();
    const extra = this._extra;
    if (extra !== null && extra.promise !== null) settle(this, extra.promise);
    const cbs = this._callbacks;
    if (cbs === null) return;
    const loop = this._loop;
    if (!Array.isArray(cbs)) {
      if (typeof cbs === "function") {
        this._scheduleLone(cbs);
      } else {
        this._callbacks = null;
        loop._pushReady(cbs);
      }
      return;
    }
    this._callbacks = null;
    for (let i = 0; i < cbs.length; i += 2) {
      const cb = cbs[i];
      if (typeof cb === "function") {
        loop._callSoonArg(
          cb as (f: unknown) => void,
          this,
          cbs[i + 1] as Context,
        );
      } else {
        // A task waiting on this future: queue its next step.
        loop._pushReady(cb as ReadyItem);
      }
    }
  }

  /**
   * @internal Queues the done future itself as the entry that runs `cb`, its
   * one internal done callback, so that no Handle is allocated for it.
   */
  _scheduleLone(cb: (future: Future<unknown>) => void): void {
    const loop = this._loop;
    loop._checkClosed();
    this._callbacks = cb;
    loop._pushReady(this);
  }

  /** @internal */
  _stepOf(): TaskCore | null {
    return null;
  }

  /** @internal Hands the queued done callback over to a handle. */
  _toHandle(): Handle {
    const cb = this._callbacks as (future: Future<unknown>) => void;
    this._callbacks = null;
    return new Handle(
      cb,
      this,
      contextState.internal as Context,
      this._loop,
      null,
    );
  }

  /** @internal Hook for subclasses (tasks unregister here). */
  _onDone(): void {}

  /** @internal Registers a task to wake when done (no closure). */
  _addWaiter(task: ReadyItem): void {
    const cbs = this._callbacks;
    if (cbs === null) this._callbacks = task;
    else if (Array.isArray(cbs)) cbs.push(task, null);
    else this._callbacks = [cbs, loneContext(cbs), task, null];
  }

  /** @internal Removes a waiting task (shield, waitFor detaching). */
  _removeWaiter(task: ReadyItem): void {
    const cbs = this._callbacks;
    if (cbs === task) {
      this._callbacks = null;
      return;
    }
    if (!Array.isArray(cbs)) return;
    for (let i = 0; i < cbs.length; i += 2) {
      if (cbs[i] === task) {
        cbs.splice(i, 2);
        return;
      }
    }
  }
}

(Future.prototype as { _runEntry: RunEntry })._runEntry = runLoneCallback;

/** Settles `box` with the outcome of the done future `f`. */
function settle<T>(f: Future<T>, box: PromiseBox<T>): void {
  dropNativeWait(f._loop, box);
  if (f._state === FINISHED && !f._failed) {
    box.resolve(f._result as T);
    return;
  }
  try {
    f.result();
  } catch (e) {
    box.reject(e);
  }
}

/** The context paired with a lone callback when it moves into an array. */
function loneContext(cb: unknown): Context | null {
  return typeof cb === "function" ? contextState.internal as Context : null;
}

/** The iterator `yield* future` drives: yields the future once, then returns. */
class FutureIter<T> {
  _fut: Future<T>;
  _yielded: boolean;
  constructor(fut: Future<T>) {
    this._fut = fut;
    this._yielded = false;
  }
  next(): IteratorResult<unknown, T> {
    const f = this._fut;
    if (f._state === PENDING) {
      if (this._yielded) throw new Error("await wasn't used with future");
      this._yielded = true;
      f._blocking = true;
      return { value: f, done: false };
    }
    return { value: f.result(), done: true };
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
