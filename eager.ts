/**
 * Eager coroutines, after the Python library asynkit: start a coroutine
 * right away, run it synchronously up to its first suspension, and only then
 * hand the rest to a Task ("depth-first execution", the way C# `async`
 * methods start).
 *
 * - {@linkcode CoroStart}: a coroutine started synchronously; await it, turn
 *   it into a Future or a coroutine, throw into it or close it.
 * - {@linkcode eager} / {@linkcode coroEager} / {@linkcode funcEager}: start
 *   now; get a done Future if it finished, else a Task that continues it.
 * - {@linkcode eagerTaskFactory}: Python 3.12's eager tasks for a whole loop
 *   (`loop.setTaskFactory(eagerTaskFactory)`).
 * - {@linkcode coroAwait} (await in a context), {@linkcode coroIter}
 *   (delegate with state tracking), {@linkcode coroIsNew},
 *   {@linkcode coroIsSuspended}, {@linkcode coroIsDone},
 *   {@linkcode coroState}.
 *
 * Python's `coro_get_frame()` has no JavaScript analog (a generator exposes
 * neither its frame nor its state), so it is not provided; use
 * {@linkcode coroState} for the state and `currentTask()` for "who is
 * running".
 *
 * @example Eager vs lazy
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { eager } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const log: (string | number)[] = [];
 * function* work() {
 *   log.push(1);
 *   yield* sleep(200); // long enough that "c" comes first even on a loaded machine
 *   log.push(2);
 * }
 * await run((function* () {
 *   log.push("a");
 *   const f = eager(work()); // runs work() up to its sleep, right now
 *   log.push("b");
 *   yield* sleep(10);
 *   log.push("c");
 *   yield* f;
 * })());
 * assert.deepEqual(log, ["a", 1, "b", "c", 2]);
 * ```
 *
 * @module
 */

import { type Coroutine, isCoroutine, type Suspend } from "./_coro.ts";
import {
  adoptStarted,
  closeCoro,
  coroStateOf,
  excName,
  GeneratorExit,
  stepCoro,
} from "./_drive.ts";
import { DONE, NEW, rememberCoroTask, SUSPENDED } from "./_yield.ts";
import { getRunningLoop } from "./_events.ts";
import { type Context, copyContext } from "./_context.ts";
import { CancelledError, Future, InvalidStateError } from "./future.ts";
import { Task, type TaskOptions } from "./task.ts";
import type { EventLoop } from "./loop.ts";
import {
  badType,
  checkCoroutine,
  checkFunction,
  checkInteger,
  checkLoop,
  checkOptions,
  optBoolean,
  optContext,
  optFunction,
  optString,
} from "./_validate.ts";

export { GeneratorExit };
export type { Coroutine };

const NOT_STARTED = 0;
const PENDING = 1;
const FINISHED = 2;
const CONTINUED = 3;

const NOT_DONE = "CoroStart: coroutine not done()";
const REUSE = "cannot reuse already awaited coroutine";

/** Options of {@linkcode CoroStart}. */
export interface CoroStartOptions {
  /**
   * The context both phases run in (the start and the continuation); the
   * current context when not given (then context writes leak to the caller,
   * as with a plain `yield*`).
   */
  context?: Context;
  /** `false`: do not start in the constructor; call `start()` later. */
  autostart?: boolean;
}

/** Options naming a context for one phase of a {@linkcode CoroStart}. */
export interface PhaseOptions {
  /** Overrides the constructor's context for this phase only. */
  context?: Context;
}

/**
 * A coroutine started synchronously: the constructor runs it up to its first
 * suspension (or to its end). Afterwards it is either *done* (it returned or
 * threw without blocking: {@linkcode CoroStart.result} has the outcome) or
 * *pending* (suspended; `yield* cs` continues it and returns its result).
 *
 * A CoroStart can be awaited once; awaiting again is an `Error`
 * (`cannot reuse already awaited coroutine`), as in Python.
 *
 * @typeParam T The coroutine's return type.
 *
 * @example Blocking and non-blocking coroutines
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { CoroStart } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * function* coro1(log: unknown[], block: boolean) {
 *   log.push(1);
 *   if (block) yield* sleep(10);
 *   log.push(2);
 *   return log;
 * }
 * for (const [block, want] of [[true, [1, "a", 2]], [false, [1, 2, "a"]]] as const) {
 *   const log = await run((function* () {
 *     const log: unknown[] = [];
 *     const cs = new CoroStart(coro1(log, block));
 *     assert.equal(cs.done(), !block);
 *     log.push("a");
 *     return yield* cs;
 *   })());
 *   assert.deepEqual(log, want);
 * }
 * ```
 */
