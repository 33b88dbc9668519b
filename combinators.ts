/**
 * Combinators over futures and coroutines, from asyncio: {@linkcode shield}
 * (protect work from its awaiter's cancellation), {@linkcode waitFor} (await
 * with a deadline), {@linkcode wait} (wait for some or all of a set, by a
 * rule) and {@linkcode asCompleted} (results in completion order).
 * {@linkcode ensureFuture} is re-exported from `task.ts`; `gather` lives
 * there too.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { FIRST_COMPLETED, wait, waitFor } from "@x/runner/combinators";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const fast = createTask(sleep(1, "fast"));
 *   const slow = createTask(sleep(10_000, "slow"));
 *   const [done, pending] = yield* wait([fast, slow], { returnWhen: FIRST_COMPLETED });
 *   assert.deepEqual([...done], [fast]);
 *   assert.deepEqual([...pending], [slow]);
 *   slow.cancel();
 *   assert.equal(yield* waitFor(sleep(1, "in time"), 1000), "in time");
 * })());
 * ```
 *
 * @module
 */

import { type Coroutine, isCoroutine, isGeneratorFunction } from "./_coro.ts";
import { describe } from "./_describe.ts";
import { CancelledError, TimeoutError } from "./_errors.ts";
import { getRunningLoop } from "./_running.ts";
import { Future } from "./future.ts";
import {
  type Awaitable,
  type AwaitedOf,
  ensureFuture,
  toFuture,
} from "./task.ts";
import { badType, checkOptions, checkTime } from "./_validate.ts";
import type { EventLoop } from "./loop.ts";
import type { TimerHandle } from "./_handle.ts";
import { timeout } from "./timeouts.ts";
import { runningTask } from "./_context_state.ts";
import { addAwaitedBy, discardAwaitedBy } from "./_awaited_by.ts";

export { ensureFuture };
export type { Awaitable, AwaitedOf, Coroutine };

/**
 * Protects an awaitable from cancellation (asyncio's `shield`): returns a
 * future that follows it. Cancelling that future (for example because the
 * task awaiting it was cancelled) does not cancel the inner work, which
 * keeps running and can be awaited again. If the inner work is already done,
 * it is returned as it is. A coroutine is first wrapped in a task.
 *
 * @typeParam T The result type.
 * @param aw A Future, a Task or a coroutine.
 * @returns The outer future (or the inner one when it is done already).
 * @throws {TypeError} For anything that cannot be awaited.
 *
 * @example
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@x/runner";
 * import { shield } from "@x/runner/combinators";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const save = createTask(sleep(20, "saved"));
 *   const caller = createTask((function* () {
 *     return yield* shield(save);
 *   })());
 *   yield* sleep(1);
 *   caller.cancel(); // the caller stops waiting...
 *   yield* sleep(0);
 *   assert.equal(caller.cancelled(), true);
 *   assert.equal(yield* save, "saved"); // ...the save goes on
 * })());
 * ```
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = toFuture(aw, undefined, "shield", "aw");
  if (inner.done()) return inner;
  const loop = inner._loop;
  const outer = loop.createFuture<T>();
  // graph.ts: the inner future is awaited by the calling task (3.14).
  const caller = runningTask();
  addAwaitedBy(inner, caller);
  const onInnerDone = (f: Future<T>): void => {
    discardAwaitedBy(inner, caller);
    if (outer.cancelled()) {
      // Nobody will read it: mark the error seen, as asyncio does.
      if (!f.cancelled()) f.exception();
      return;
    }
    if (f.cancelled()) {
      outer.cancel();
      return;
    }
    if (f._failed) outer._reject(f.exception());
    else outer._resolve(f.result());
  };
  const onOuterDone = (): void => {
    discardAwaitedBy(inner, caller);
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}

/**
 * Waits for `aw` with a deadline (asyncio's `wait_for`, Python 3.12
 * semantics, built on {@linkcode timeout}). When the deadline passes, the
 * work is cancelled, waited for, and a `TimeoutError` is thrown (its `cause`
 * is the `CancelledError`); if the work catches the cancellation and returns
 * a value instead, that value is returned.
 *
 * A coroutine runs inline in the calling task (it is not wrapped in a task),
 * except with `ms <= 0`: then it is wrapped, cancelled before it starts, and
 * `TimeoutError` is thrown (a Future that is already done gives its result).
 * `ms === null` waits without a deadline.
 *
 * @typeParam T The result type.
 * @param aw A Future, a Task or a coroutine.
 * @param ms The deadline in milliseconds from now, or `null` for none.
 * @returns A coroutine to `yield*`; it returns the result of `aw`.
 * @throws {TimeoutError} When the deadline passed.
 * @throws {TypeError} When `ms` is not a number or `null`, or `aw` cannot
 * be awaited.
 *
 * @example
 * ```ts
 * import { run, sleep, TimeoutError } from "@x/runner";
 * import { waitFor } from "@x/runner/combinators";
 * import assert from "node:assert/strict";
 *
 * const r = await run((function* () {
 *   try {
 *     return yield* waitFor(sleep(10_000, "late"), 5);
 *   } catch (e) {
 *     assert.ok(e instanceof TimeoutError);
 *     return "timed out";
 *   }
 * })());
 * assert.equal(r, "timed out");
 * ```
 */
