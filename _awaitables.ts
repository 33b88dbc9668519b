// Turning what a coroutine can await into Futures: ensureFuture (a Future
// as it is, a coroutine as a task, a thenable through fromPromise), and
// gather over many of them. Public through task.ts, which re-exports them;
// below task.ts, it makes tasks only through `loop.createTask`.

import type { Context } from "./_context.ts";
import { copyContext } from "./_context.ts";
import { contextState, runningTask } from "./_context_state.ts";
import { addAwaitedByCallback } from "./_awaited_by.ts";
import {
  type Coroutine,
  isCoroutine,
  isGeneratorFunction,
  isThenable,
} from "./_coro.ts";
import { describe } from "./_describe.ts";
import { CancelledError } from "./_errors.ts";
import { getRunningLoop } from "./_events.ts";
import {
  CANCELLED,
  cancelledErrorOf,
  FINISHED,
  PENDING,
} from "./_future_bits.ts";
import { Future } from "./future.ts";
import type { EventLoop } from "./loop.ts";
import { badType, checkOptions, optBoolean, optLoop } from "./_validate.ts";

/** A value a coroutine can `yield*` on: a Future (or Task) or a coroutine. */
export type Awaitable<T> = Future<T> | Coroutine<T>;

/** The result type of an {@linkcode Awaitable}. */
export type AwaitedOf<A> = A extends Future<infer T> ? T
  : A extends Generator<unknown, infer T, unknown> ? T
  : never;

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
  optLoop("ensureFuture", "loop", loop);
  return toFuture(x, loop ?? undefined, "ensureFuture", "x");
}