export class CoroStart<T> {
  /** The coroutine. */
  readonly coro: Coroutine<T>;
  /** The default context of both phases (`undefined`: the current one). */
  context: Context | undefined;
  /** @internal */
  _state: number;
  /** @internal What the coroutine yielded when it suspended. */
  _yielded: unknown;
  /** @internal */
  _result: T | undefined;
  /** @internal */
  _exception: unknown;
  /** @internal */
  _failed: boolean;

  /**
   * Starts `coro` now (unless `autostart` is `false`).
   *
   * @param coro The coroutine (call the `function*` first).
   * @param options `context` and `autostart`.
   * @throws {TypeError} `a coroutine was expected, got …`.
   */
  constructor(coro: Coroutine<T>, options?: CoroStartOptions) {
    if (!isCoroutine(coro)) checkCoroutine("CoroStart", "coro", coro);
    if (options != null) {
      checkPhaseOptions("CoroStart", options);
      optBoolean("CoroStart", "options.autostart", options.autostart);
    }
    this.coro = coro;
    this.context = options?.context;
    this._state = NOT_STARTED;
    this._yielded = undefined;
    this._result = undefined;
    this._exception = undefined;
    this._failed = false;
    if (options?.autostart !== false) this._run(0, undefined, this.context);
  }

  /**
   * Starts a CoroStart made with `autostart: false`.
   *
   * @param options `context`: the start phase's context (default: the
   * constructor's, else the current one).
   * @returns `true` when the coroutine finished, `false` when it suspended.
   * @throws {Error} `CoroStart.start() can only be called once`.
   *
   * @example
   * ```ts
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const cs = new CoroStart((function* () { return 5; })(), { autostart: false });
   * assert.equal(cs.done(), false);
   * assert.equal(cs.start(), true);
   * assert.equal(cs.result(), 5);
   * ```
   */
  start(options?: PhaseOptions): boolean {
    checkPhaseOptions("CoroStart.start", options);
    if (this._state !== NOT_STARTED) {
      throw new Error("CoroStart.start() can only be called once");
    }
    this._run(0, undefined, options?.context ?? this.context);
    return this.done();
  }

  /**
   * Whether the coroutine finished (returned or threw) without blocking.
   *
   * @returns `true` when done.
   *
   * @example
   * ```ts
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new CoroStart((function* () { return 1; })()).done(), true);
   * ```
   */
  done(): boolean {
    return this._state === FINISHED;
  }

  /**
   * Whether the coroutine is suspended and not yet continued.
   *
   * @returns `true` when pending.
   *
   * @example
   * ```ts
   * import { sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const cs = new CoroStart((function* () { yield* sleep(0); })());
   * assert.equal(cs.pending(), true);
   * cs.close();
   * ```
   */
  pending(): boolean {
    return this._state === PENDING;
  }

  /**
   * Whether the start result was consumed (awaited or closed), or the
   * CoroStart was never started.
   *
   * @returns `true` when continued.
   *
   * @example
   * ```ts
   * import { sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const cs = new CoroStart((function* () { yield* sleep(0); })());
   * cs.close();
   * assert.equal(cs.continued(), true);
   * ```
   */
  continued(): boolean {
    return this._state === CONTINUED || this._state === NOT_STARTED;
  }

  /**
   * The return value of a done coroutine; throws what it threw.
   *
   * @returns The return value.
   * @throws {InvalidStateError} `CoroStart: coroutine not done()`.
   *
   * @example
   * ```ts
   * import { InvalidStateError, sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new CoroStart((function* () { return 3; })()).result(), 3);
   * const pending = new CoroStart((function* () { yield* sleep(0); })());
   * assert.throws(() => pending.result(), InvalidStateError);
   * pending.close();
   * ```
   */
  result(): T {
    if (this._state !== FINISHED) throw new InvalidStateError(NOT_DONE);
    if (this._failed) throw this._exception;
    return this._result as T;
  }

  /**
   * What a done coroutine threw (`undefined` if it returned).
   *
   * @returns The exception or `undefined`.
   * @throws {InvalidStateError} `CoroStart: coroutine not done()`.
   *
   * @example
   * ```ts
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const cs = new CoroStart((function* () { throw new RangeError("x"); })());
   * assert.ok(cs.exception() instanceof RangeError);
   * ```
   */
  exception(): unknown {
    if (this._state !== FINISHED) throw new InvalidStateError(NOT_DONE);
    return this._failed ? this._exception : undefined;
  }

  /**
   * A coroutine that continues this one (the same as `yield* cs`, with an
   * optional context for the continuation). Awaiting it consumes the start
   * result: only one continuation can be awaited.
   *
   * @param options `context`: the continuation's context.
   * @returns A coroutine.
   *
   * @example
   * ```ts
   * import { createTask, run, sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const cs = new CoroStart((function* () { yield* sleep(1); return "x"; })());
   *   return yield* createTask(cs.asCoroutine());
   * })());
   * assert.equal(r, "x");
   * ```
   */
  asCoroutine(options?: PhaseOptions): Coroutine<T> {
    checkPhaseOptions("CoroStart.asCoroutine", options);
    return continueStart(this, options?.context ?? this.context);
  }