export function waitFor<T>(aw: Awaitable<T>, ms: number | null): Coroutine<T> {
  if (ms !== null) checkTime("waitFor", "ms (or null)", ms);
  if (!(aw instanceof Future) && !isCoroutine(aw)) {
    throw new TypeError(
      `waitFor(): aw must be a Future, a Task or a coroutine, got ${
        describe(aw)
      }${
        isGeneratorFunction(aw) ? " (a generator function: call it first)" : ""
      }`,
    );
  }
  return waitForImpl(aw, ms);
}

function* waitForImpl<T>(aw: Awaitable<T>, ms: number | null): Coroutine<T> {
  if (ms === null) return yield* aw;
  if (ms <= 0) {
    // No time at all: never start a coroutine; cancel a pending future.
    const fut = ensureFuture(aw);
    if (fut.done()) return fut.result();
    yield* cancelAndWait(fut);
    try {
      return fut.result();
    } catch (e) {
      if (e instanceof CancelledError) {
        throw new TimeoutError("waitFor() timed out", { cause: e });
      }
      throw e;
    }
  }
  return yield* timeout(ms, function* () {
    return yield* aw;
  });
}

/**
 * Cancels `fut` and waits until it is done, through a separate waiter so
 * that this wait itself stays cancellable.
 */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const waiter = getRunningLoop().createFuture<void>();
  const release = (): void => {
    if (!waiter.done()) waiter.setResult(undefined);
  };
  fut.addDoneCallback(release);
  const caller = runningTask();
  addAwaitedBy(fut, caller); // graph.ts
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    discardAwaitedBy(fut, caller);
    fut.removeDoneCallback(release);
  }
}

/** Return when any future finishes or is cancelled (for {@linkcode wait}). */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * Return when any future fails with an exception, or all are done (for
 * {@linkcode wait}). A cancelled future does not count as failed.
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/** Return when every future is done: the default of {@linkcode wait}. */
export const ALL_COMPLETED = "ALL_COMPLETED";

/** When {@linkcode wait} returns. */
export type ReturnWhen =
  | typeof FIRST_COMPLETED
  | typeof FIRST_EXCEPTION
  | typeof ALL_COMPLETED;

/** Options of {@linkcode wait}. */
export interface WaitOptions {
  /** Return after this many milliseconds at the latest (`null`: no limit). */
  timeout?: number | null;
  /** {@linkcode FIRST_COMPLETED}, {@linkcode FIRST_EXCEPTION} or {@linkcode ALL_COMPLETED} (default). */
  returnWhen?: ReturnWhen;
}

/**
 * Waits until some or all of `fs` are done (asyncio's `wait`) and returns
 * the sets `[done, pending]` (in argument order). It never cancels anything
 * and never throws on timeout: what is still running is in `pending`.
 * Coroutines are refused: wrap them in tasks, so you hold what is pending.
 *
 * @typeParam F The futures' type; futures of different result types give
 * their union (`Task<string> | Task<number>`).
 * @param fs Futures or tasks (duplicates count once).
 * @param options `timeout` (milliseconds) and `returnWhen`.
 * @returns A coroutine to `yield*`; it returns `[done, pending]`.
 * @throws {TypeError} `expect a list of futures, not …` when `fs` is a
 * single future or coroutine; `Passing coroutines is forbidden, use tasks
 * explicitly.`; for other non-futures.
 * @throws {RangeError} `Set of Tasks/Futures is empty.`; `Invalid
 * return_when value: …`.
 *
 * @example
 * ```ts
 * import { createTask, run, sleep } from "@x/runner";
 * import { wait } from "@x/runner/combinators";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const a = createTask(sleep(1, "a"));
 *   const b = createTask(sleep(10_000, "b"));
 *   const [done, pending] = yield* wait([a, b], { timeout: 20 });
 *   assert.deepEqual([...done], [a]);
 *   assert.deepEqual([...pending], [b]); // still running: wait never cancels
 *   b.cancel();
 * })());
 * ```
 */