/** @ignore {@linkcode ensureFuture} without checks, for `fn`'s messages. */
export function toFuture<T>(
  x: Future<T> | Coroutine<T> | PromiseLike<T>,
  loop: EventLoop | undefined,
  fn: string,
  param: string,
): Future<T> {
  if (x instanceof Future) {
    if (loop !== undefined && x._loop !== loop) {
      throw new TypeError(
        `${fn}(): The future belongs to a different loop than the one specified as the loop argument`,
      );
    }
    return x;
  }
  if (isCoroutine(x)) return (loop ?? getRunningLoop()).createTask(x);
  if (isThenable(x)) {
    return fromPromise(x as PromiseLike<T>, { loop });
  }
  throw new TypeError(
    `${fn}(): ${param}: A Future, a coroutine or an awaitable is required, got ${
      describe(x)
    }${isGeneratorFunction(x) ? " (a generator function: call it first)" : ""}`,
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
  if (!isThenable(promise)) {
    throw badType("fromPromise", "promise", "a promise or thenable", promise);
  }
  checkOptions("fromPromise", options);
  optLoop("fromPromise", "options.loop", options?.loop);
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
  /** The message of the cancel() that cancelled the children. */
  _cancelRequestMsg: string | undefined;
  constructor(children: Future<unknown>[], loop: EventLoop) {
    super({ loop });
    this._children = children;
    this._cancelRequested = false;
    this._cancelRequestMsg = undefined;
  }
  override cancel(msg?: string): boolean {
    this._retrieved();
    if (this._state !== PENDING) return false;
    let ret = false;
    for (const child of this._children) {
      if (child.cancel(msg)) ret = true;
    }
    if (ret) {
      this._cancelRequested = true;
      this._cancelRequestMsg = msg;
    }
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
  options?: GatherOptions & { returnExceptions?: false },
): Future<{ -readonly [K in keyof A]: AwaitedOf<A[K]> }>;
/**
 * {@linkcode gather} with `returnExceptions` (or options not known to leave
 * it off): each result is the awaitable's result or the error it failed
 * with, so `if (r instanceof Error)` narrows it. A cancelled child gives a
 * `CancelledError`. A value thrown that is not an `Error` comes through as
 * it was thrown (the type says `Error`: throw Errors).
 *
 * @param awaitables Futures, tasks or coroutines.
 * @param options `returnExceptions`.
 * @returns A future of the results or errors, in argument order.
 *
 * @example
 * ```ts
 * import { type Coroutine, gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * function* fail(): Coroutine<number> {
 *   throw new RangeError("no");
 * }
 * const [a, b] = await run((function* () {
 *   return yield* gather([sleep(1, "ok"), fail()], { returnExceptions: true });
 * })());
 * assert.equal(a, "ok");
 * assert.ok(b instanceof RangeError);
 * const n: number = b instanceof Error ? -1 : b; // narrowed to number
 * assert.equal(n, -1);
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  awaitables: A,
  options: GatherOptions,
): Future<{ -readonly [K in keyof A]: AwaitedOf<A[K]> | Error }>;
/**
 * {@linkcode gather} over any iterable of awaitables (a `Set`, a generator
 * of tasks…): every result has the awaitables' result type.
 *
 * @param awaitables Futures, tasks or coroutines.
 * @param options `returnExceptions`.
 * @returns A future of the results, in iteration order.
 *
 * @example
 * ```ts
 * import { createTask, gather, run, sleep, type Task } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const r: number[] = await run((function* () {
 *   const tasks = new Set<Task<number>>();
 *   for (const ms of [3, 1, 2]) tasks.add(createTask(sleep(ms, ms)));
 *   return yield* gather(tasks);
 * })());
 * assert.deepEqual(r, [3, 1, 2]);
 * ```
 */
export function gather<A extends Awaitable<unknown>>(
  awaitables: Iterable<A>,
  options?: GatherOptions & { returnExceptions?: false },
): Future<AwaitedOf<A>[]>;
/**
 * {@linkcode gather} over any iterable of awaitables with `returnExceptions`
 * (or options not known to leave it off): every result is a result or the
 * error its awaitable failed with (a non-`Error` thrown value comes through
 * as it was thrown).
 *
 * @param awaitables Futures, tasks or coroutines.
 * @param options `returnExceptions`.
 * @returns A future of the results or errors, in iteration order.
 *
 * @example
 * ```ts
 * import { gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const delays = new Set([3, 1, 2]);
 * const r = await run((function* () {
 *   return yield* gather(new Set([...delays].map((ms) => sleep(ms, ms))), {
 *     returnExceptions: true,
 *   });
 * })());
 * const ok: number[] = r.filter((x): x is number => !(x instanceof Error));
 * assert.deepEqual(ok, [3, 1, 2]);
 * ```
 */
export function gather<A extends Awaitable<unknown>>(
  awaitables: Iterable<A>,
  options: GatherOptions,
): Future<(AwaitedOf<A> | Error)[]>;
export function gather(
  awaitables: Iterable<Awaitable<unknown>>,
  options?: GatherOptions,
): Future<unknown[]> {
  if (
    awaitables === null || typeof awaitables !== "object" ||
    typeof (awaitables as Iterable<unknown>)[Symbol.iterator] !== "function" ||
    isCoroutine(awaitables)
  ) {
    throw badType(
      "gather",
      "awaitables",
      "an iterable (such as an array) of futures and coroutines",
      awaitables,
    );
  }
  checkOptions("gather", options);
  optBoolean("gather", "options.returnExceptions", options?.returnExceptions);
  const returnExceptions = options?.returnExceptions === true;
  // One copy, which becomes the children in place and then the results (a
  // 100k gather makes one big array, not three).
  const children = [...awaitables] as Future<unknown>[];
  if (children.length === 0) {
    const f = getRunningLoop().createFuture<unknown[]>();
    f._resolve([]);
    return f;
  }
  let loop: EventLoop | undefined;
  // A coroutine given twice must become one task; futures need no map (one
  // done callback per position counts the same).
  let coroToFut: Map<unknown, Future<unknown>> | null = null;
  // As asyncio's, each child's done callback is attached as the child is
  // made (a done child's callback is queued before the later children's
  // first steps); the outer future is made last.
  let outer: GatheringFuture<unknown[]> | null = null;
  let finished = 0;
  // graph.ts: the children are awaited by the calling task (as in 3.14).
  const caller = runningTask() as Future<unknown> | null;
  const ctx = contextState.internal as Context;
  const total = children.length;
  for (let i = 0; i < total; i++) {
    const arg = children[i] as Awaitable<unknown>;
    let fut: Future<unknown> | undefined;
    if (arg instanceof Future) {
      fut = loop === undefined || arg._loop === loop
        ? arg
        : toFuture(arg, loop, "gather", "awaitables"); // throws: another loop
    } else {
      coroToFut ??= new Map();
      fut = coroToFut.get(arg);
      if (fut === undefined) {
        fut = toFuture(arg, loop, "gather", "awaitables");
        coroToFut.set(arg, fut);
      }
    }
    loop ??= fut.getLoop();
    children[i] = fut;
    fut._addCallback(onChildDone, ctx);
  }
  addAwaitedByCallback(onChildDone, caller);
  outer = new GatheringFuture<unknown[]>(children, loop!);
  function onChildDone(fut: Future<unknown>): void {
    finished++;
    if (outer === null || outer._state !== PENDING) {
      if (fut._state === FINISHED) fut._retrieved();
      return;
    }
    if (!returnExceptions) {
      if (fut._state !== FINISHED) {
        outer._reject(cancelledErrorOf(fut));
        return;
      }
      if (fut._failed) {
        fut._retrieved();
        outer._reject(fut._exception);
        return;
      }
    }
    if (finished === total) {
      // The results take the children's places: the outer future is done,
      // so nothing reads them as children again (cancel() returns early).
      const results = children as unknown[];
      for (let i = 0; i < total; i++) {
        const f = children[i];
        if (f._state !== FINISHED) {
          results[i] = new CancelledError(f._cancelMessage ?? "");
        } else if (f._failed) {
          f._retrieved();
          results[i] = f._exception;
        } else {
          results[i] = f._result;
        }
      }
      if (outer._cancelRequested) {
        // The cancel's message is kept: asyncio takes the error of the last
        // child in argument order, which loses it when that child was not
        // cancelled (a deliberate difference, see README).
        outer._reject(
          fut._state === CANCELLED
            ? cancelledErrorOf(fut)
            : new CancelledError(outer._cancelRequestMsg),
        );
      } else {
        outer._resolve(results);
      }
    }
  }
  return outer;
}