  /**
   * A Future holding the outcome of a done coroutine (on the running loop),
   * so it can go where futures go (`gather`) without becoming a Task. A
   * coroutine that threw a `CancelledError` gives a cancelled Future.
   *
   * @returns A done Future.
   * @throws {Error} `CoroStart: coroutine not done()`; `no running event loop`.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   const f = new CoroStart((function* () { return 1; })()).asFuture();
   *   assert.equal(f.done(), true);
   *   assert.equal(yield* f, 1);
   * })());
   * ```
   */
  asFuture(): Future<T> {
    if (this._state !== FINISHED) throw new Error(NOT_DONE);
    const f = getRunningLoop().createFuture<T>();
    if (!this._failed) f.setResult(this._result as T);
    else if (this._exception instanceof CancelledError) {
      f.cancel(this._exception.message || undefined);
    } else f.setException(this._exception);
    return f;
  }

  /**
   * {@linkcode CoroStart.asFuture} when done, else
   * {@linkcode CoroStart.asCoroutine}: something to `yield*` or to `gather`.
   *
   * @param options `context`: the continuation's context.
   * @returns A Future or a coroutine.
   *
   * @example
   * ```ts
   * import { Future, run } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * await run((function* () {
   *   const a = new CoroStart((function* () { return 1; })()).asAwaitable();
   *   assert.ok(a instanceof Future);
   *   assert.equal(yield* a, 1);
   * })());
   * ```
   */
  asAwaitable(options?: PhaseOptions): Future<T> | Coroutine<T> {
    checkPhaseOptions("CoroStart.asAwaitable", options);
    return this._state === FINISHED
      ? this.asFuture()
      : this.asCoroutine(options);
  }

  /**
   * Throws `exc` into the suspended coroutine, synchronously, up to `tries`
   * times until it finishes; returns its result (or throws what it threw).
   *
   * @param exc What to throw in.
   * @param tries How many times to throw before giving up (default 1).
   * @returns The coroutine's return value.
   * @throws {Error} `coroutine ignored <Name>` when it keeps suspending;
   * `cannot reuse already awaited coroutine` when done or continued.
   *
   * @example
   * ```ts
   * import { sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const cs = new CoroStart((function* () {
   *   try {
   *     yield* sleep(0);
   *   } catch {
   *     return "handled";
   *   }
   * })());
   * assert.equal(cs.throw(new RangeError()), "handled");
   * ```
   */
  throw(exc: unknown, tries = 1): T {
    checkInteger("CoroStart.throw", "tries", tries, 1);
    const s = this._state;
    if (s === FINISHED || s === CONTINUED) throw new Error(REUSE);
    for (let i = 0; i < tries; i++) {
      this._run(1, exc, this.context);
      if (this._state === FINISHED) return this.result();
    }
    throw new Error(`coroutine ignored ${excName(exc)}`);
  }

  /**
   * Throws `exc` into the suspended coroutine and, if it suspends again,
   * continues it asynchronously to its end (async cleanup may run).
   *
   * @param exc What to throw in.
   * @returns A coroutine giving the coroutine's return value.
   * @throws {Error} `cannot reuse already awaited coroutine` when done or
   * continued.
   *
   * @example
   * ```ts
   * import { run, sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   const cs = new CoroStart((function* () {
   *     try {
   *       yield* sleep(1000);
   *     } catch {
   *       yield* sleep(1); // async cleanup
   *       return "cleaned";
   *     }
   *   })());
   *   return yield* cs.athrow(new Error("stop"));
   * })());
   * assert.equal(r, "cleaned");
   * ```
   */
  *athrow(exc: unknown): Coroutine<T> {
    const s = this._state;
    if (s === FINISHED || s === CONTINUED) throw new Error(REUSE);
    this._run(1, exc, this.context);
    return yield* continueStart(this, this.context);
  }

  /**
   * Closes the coroutine synchronously: throws {@linkcode GeneratorExit} in
   * at its suspension point. Afterwards the CoroStart cannot be awaited. A
   * done coroutine is left as it is; closing twice is fine.
   *
   * @throws {Error} `coroutine ignored GeneratorExit` when the coroutine
   * suspends again instead of finishing (async cleanup: use `aclose`).
   *
   * @example
   * ```ts
   * import { sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * let cleaned = false;
   * const cs = new CoroStart((function* () {
   *   try {
   *     yield* sleep(0);
   *   } finally {
   *     cleaned = true;
   *   }
   * })());
   * cs.close();
   * assert.equal(cleaned, true);
   * ```
   */
  close(): void {
    this._state = CONTINUED;
    this._yielded = undefined;
    closeCoro(this.coro as Coroutine<unknown>, this.context);
  }