export function wait<F extends Future<unknown>>(
  fs: Iterable<F>,
  options?: WaitOptions,
): Coroutine<[Set<F>, Set<F>]> {
  if (
    fs instanceof Future || isCoroutine(fs) || fs === null ||
    typeof fs !== "object" ||
    typeof (fs as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `wait(): fs: expect a list of futures, not ${typeName(fs)}`,
    );
  }
  checkOptions("wait", options);
  const set = new Set(fs);
  if (set.size === 0) {
    throw new RangeError("wait(): fs: Set of Tasks/Futures is empty.");
  }
  const returnWhen = options?.returnWhen ?? ALL_COMPLETED;
  if (
    returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION &&
    returnWhen !== ALL_COMPLETED
  ) {
    throw new (typeof returnWhen === "string" ? RangeError : TypeError)(
      `wait(): Invalid return_when value: ${
        typeof returnWhen === "string" ? returnWhen : describe(returnWhen)
      } (options.returnWhen must be one of "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED")`,
    );
  }
  const ms = checkTimeout(options?.timeout, "wait");
  for (const f of set) {
    if (isCoroutine(f)) {
      throw new TypeError(
        "wait(): fs: Passing coroutines is forbidden, use tasks explicitly.",
      );
    }
    if (!(f instanceof Future)) {
      throw badType("wait", "each of fs", "a Future or a Task", f);
    }
  }
  return waitImpl(set, ms, returnWhen) as Coroutine<[Set<F>, Set<F>]>;
}

function* waitImpl<T>(
  fs: Set<Future<T>>,
  ms: number | null,
  returnWhen: ReturnWhen,
): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  const loop = getRunningLoop();
  const waiter = loop.createFuture<void>();
  let handle: TimerHandle | null = null;
  if (ms !== null) {
    handle = loop.callLater(ms, () => {
      if (!waiter.done()) waiter.setResult(undefined);
    });
  }
  let counter = fs.size;
  const onCompletion = (f: Future<T>): void => {
    counter--;
    const failed = returnWhen === FIRST_EXCEPTION && !f.cancelled() &&
      f._failed;
    if (failed) f.exception(); // seen: the caller looks at `done`
    if (counter <= 0 || returnWhen === FIRST_COMPLETED || failed) {
      handle?.cancel();
      if (!waiter.done()) waiter.setResult(undefined);
    }
  };
  for (const f of fs) f.addDoneCallback(onCompletion);
  // graph.ts: the caller waits on every future of the set.
  const caller = runningTask();
  for (const f of fs) addAwaitedBy(f, caller);
  try {
    yield* waiter;
  } finally {
    handle?.cancel();
    for (const f of fs) {
      f.removeDoneCallback(onCompletion);
      discardAwaitedBy(f, caller);
    }
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

/** Options of {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /**
   * Milliseconds after which the awaits not yet satisfied throw
   * `TimeoutError` (`null`: no limit).
   */
  timeout?: number | null;
}

/**
 * Iterates over awaitables in the order they complete (asyncio's
 * `as_completed`): yields one coroutine per distinct input; `yield*` the
 * first for the earliest result, the second for the next, and so on. Each
 * throws what its future threw. Coroutines are wrapped in tasks at the call,
 * which needs a running loop, and the timeout starts then too: once it has
 * passed, every await not yet satisfied throws `TimeoutError` (the work
 * itself is not cancelled).
 *
 * @typeParam A The awaitables' type; each coroutine it yields returns
 * their result type (the union, for inputs of different result types).
 * @param fs Futures, tasks or coroutines.
 * @param options `timeout` in milliseconds.
 * @returns An iterator of coroutines, in completion order.
 * @throws {TypeError} `expect an iterable of futures, not …`.
 * @throws {Error} `no running event loop` outside the loop.
 *
 * @example
 * ```ts
 * import { run, sleep } from "@x/runner";
 * import { asCompleted } from "@x/runner/combinators";
 * import assert from "node:assert/strict";
 *
 * const order = await run((function* () {
 *   const seen: string[] = [];
 *   for (const next of asCompleted([sleep(20, "slow"), sleep(1, "fast")])) {
 *     seen.push(yield* next);
 *   }
 *   return seen;
 * })());
 * assert.deepEqual(order, ["fast", "slow"]);
 * ```
 */
