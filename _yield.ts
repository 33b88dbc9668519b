// The yield protocol, in one place (Trio's _traps.py): what a coroutine
// yields to the task that drives it, and what the task does with it.
//
// - A bare yield (`undefined`, what `sleep(0)` yields): run again on the
//   next iteration; the driver resumes it with WAKE, so that the shared
//   sleep(0) iterator knows it is resumed rather than started.
// - A Future whose blocking flag is set (FutureIter sets it as it yields
//   the future, as asyncio's `_asyncio_future_blocking`): wait until it is
//   done. The task takes the flag back (`takeFuture`).
// - A parking lot or a sleep's timer entry (`Parking`): park the task.
// - Anything else: an error thrown into the coroutine at its next step
//   (`Task got bad yield: …`, and the hints for a missing `*`).
//
// Task's step applies the rule (`handleYield` in task.ts); the drivers
// that hand a started coroutine over to a task (CoroStart, Monitor, the
// scheduling helpers) go through the same function, and track the
// coroutine's state in the tables below.

import { describe } from "./_describe.ts";
import type { TaskCore } from "./_events.ts";
import {
  type Coroutine,
  isCoroutine,
  isGeneratorFunction,
  isThenable,
} from "./_coro.ts";
import { runningState } from "./_events.ts";
import { FLAG_BLOCKING, FLAG_CORO_TASK } from "./_future_bits.ts";
import type { Future } from "./future.ts";

/**
 * What a driver sends into a coroutine that last yielded `undefined` (a bare
 * yield, as `sleep(0)` does), so that the shared `sleep(0)` iterator knows it
 * is being resumed rather than started. Every other resume sends `undefined`.
 */
export const WAKE: unique symbol = Symbol("@x/runner wake");

// sleep(0) inside a running loop: one shared object, so the task path
// allocates nothing. A task driving it directly resumes it with WAKE. Under
// `yield*` it is replaced by SLEEP0_DELEGATED, whose start is recognized by
// the [Symbol.iterator]() call yield* makes right before it (nothing runs in
// between), so any later resume, a plain next() included, finishes it: the
// second send(None) of CPython's bare yield. Outside a loop (a hand-written
// driver), and with a value, each call gets its own one-shot Sleep0.
const YIELD_BARE: IteratorResult<unknown, never> = {
  value: undefined,
  done: false,
};
/**
 * The result of every hand-written coroutine here that returns `undefined`
 * (a bare yield, `sleep(ms)`, `Queue.put`): one shared object, never
 * written, so finishing allocates nothing. In a burst of live tasks every
 * allocation brings the next scavenge, which copies them all, nearer.
 */
export const DONE_UNDEFINED: IteratorResult<unknown, undefined> = {
  value: undefined,
  done: true,
};
let sleep0Armed = false;

class SharedSleep0 {
  next(v?: unknown): IteratorResult<unknown, undefined> {
    return v === WAKE ? DONE_UNDEFINED : YIELD_BARE;
  }
  throw(e: unknown): never {
    throw e;
  }
  return(value: undefined): IteratorResult<unknown, undefined> {
    return { value, done: true };
  }
  [Symbol.iterator](): DelegatedSleep0 {
    sleep0Armed = true;
    return SLEEP0_DELEGATED;
  }
}

class DelegatedSleep0 {
  next(_v?: unknown): IteratorResult<unknown, undefined> {
    if (!sleep0Armed) return DONE_UNDEFINED;
    sleep0Armed = false;
    return YIELD_BARE;
  }
  throw(e: unknown): never {
    sleep0Armed = false;
    throw e;
  }
  return(value: undefined): IteratorResult<unknown, undefined> {
    sleep0Armed = false;
    return { value, done: true };
  }
  [Symbol.iterator](): this {
    sleep0Armed = true;
    return this;
  }
}

const SLEEP0_DELEGATED = new DelegatedSleep0();
const SLEEP0 = new SharedSleep0() as unknown as Coroutine<undefined>;

class Sleep0<T> {
  _started: boolean;
  _done: IteratorResult<unknown, T>;
  constructor(value: T) {
    this._started = false;
    this._done = { value, done: true };
  }
  next(_v?: unknown): IteratorResult<unknown, T> {
    if (this._started) return this._done;
    this._started = true;
    return YIELD_BARE;
  }
  throw(e: unknown): never {
    this._started = true;
    throw e;
  }
  return(value: T): IteratorResult<unknown, T> {
    this._started = true;
    return { value, done: true };
  }
  [Symbol.iterator](): this {
    return this;
  }
}

/**
 * The bare yield `sleep(0)` is: one turn of the loop, then `value`. Inside
 * a running loop and without a value it is the shared, allocation-free
 * iterator.
 */
export function bareYield<T>(value: T): Coroutine<T> {
  if (value === undefined && runningState.loop !== null) {
    return SLEEP0 as Coroutine<T>;
  }
  return new Sleep0(value) as unknown as Coroutine<T>;
}

/**
 * The future half of the rule: `task`'s coroutine yielded the future `y`.
 * Returns the error to throw into the coroutine when `y` cannot be waited
 * on (another loop, a `yield` without `*`, the task itself); otherwise
 * takes back the blocking flag and returns `null`: the task waits on `y`.
 */
export function takeFuture(
  task: TaskCore,
  y: Future<unknown>,
): Error | null {
  if (y._loop !== task._loop) {
    return new Error(
      `Task ${task} got Future ${y} attached to a different loop`,
    );
  }
  if ((y._flags & FLAG_BLOCKING) === 0) {
    return new Error(
      `yield was used instead of yield* in task ${task} with ${y}`,
    );
  }
  if ((y as unknown) === task) {
    return new Error(`Task cannot await on itself: ${task}`);
  }
  y._flags &= ~FLAG_BLOCKING;
  return null;
}

/** The last branch of the rule: the error for any other yielded value. */
export function badYield(task: TaskCore, y: unknown): Error {
  if (isCoroutine(y) || isGeneratorFunction(y)) {
    return new Error(
      `yield was used instead of yield* for generator in task ${task} with ${
        describe(y)
      }`,
    );
  }
  return new Error(
    `Task got bad yield: ${describe(y)}${
      isThenable(y)
        ? " (a promise cannot be yielded: use `yield* fromPromise(promise)`)"
        : ""
    }`,
  );
}

// What our drivers know about a coroutine. JS generators expose no state, so
// only what our own drivers stepped (or found among the loop's tasks) is known.
export const NEW = 0;
export const RUNNING = 1;
export const SUSPENDED = 2;
export const DONE = 3;

/** @internal coroutine → state, written by the drivers in this package. */
export const coroStates: WeakMap<object, number> = new WeakMap();
/**
 * @internal coroutine → the pending task driving it (cached at query time,
 * or set when a task adopts a started coroutine). Set only through
 * {@linkcode rememberCoroTask}: the entry is dropped when the task is done,
 * since a live coroutine would keep its task alive here (an error the
 * coroutine threw keeps the coroutine, and that error is kept for the
 * task's "never retrieved" report).
 */
export const coroTasks: WeakMap<object, TaskCore & { _coro: object }> =
  new WeakMap();

/** @internal Records that `task` drives `coro` (see `coroTasks`). */
export function rememberCoroTask(
  coro: object,
  task: TaskCore & { _coro: object },
): void {
  coroTasks.set(coro, task);
  task._flags |= FLAG_CORO_TASK;
}

/** @internal `task` is done: its coroutine is done, the entry goes. */
export function forgetCoroTask(task: TaskCore & { _coro: object }): void {
  coroTasks.delete(task._coro);
  coroStates.set(task._coro, DONE);
}