  /**
   * Closes a pending coroutine asynchronously: throws
   * {@linkcode GeneratorExit} in and lets its cleanup run (even with
   * `yield*`). Does nothing unless pending.
   *
   * @returns A coroutine to `yield*`.
   *
   * @example
   * ```ts
   * import { run, sleep } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const log: string[] = [];
   * await run((function* () {
   *   const cs = new CoroStart((function* () {
   *     try {
   *       yield* sleep(1000);
   *     } finally {
   *       yield* sleep(1);
   *       log.push("cleanup done");
   *     }
   *   })());
   *   yield* cs.aclose();
   * })());
   * assert.deepEqual(log, ["cleanup done"]);
   * ```
   */
  *aclose(): Coroutine<void> {
    if (this._state !== PENDING) return;
    try {
      yield* this.athrow(new GeneratorExit());
    } catch (e) {
      if (!(e instanceof GeneratorExit)) throw e;
    }
  }

  /**
   * `yield* cs` continues the coroutine and returns its result; a done one
   * returns (or throws) at once, without a loop round trip.
   *
   * @returns The continuation coroutine.
   *
   * @example
   * ```ts
   * import { run } from "@x/runner";
   * import { CoroStart } from "@x/runner/eager";
   * import assert from "node:assert/strict";
   *
   * const r = await run((function* () {
   *   return yield* new CoroStart((function* () { return 7; })());
   * })());
   * assert.equal(r, 7);
   * ```
   */
  [Symbol.iterator](): Coroutine<T> {
    return continueStart(this, this.context);
  }

  /** @internal One step into the coroutine; records the outcome. */
  _run(mode: 0 | 1, value: unknown, ctx: Context | undefined): void {
    let r: IteratorResult<unknown, T>;
    try {
      r = stepCoro(this.coro, mode, value, ctx);
    } catch (e) {
      this._state = FINISHED;
      this._failed = true;
      this._exception = e;
      this._yielded = undefined;
      return;
    }
    if (r.done === true) {
      this._state = FINISHED;
      this._failed = false;
      this._result = r.value;
      this._yielded = undefined;
    } else {
      this._state = PENDING;
      this._yielded = r.value;
    }
  }

  /** @internal Hands the suspended coroutine over: returns what it yielded. */
  _take(): unknown {
    const y = this._yielded;
    this._state = CONTINUED;
    this._yielded = undefined;
    return y;
  }
}

/** The continuation of a CoroStart: re-yields its first yield, then delegates. */
function* continueStart<T>(
  cs: CoroStart<T>,
  ctx: Context | undefined,
): Coroutine<T> {
  if (cs._state === NOT_STARTED) cs._run(0, undefined, ctx);
  const state = cs._state;
  if (state === CONTINUED) throw new Error(REUSE);
  if (state === FINISHED) {
    cs._state = CONTINUED;
    if (cs._failed) throw cs._exception;
    return cs._result as T;
  }
  return yield* delegate(cs.coro, cs._take(), ctx);
}

/**
 * Passes `out` (what `coro` last yielded) up to our driver, and every resume
 * down into `coro` (in `ctx`), until `coro` finishes. Closing this generator
 * with `return()` closes `coro`.
 */
function* delegate<T>(
  coro: Coroutine<T>,
  out: unknown,
  ctx: Context | undefined,
): Coroutine<T> {
  let finished = false;
  try {
    for (;;) {
      let mode: 0 | 1 = 0;
      let value: unknown;
      try {
        // The one cast of this driver: `out` is what `coro` yielded (a
        // Suspend, though stepCoro reports it as unknown), passed on as is.
        value = yield out as Suspend;
      } catch (e) {
        // asynkit's coro_iter: closing us closes the inner coroutine (it
        // may clean up, but not yield) and the GeneratorExit goes on up.
        if (e instanceof GeneratorExit) {
          finished = true;
          closeCoro(coro as Coroutine<unknown>, ctx);
          throw e;
        }
        mode = 1;
        value = e;
      }
      let r: IteratorResult<unknown, T>;
      try {
        r = stepCoro(coro, mode, value, ctx);
      } catch (e) {
        finished = true;
        throw e;
      }
      if (r.done === true) {
        finished = true;
        return r.value;
      }
      out = r.value;
    }
  } finally {
    if (!finished) closeCoro(coro as Coroutine<unknown>, ctx);
  }
}

/**
 * Awaits `coro`, optionally inside `context` (every step of it runs there,
 * so its context writes land in `context`, not in the caller's). Without a
 * context it is a plain await: writes leak to the caller, as with `yield*`.
 *
 * @param coro The coroutine.
 * @param options `context`.
 * @returns A coroutine giving `coro`'s result.
 *
 * @example
 * ```ts
 * import { ContextVar, copyContext, run } from "@x/runner";
 * import { coroAwait } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const var1 = new ContextVar<string>("var1");
 * function* myMethod() {
 *   var1.set("foo");
 * }
 * await run((function* () {
 *   const context = copyContext();
 *   var1.set("bar");
 *   yield* coroAwait(myMethod(), { context });
 *   assert.equal(var1.get(), "bar"); // ours is untouched
 *   assert.equal(context.get(var1), "foo"); // the copy was modified
 * })());
 * ```
 */