export function asCompleted<A extends Awaitable<unknown>>(
  fs: Iterable<A>,
  options?: AsCompletedOptions,
): Generator<Coroutine<AwaitedOf<A>>, void, unknown> {
  type T = AwaitedOf<A>;
  if (
    fs instanceof Future || isCoroutine(fs) || fs === null ||
    typeof fs !== "object" ||
    typeof (fs as Iterable<unknown>)[Symbol.iterator] !== "function"
  ) {
    throw new TypeError(
      `asCompleted(): fs: expect an iterable of futures, not ${typeName(fs)}`,
    );
  }
  checkOptions("asCompleted", options);
  const ms = checkTimeout(options?.timeout, "asCompleted");
  const loop = getRunningLoop();
  const todo = new Set<Future<T>>();
  for (const aw of new Set(fs)) {
    todo.add(toFuture(aw as Awaitable<T>, loop, "asCompleted", "fs"));
  }
  const total = todo.size;
  const queue = new DoneQueue<T>(loop);
  let handle: TimerHandle | null = null;
  const onCompletion = (f: Future<T>): void => {
    if (todo.size === 0) return; // the timeout was here first
    todo.delete(f);
    queue.put(f);
    if (todo.size === 0) handle?.cancel();
  };
  for (const f of todo) f.addDoneCallback(onCompletion);
  if (total > 0 && ms !== null) {
    handle = loop.callLater(ms, () => {
      for (const f of todo) {
        f.removeDoneCallback(onCompletion);
        queue.put(null); // one timeout marker per await still owed
      }
      todo.clear();
    });
  }
  return iterateCompleted(queue, total, todo);
}

function* iterateCompleted<T>(
  queue: DoneQueue<T>,
  total: number,
  todo: Set<Future<T>>,
): Generator<Coroutine<T>, void, unknown> {
  for (let i = 0; i < total; i++) yield waitForOne(queue, todo);
}

function* waitForOne<T>(
  queue: DoneQueue<T>,
  todo: Set<Future<T>>,
): Coroutine<T> {
  // graph.ts: while it waits, the caller waits on every future not done.
  const caller = runningTask();
  const watched = caller === null ? [] : [...todo];
  for (const w of watched) addAwaitedBy(w, caller);
  let f: Future<T> | null;
  try {
    f = yield* queue.get();
  } finally {
    for (const w of watched) discardAwaitedBy(w, caller);
  }
  if (f === null) throw new TimeoutError("asCompleted() timed out");
  return f.result();
}

/** The few lines of an asyncio Queue that asCompleted needs. */
class DoneQueue<T> {
  _loop: EventLoop;
  _items: (Future<T> | null)[] = [];
  _getters: Future<void>[] = [];
  constructor(loop: EventLoop) {
    this._loop = loop;
  }
  put(item: Future<T> | null): void {
    this._items.push(item);
    this._wakeNext();
  }
  _wakeNext(): void {
    while (this._getters.length > 0) {
      const g = this._getters.shift()!;
      if (!g.done()) {
        g.setResult(undefined);
        return;
      }
    }
  }
  *get(): Coroutine<Future<T> | null> {
    while (this._items.length === 0) {
      const getter = this._loop.createFuture<void>();
      this._getters.push(getter);
      try {
        yield* getter;
      } catch (e) {
        getter.cancel();
        const i = this._getters.indexOf(getter);
        if (i >= 0) this._getters.splice(i, 1);
        // We were woken but cancelled: pass the wake-up on.
        if (this._items.length > 0 && !getter.cancelled()) this._wakeNext();
        throw e;
      }
    }
    return this._items.shift()!;
  }
}

function checkTimeout(ms: unknown, what: string): number | null {
  if (ms === undefined || ms === null) return null;
  checkTime(what, "options.timeout (or null)", ms);
  return ms as number;
}

function typeName(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object" && typeof x !== "function") return typeof x;
  if (isCoroutine(x)) return "coroutine";
  return (x as { constructor?: { name?: string } }).constructor?.name ??
    "object";
}