export function coroAwait<T>(
  coro: Coroutine<T>,
  options?: PhaseOptions,
): Coroutine<T> {
  checkCoroutine("coroAwait", "coro", coro);
  checkPhaseOptions("coroAwait", options);
  return coroAwaitImpl(coro, options);
}

function* coroAwaitImpl<T>(
  coro: Coroutine<T>,
  options?: PhaseOptions,
): Coroutine<T> {
  return yield* new CoroStart(coro, { context: options?.context });
}

/**
 * Delegates to `coro` like `yield* coro`, but steps it through this
 * package's driver: its state becomes visible to {@linkcode coroState}, and
 * closing the returned generator closes `coro` with
 * {@linkcode GeneratorExit}. Handy for `[Symbol.iterator]()` methods that
 * make an object awaitable (asynkit's `awaitmethod_iter`).
 *
 * @param coro The coroutine.
 * @returns A coroutine giving `coro`'s result.
 * @throws {TypeError} `a coroutine was expected, got …`.
 *
 * @example An object that can be awaited many times
 * ```ts
 * import { run, sleep, type Coroutine } from "@x/runner";
 * import { coroIter } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * class Counter {
 *   count = 0;
 *   *#wait(): Coroutine<number> {
 *     yield* sleep(1);
 *     return ++this.count;
 *   }
 *   [Symbol.iterator](): Coroutine<number> {
 *     return coroIter(this.#wait());
 *   }
 * }
 * const r = await run((function* () {
 *   const c = new Counter();
 *   return [yield* c, yield* c];
 * })());
 * assert.deepEqual(r, [1, 2]);
 * ```
 */
export function coroIter<T>(coro: Coroutine<T>): Coroutine<T> {
  checkCoroutine("coroIter", "coro", coro);
  return iterImpl(coro);
}

function* iterImpl<T>(coro: Coroutine<T>): Coroutine<T> {
  const r = stepCoro(coro, 0, undefined, undefined);
  if (r.done === true) return r.value;
  return yield* delegate(coro, r.value, undefined);
}

/** Options of {@linkcode coroEager}, {@linkcode funcEager} and {@linkcode eager}. */
export interface EagerOptions<T> {
  /** The context of both phases; a copy of the current one by default. */
  context?: Context;
  /** The name of the Task made when the coroutine blocks. */
  name?: string;
  /**
   * Makes the Task when the coroutine blocks, from the continuation
   * coroutine (asynkit's `create_task` argument). By default the Task
   * adopts the suspended coroutine directly.
   */
  createTask?: (coro: Coroutine<T>) => Future<T>;
}

/**
 * Starts `coro` now, in a copy of the current context (or `context`), and
 * runs it synchronously to its first suspension. Returns a done Future if
 * it finished (no Task is made), else a Task that continues it.
 *
 * Timing: the Task waits on what the coroutine blocked on from the start,
 * like Python 3.12's eager tasks. asynkit's `coro_eager` goes through
 * `as_coroutine()`, which costs one extra loop pass before the second step
 * (its Task first re-yields the stored yield); passing
 * `createTask: (c) => createTask(c)` reproduces that. During the eager
 * phase `currentTask()` is the caller's task (as in asynkit).
 *
 * @param coro The coroutine.
 * @param options `context`, `name`, `createTask`.
 * @returns A done Future or a Task.
 * @throws {TypeError} `a coroutine was expected, got …`.
 * @throws {Error} `no running event loop` (after the start, when a Future or
 * Task is needed).
 *
 * @example
 * ```ts
 * import { run, sleep, Task } from "@x/runner";
 * import { coroEager } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const quick = coroEager((function* () { return 1; })());
 *   assert.equal(quick.done(), true);
 *   const slow = coroEager((function* () { yield* sleep(1); return 2; })());
 *   assert.ok(slow instanceof Task);
 *   assert.equal((yield* quick) + (yield* slow), 3);
 * })());
 * ```
 */
export function coroEager<T>(
  coro: Coroutine<T>,
  options?: EagerOptions<T>,
): Future<T> {
  checkCoroutine("coroEager", "coro", coro);
  checkEagerOptions("coroEager", options);
  const cs = new CoroStart(coro, {
    context: options?.context ?? copyContext(),
  });
  if (cs._state === FINISHED) return cs.asFuture();
  const create = options?.createTask;
  if (create != null) {
    const f = create(cs.asCoroutine());
    if (!(f instanceof Future)) {
      throw badType(
        "coroEager",
        "the result of options.createTask",
        "a Future",
        f,
      );
    }
    return f;
  }
  const loop = getRunningLoop();
  if (loop._taskFactory !== null) {
    return loop.createTask(cs.asCoroutine(), { name: options?.name });
  }
  return adoptCoroStart(cs, loop, options?.name);
}

/** A Task that continues a pending CoroStart without a wrapper coroutine. */
function adoptCoroStart<T>(
  cs: CoroStart<T>,
  loop: EventLoop,
  name: string | undefined,
): Task<T> {
  const ctx = cs.context ?? copyContext();
  const yielded = cs._take();
  const task = new Task(cs.coro, { context: ctx, name }, loop);
  rememberCoroTask(cs.coro, task as Task<unknown>);
  adoptStarted(task as Task<unknown>, yielded);
  return task;
}

/**
 * Wraps a coroutine function so that every call runs eagerly
 * ({@linkcode coroEager}).
 *
 * @param fn A `function*`.
 * @param options As for {@linkcode coroEager}.
 * @returns A function returning a done Future or a Task.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { funcEager } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const log: (string | number)[] = [];
 * const fetchIt = funcEager(function* (n: number) {
 *   log.push(n);
 *   yield* sleep(1);
 *   return n * 2;
 * });
 * const r = await run((function* () {
 *   const f = fetchIt(21);
 *   log.push("after call");
 *   return yield* f;
 * })());
 * assert.equal(r, 42);
 * assert.deepEqual(log, [21, "after call"]);
 * ```
 */
export function funcEager<A extends unknown[], T>(
  fn: (...args: A) => Coroutine<T>,
  options?: EagerOptions<T>,
): (...args: A) => Future<T> {
  checkFunction("funcEager", "fn", fn);
  checkEagerOptions("funcEager", options);
  const wrapper = function (this: unknown, ...args: A): Future<T> {
    return coroEager(fn.apply(this, args), options);
  };
  Object.defineProperty(wrapper, "name", { value: fn.name });
  return wrapper;
}

/**
 * Eager execution for a coroutine ({@linkcode coroEager}) or a coroutine
 * function ({@linkcode funcEager}).
 *
 * @param x A coroutine or a `function*`.
 * @param options As for {@linkcode coroEager}.
 * @returns A Future (for a coroutine) or a wrapped function.
 * @throws {TypeError} `need coroutine or function, got …` for anything else.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { eager } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const double = eager(function* (n: number) { return 2 * n; });
 * const r = await run((function* () {
 *   return (yield* double(2)) + (yield* eager((function* () { return 1; })()));
 * })());
 * assert.equal(r, 5);
 * assert.throws(() => eager(42 as never), TypeError);
 * ```
 */
export function eager<T>(
  x: Coroutine<T>,
  options?: EagerOptions<T>,
): Future<T>;
/**
 * Eager execution for a coroutine function: every call starts eagerly
 * ({@linkcode funcEager}).
 *
 * @param x A `function*`.
 * @param options As for {@linkcode coroEager}.
 * @returns A function returning a done Future or a Task.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { eager } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const one = eager(function* () { return 1; });
 * assert.equal(await run((function* () { return yield* one(); })()), 1);
 * ```
 */
export function eager<A extends unknown[], T>(
  x: (...args: A) => Coroutine<T>,
  options?: EagerOptions<T>,
): (...args: A) => Future<T>;
export function eager<A extends unknown[], T>(
  x: Coroutine<T> | ((...args: A) => Coroutine<T>),
  options?: EagerOptions<T>,
): Future<T> | ((...args: A) => Future<T>) {
  checkEagerOptions("eager", options);
  if (isCoroutine(x)) return coroEager(x as Coroutine<T>, options);
  if (typeof x === "function") return funcEager(x, options);
  throw badType("eager", "x", "a coroutine or a function", x);
}

/** What {@linkcode cancelling} can cancel: a Future, a Task, a CoroStart's future… */
export interface Cancellable {
  /** Cancels, with a message for the `CancelledError`. */
  cancel(msg?: string): unknown;
  /** Whether it was cancelled. */
  cancelled(): boolean;
}

/** Options of {@linkcode cancelling} and {@linkcode eagerCtx}. */
export interface CancellingOptions {
  /** The message of the `CancelledError` raised in the target. */
  msg?: string;
}

/**
 * A scope that cancels its `target` when it ends (asynkit's `cancelling`):
 * `using c = cancelling(t)`. Leaving the scope in any way, an error
 * included, cancels it; a target that is done by then is left as it is.
 *
 * @typeParam C The target's type.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { cancelling } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = createTask(sleep(1000));
 *   {
 *     using c = cancelling(t, { msg: "not needed" });
 *     assert.equal(c.target, t);
 *   }
 *   yield* sleep(0);
 *   assert.equal(t.cancelled(), true);
 * })());
 * ```
 */
export class Cancelling<C extends Cancellable> implements Disposable {
  /** What gets cancelled at scope exit. */
  readonly target: C;
  /** The cancel message. */
  readonly msg: string | undefined;

  /**
   * Makes the scope; {@linkcode cancelling} is the usual way.
   *
   * @param target What to cancel.
   * @param options `msg`.
   */
  constructor(target: C, options?: CancellingOptions) {
    if (
      target === null || typeof target !== "object" ||
      typeof target.cancel !== "function"
    ) {
      throw badType(
        "cancelling",
        "target",
        "a Future or Task (something with cancel())",
        target,
      );
    }
    checkOptions("cancelling", options);
    optString("cancelling", "options.msg", options?.msg);
    this.target = target;
    this.msg = options?.msg;
  }

  /** Cancels the target (a done one ignores it). */
  [Symbol.dispose](): void {
    this.target.cancel(this.msg);
  }
}

/**
 * A {@linkcode Cancelling} scope for `target`: it is cancelled, with `msg`,
 * when the `using` scope ends.
 *
 * @param target A Future or Task.
 * @param options `msg`.
 * @returns The scope; its `target` is `target`.
 * @throws {TypeError} When `target` cannot be cancelled.
 *
 * @example
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@x/runner";
 * import { cancelling } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   let t;
 *   {
 *     using c = cancelling(createTask(sleep(1000)), { msg: "hello" });
 *     t = c.target;
 *   }
 *   try {
 *     yield* t;
 *   } catch (e) {
 *     assert.ok(e instanceof CancelledError);
 *     assert.equal(e.message, "hello");
 *   }
 * })());
 * ```
 */
export function cancelling<C extends Cancellable>(
  target: C,
  options?: CancellingOptions,
): Cancelling<C> {
  return new Cancelling(target, options);
}

/** Options of {@linkcode eagerCtx}. */
export interface EagerCtxOptions<T> extends CancellingOptions {
  /** As for {@linkcode coroEager}. */
  createTask?: (coro: Coroutine<T>) => Future<T>;
}

/**
 * Starts `coro` eagerly ({@linkcode coroEager}) inside a
 * {@linkcode cancelling} scope (asynkit's `eager_ctx`): if the scope ends
 * before the work is done, it is cancelled.
 *
 * @param coro The coroutine.
 * @param options `msg`, `createTask`.
 * @returns The scope; `target` is the done Future or the Task.
 * @throws {TypeError} `a coroutine was expected, got …`.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { eagerCtx } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * const r = await run((function* () {
 *   using c = eagerCtx((function* () {
 *     log.push("started");
 *     yield* sleep(1);
 *     return 42;
 *   })());
 *   log.push("caller");
 *   return yield* c.target;
 * })());
 * assert.equal(r, 42);
 * assert.deepEqual(log, ["started", "caller"]);
 * ```
 */
export function eagerCtx<T>(
  coro: Coroutine<T>,
  options?: EagerCtxOptions<T>,
): Cancelling<Future<T>> {
  if (!isCoroutine(coro)) checkCoroutine("eagerCtx", "coro", coro);
  checkOptions("eagerCtx", options);
  optFunction("eagerCtx", "options.createTask", options?.createTask);
  optString("eagerCtx", "options.msg", options?.msg);
  const create = options?.createTask;
  const f = coroEager(
    coro,
    create === undefined ? undefined : { createTask: create },
  );
  return new Cancelling(f, options);
}

/**
 * A task factory giving Python 3.12's eager tasks: install it with
 * `loop.setTaskFactory(eagerTaskFactory)` and every task created while the
 * loop runs executes its first step synchronously inside `createTask`, as
 * the new task (`currentTask()` is the new task) in its own context. It
 * always returns a Task, already done if the coroutine finished.
 *
 * Where it differs from asynkit's `eager_task_factory`: asynkit returns a
 * Task-like Future when the coroutine finishes synchronously, runs the eager
 * phase as the *caller's* task, and continues through `as_coroutine()`, one
 * loop pass later. Here, like CPython, the task waits on what its first step
 * blocked on at once. Tasks created when the loop is not executing (the main
 * task of `runUntilComplete`, `shutdownAsyncgens`) start normally, and so
 * does a task whose context is the one being executed. Names
 * given to `createTask` are applied after the eager step (the loop passes
 * only the context to factories, as Python 3.12 does).
 *
 * @param loop The loop the task belongs to.
 * @param coro The coroutine.
 * @param options `context` (and `name`).
 * @returns The task.
 *
 * @example
 * ```ts
 * import { createTask, getRunningLoop, run, sleep } from "@x/runner";
 * import { eagerTaskFactory } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * await run((function* () {
 *   getRunningLoop().setTaskFactory(eagerTaskFactory);
 *   const t = createTask((function* () { log.push("child"); yield* sleep(1); })());
 *   log.push("parent");
 *   yield* t;
 * })());
 * assert.deepEqual(log, ["child", "parent"]);
 * ```
 */
export function eagerTaskFactory(
  loop: EventLoop,
  coro: Coroutine<unknown>,
  options?: TaskOptions,
): Task<unknown> {
  checkLoop("eagerTaskFactory", "loop", loop);
  if (options?.context === undefined && options?.name === undefined) {
    return Task._newEager(coro, EAGER_START, loop); // no options per task
  }
  return Task._newEager(coro, {
    context: options.context,
    name: options.name,
    eagerStart: true,
  }, loop);
}

const EAGER_START = { eagerStart: true } as const;

/** What {@linkcode coroState} reports. */
export type CoroState = "new" | "running" | "suspended" | "done";

const STATE_NAMES: CoroState[] = ["new", "running", "suspended", "done"];

function checkCoro(c: unknown, fn: string): void {
  if (!isCoroutine(c)) checkCoroutine(fn, "c", c);
}

/**
 * The state of a coroutine, as far as this package can know it.
 *
 * JavaScript generators expose no state, so it is tracked by the drivers
 * that step coroutines: {@linkcode CoroStart} (and so `eager`, `coroAwait`,
 * `coroIter`), `Monitor`, `GeneratorObject`, `coroDrive` / `awaitSync`, and
 * Tasks (a pending task's coroutine is found on the running loop). What
 * cannot be known: a coroutine another coroutine delegates to with a plain
 * `yield*` (it reports `"new"` until it is done; delegate with
 * {@linkcode coroIter} to make it visible), and a coroutine a plain Task ran
 * to completion without anyone asking about it while the task was pending
 * (it reports `"new"`; ask the task instead: `task.done()`). Tracking every
 * task step would slow every task down.
 *
 * @param c The coroutine.
 * @returns `"new"`, `"running"` (on the stack now), `"suspended"` or `"done"`.
 * @throws {TypeError} When `c` is not a coroutine.
 *
 * @example
 * ```ts
 * import { sleep } from "@x/runner";
 * import { CoroStart, coroState } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const c = (function* () { yield* sleep(0); })();
 * assert.equal(coroState(c), "new");
 * const cs = new CoroStart(c);
 * assert.equal(coroState(c), "suspended");
 * cs.close();
 * assert.equal(coroState(c), "done");
 * ```
 */
export function coroState(c: Generator<unknown, unknown, unknown>): CoroState {
  checkCoro(c, "coroState");
  return STATE_NAMES[coroStateOf(c)];
}

/**
 * Whether the coroutine has not started (see {@linkcode coroState} for what
 * can be known).
 *
 * @param c The coroutine.
 * @returns `true` when new.
 * @throws {TypeError} When `c` is not a coroutine.
 *
 * @example
 * ```ts
 * import { coroIsNew } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * assert.equal(coroIsNew((function* () {})()), true);
 * ```
 */
export function coroIsNew(c: Generator<unknown, unknown, unknown>): boolean {
  checkCoro(c, "coroIsNew");
  return coroStateOf(c) === NEW;
}

/**
 * Whether the coroutine is suspended (started, not running now, not done;
 * see {@linkcode coroState}).
 *
 * @param c The coroutine.
 * @returns `true` when suspended.
 * @throws {TypeError} When `c` is not a coroutine.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { coroIsSuspended } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const c = sleepy();
 *   createTask(c);
 *   yield* sleep(0);
 *   assert.equal(coroIsSuspended(c), true);
 * })());
 * function* sleepy() {
 *   yield* sleep(5);
 * }
 * ```
 */
export function coroIsSuspended(
  c: Generator<unknown, unknown, unknown>,
): boolean {
  checkCoro(c, "coroIsSuspended");
  return coroStateOf(c) === SUSPENDED;
}

/**
 * Whether the coroutine has finished (returned or threw; see
 * {@linkcode coroState}). Python's asynkit calls it `coro_is_finished`.
 *
 * @param c The coroutine.
 * @returns `true` when done.
 * @throws {TypeError} When `c` is not a coroutine.
 *
 * @example
 * ```ts
 * import { CoroStart, coroIsDone } from "@x/runner/eager";
 * import assert from "node:assert/strict";
 *
 * const c = (function* () { return 1; })();
 * new CoroStart(c);
 * assert.equal(coroIsDone(c), true);
 * ```
 */
export function coroIsDone(c: Generator<unknown, unknown, unknown>): boolean {
  checkCoro(c, "coroIsDone");
  return coroStateOf(c) === DONE;
}

function checkPhaseOptions(fn: string, options: unknown): void {
  checkOptions(fn, options);
  optContext(fn, "options.context", (options as PhaseOptions)?.context);
}

function checkEagerOptions(fn: string, options: unknown): void {
  checkPhaseOptions(fn, options);
  const create = (options as EagerOptions<unknown>)?.createTask;
  optFunction(fn, "options.createTask", create);
}
