/**
 * Synchronization primitives for tasks, as asyncio's `locks.py`:
 * {@linkcode Event}, {@linkcode Lock}, {@linkcode Semaphore},
 * {@linkcode BoundedSemaphore}, {@linkcode Condition} and
 * {@linkcode Barrier}.
 *
 * They are not thread-safe (there are no threads): they coordinate tasks of
 * one event loop. Each binds to the loop that first waits on it; using it
 * from another loop is an error. Waiters are served first in, first out,
 * and a waiter that is cancelled never swallows a wake-up: the next waiter
 * gets it.
 *
 * `lock.acquire()` (and `semaphore.acquire()`, `condition.acquire()`)
 * returns a {@linkcode LockGuard}, so `using _ = yield* lock.acquire();`
 * releases at the end of the block, as Python's `async with lock:` does.
 *
 * @example
 * ```ts
 * import { Lock } from "@x/runner/locks";
 * import { createTask, gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * const log: string[] = [];
 * function* worker(name: string) {
 *   using _ = yield* lock.acquire();
 *   log.push(`${name} in`);
 *   yield* sleep(1);
 *   log.push(`${name} out`);
 * }
 * await run((function* () {
 *   yield* gather([createTask(worker("a")), createTask(worker("b"))]);
 * })());
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * ```
 *
 * @module
 */

import { named } from "./_errors.ts";
import {
  CANCELLED,
  CancelledError,
  type Coroutine,
  type Future,
} from "./future.ts";
import { getRunningLoop } from "./_running.ts";
import { waitLabels } from "./_awaited_by.ts";
import type { EventLoop } from "./loop.ts";
import { badType, badValue, checkFunction, checkInteger } from "./_validate.ts";

export type { Coroutine };

/** Something bound to the first loop that needs it (asyncio's _LoopBoundMixin). */
interface LoopBound {
  _loop: EventLoop | null;
}

function boundLoop(obj: LoopBound): EventLoop {
  const loop = getRunningLoop();
  if (obj._loop === null) obj._loop = loop;
  else if (obj._loop !== loop) {
    throw new Error(
      `${obj} is bound to a different event loop${
        obj._loop.isClosed() ? " (one that is closed now)" : ""
      }`,
    );
  }
  return loop;
}

/**
 * A count: an integer, at least `min`, with asyncio's wordings
 * (`initial value must be >= 0`, `parties must be > 0`).
 */
function checkCount(fn: string, param: string, n: unknown, min = 0): void {
  checkInteger(fn, param, n, -Infinity);
  if ((n as number) < min) {
    throw min === 0 && param === "value"
      ? badValue(fn, "initial value", ">= 0", n)
      : badValue(fn, param, `> ${min - 1}`, n);
  }
}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

function waitersPart(n: number): string {
  return n > 0 ? `, waiters:${n}` : "";
}

const NONE: unique symbol = Symbol("none");

/**
 * What `acquire()` of a {@linkcode Lock}, {@linkcode Semaphore} or
 * {@linkcode Condition} returns: a guard that releases what was acquired,
 * once, either by `release()` or at the end of a `using` block.
 *
 * @example
 * ```ts
 * import { Lock, type LockGuard } from "@x/runner/locks";
 * import { run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * await run((function* () {
 *   const guard: LockGuard = yield* lock.acquire();
 *   assert.ok(lock.locked());
 *   guard.release();
 *   guard.release(); // a second release through the guard does nothing
 *   assert.ok(!lock.locked());
 * })());
 * ```
 */
export interface LockGuard extends Disposable {
  /** Releases what was acquired; later calls do nothing. */
  release(): void;
}

class Guard implements LockGuard {
  _owner: { release(): void } | null;
  constructor(owner: { release(): void }) {
    this._owner = owner;
  }
  release(): void {
    const owner = this._owner;
    if (owner === null) return;
    this._owner = null;
    owner.release();
  }
  [Symbol.dispose](): void {
    this.release();
  }
}

/**
 * An event that tasks can wait for: asyncio's `Event`. It starts unset;
 * {@linkcode Event.set} wakes every waiter, and later waits return at once
 * until {@linkcode Event.clear}.
 *
 * @example
 * ```ts
 * import { Event } from "@x/runner/locks";
 * import { createTask, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const ready = new Event();
 * const r = await run((function* () {
 *   const t = createTask((function* () {
 *     yield* ready.wait();
 *     return "woken";
 *   })());
 *   yield* sleep(1);
 *   ready.set();
 *   return yield* t;
 * })());
 * assert.equal(r, "woken");
 * ```
 */
export class Event {
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _waiters: Future<boolean>[] = [];
  /** @internal */
  _value = false;

  /**
   * Whether the event is set.
   *
   * @returns `true` between `set()` and `clear()`.
   *
   * @example
   * ```ts
   * import { Event } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * assert.equal(e.isSet(), false);
   * e.set();
   * assert.equal(e.isSet(), true);
   * ```
   */
  isSet(): boolean {
    return this._value;
  }

  /**
   * Sets the event and wakes every task waiting for it.
   *
   * @example
   * ```ts
   * import { Event } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * assert.equal(await run(e.wait()), true);
   * ```
   */
  set(): void {
    if (this._value) return;
    this._value = true;
    for (const fut of this._waiters) {
      if (!fut.done()) fut.setResult(true);
    }
  }

  /**
   * Unsets the event: later waits block until the next `set()`.
   *
   * @example
   * ```ts
   * import { Event } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * e.clear();
   * assert.equal(e.isSet(), false);
   * ```
   */
  clear(): void {
    this._value = false;
  }

  /**
   * Waits until the event is set; returns at once if it is.
   *
   * @returns A coroutine that returns `true`.
   * @throws {CancelledError} When the waiting task is cancelled.
   *
   * @example
   * ```ts
   * import { Event } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import { getRunningLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * const r = await run((function* () {
   *   getRunningLoop().callLater(5, () => e.set());
   *   return yield* e.wait();
   * })());
   * assert.equal(r, true);
   * ```
   */
  *wait(): Coroutine<true> {
    if (this._value) return true;
    const fut = boundLoop(this).createFuture<boolean>();
    this._waiters.push(fut);
    waitLabels.set(fut, this); // for formatTaskTree
    try {
      yield* fut;
      return true;
    } finally {
      removeItem(this._waiters, fut);
    }
  }

  /**
   * A description: `<Event [unset]>`, `<Event [set, waiters:2]>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Event } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Event()), "<Event [unset]>");
   * ```
   */
  toString(): string {
    return `<Event [${this._value ? "set" : "unset"}${
      waitersPart(this._waiters.length)
    }]>`;
  }
}

/**
 * A mutual-exclusion lock for tasks: asyncio's `Lock`. Fair: tasks acquire
 * it in the order they asked. `acquire()` returns a {@linkcode LockGuard}
 * for `using`.
 *
 * @example
 * ```ts
 * import { Lock } from "@x/runner/locks";
 * import { run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const lock = new Lock();
 * await run((function* () {
 *   {
 *     using _ = yield* lock.acquire();
 *     assert.equal(lock.locked(), true);
 *   }
 *   assert.equal(lock.locked(), false);
 * })());
 * ```
 */
export class Lock {
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _waiters: Future<boolean>[] | null = null;
  /** @internal */
  _locked = false;

  /**
   * Whether some task holds the lock.
   *
   * @returns `true` while acquired.
   *
   * @example
   * ```ts
   * import { Lock } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Lock().locked(), false);
   * ```
   */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Acquires the lock, waiting (in FIFO order) while another task holds it.
   * A task cancelled while waiting never takes the lock, and passes its
   * turn to the next waiter.
   *
   * @returns A coroutine returning a guard that releases the lock.
   * @throws {CancelledError} When the waiting task is cancelled.
   *
   * @example
   * ```ts
   * import { Lock } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * await run((function* () {
   *   using _ = yield* lock.acquire();
   *   assert.ok(lock.locked());
   * })());
   * assert.ok(!lock.locked());
   * ```
   */
  *acquire(): Coroutine<LockGuard> {
    const waiters = this._waiters;
    if (
      !this._locked &&
      (waiters === null || waiters.every((w) => w._state === CANCELLED))
    ) {
      this._locked = true;
      return new Guard(this);
    }
    const list = waiters ?? (this._waiters = []);
    const fut = boundLoop(this).createFuture<boolean>();
    this._enqueue(list, fut);
    waitLabels.set(fut, this); // for formatTaskTree
    try {
      try {
        yield* fut;
      } finally {
        removeItem(list, fut);
        this._dequeued(fut);
      }
    } catch (e) {
      // Keep the invariant: if the lock is free and someone waits, the
      // first waiter will run.
      if (e instanceof CancelledError && !this._locked) this._wakeUpFirst();
      throw e;
    }
    this._locked = true;
    return new Guard(this);
  }

  /**
   * Releases the lock and wakes the first waiter. Any task may release it.
   *
   * @throws {Error} `Lock is not acquired.` when it is not locked.
   *
   * @example
   * ```ts
   * import { Lock } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * assert.throws(() => lock.release(), /Lock is not acquired\./);
   * await run((function* () {
   *   yield* lock.acquire();
   *   lock.release();
   * })());
   * assert.equal(lock.locked(), false);
   * ```
   */
  release(): void {
    if (!this._locked) throw new Error("Lock is not acquired.");
    this._locked = false;
    this._wakeUpFirst();
  }

  /**
   * @internal Where a new waiter goes: the end (a priority lock orders by
   * priority, experimental/_priority.ts).
   */
  _enqueue(list: Future<boolean>[], fut: Future<boolean>): void {
    list.push(fut);
  }

  /** @internal A waiter left the list (a hook for priority locks). */
  _dequeued(_fut: Future<boolean>): void {}

  /** @internal */
  _wakeUpFirst(): void {
    const waiters = this._waiters;
    if (waiters === null || waiters.length === 0) return;
    const fut = waiters[0];
    // A done future is already set to wake up.
    if (!fut.done()) fut.setResult(true);
  }

  /**
   * A description: `<Lock [unlocked]>`, `<Lock [locked, waiters:1]>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Lock } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Lock()), "<Lock [unlocked]>");
   * ```
   */
  toString(): string {
    return `<Lock [${this._locked ? "locked" : "unlocked"}${
      waitersPart(this._waiters?.length ?? 0)
    }]>`;
  }
}

/**
 * A condition variable: asyncio's `Condition`. Tasks holding its lock wait
 * for a notification with {@linkcode Condition.wait} (which releases the
 * lock while waiting and takes it back before returning), or for a
 * predicate with {@linkcode Condition.waitFor}.
 *
 * @example
 * ```ts
 * import { Condition } from "@x/runner/locks";
 * import { createTask, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const cond = new Condition();
 * const items: number[] = [];
 * const got = await run((function* () {
 *   const consumer = createTask((function* () {
 *     using _ = yield* cond.acquire();
 *     yield* cond.waitFor(() => items.length > 0);
 *     return items.shift();
 *   })());
 *   yield* sleep(1);
 *   {
 *     using _ = yield* cond.acquire();
 *     items.push(42);
 *     cond.notify();
 *   }
 *   return yield* consumer;
 * })());
 * assert.equal(got, 42);
 * ```
 */
export class Condition {
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _lock: Lock;
  /** @internal */
  _waiters: Future<boolean>[] = [];

  /**
   * Makes a condition over `lock` (a new {@linkcode Lock} by default).
   *
   * @param lock The underlying lock.
   * @throws {TypeError} When `lock` is not a Lock.
   */
  constructor(lock?: Lock) {
    if (lock != null && !(lock instanceof Lock)) {
      throw badType("Condition", "lock", "a Lock", lock);
    }
    this._lock = lock ?? new Lock();
  }

  /**
   * Whether the underlying lock is held.
   *
   * @returns `true` while acquired.
   *
   * @example
   * ```ts
   * import { Condition, Lock } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const cond = new Condition(lock);
   * await run((function* () {
   *   using _ = yield* lock.acquire();
   *   assert.ok(cond.locked());
   * })());
   * ```
   */
  locked(): boolean {
    return this._lock._locked;
  }

  /**
   * Acquires the underlying lock.
   *
   * @returns A coroutine returning a guard that releases it.
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * await run((function* () {
   *   using _ = yield* cond.acquire();
   *   assert.ok(cond.locked());
   * })());
   * assert.ok(!cond.locked());
   * ```
   */
  *acquire(): Coroutine<LockGuard> {
    yield* this._lock.acquire();
    return new Guard(this);
  }

  /**
   * Releases the underlying lock.
   *
   * @throws {Error} `Lock is not acquired.`
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Condition().release(), /Lock is not acquired/);
   * ```
   */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits for a notification, and takes the lock back
   * before returning, even when cancelled. A task that was notified but
   * then fails (is cancelled) passes the notification on to another waiter.
   *
   * @returns A coroutine that returns `true`.
   * @throws {Error} `cannot wait on un-acquired lock`.
   * @throws {CancelledError} When the task is cancelled (the lock is held
   * again when it is thrown).
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import { createTask, run, sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * const r = await run((function* () {
   *   const t = createTask((function* () {
   *     using _ = yield* cond.acquire();
   *     return yield* cond.wait();
   *   })());
   *   yield* sleep(1);
   *   using _ = yield* cond.acquire();
   *   cond.notifyAll();
   *   return t;
   * })());
   * assert.equal(await r, true);
   * ```
   */
  *wait(): Coroutine<true> {
    if (!this.locked()) throw new Error("cannot wait on un-acquired lock");
    const loop = boundLoop(this);
    this.release();
    try {
      let failure: unknown = NONE;
      const fut = loop.createFuture<boolean>();
      this._enqueue(this._waiters, fut);
      waitLabels.set(fut, this); // for formatTaskTree
      try {
        yield* fut;
      } catch (e) {
        failure = e;
      } finally {
        removeItem(this._waiters, fut);
        this._dequeued(fut);
      }
      // Take the lock back even when cancelled; only a CancelledError is
      // retried (the latest one wins), anything else is fatal and must not
      // spin.
      for (;;) {
        try {
          yield* this._lock.acquire();
          break;
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          failure = e;
        }
      }
      if (failure !== NONE) throw failure;
      return true;
    } catch (e) {
      // We may have been notified before failing: hand the wake-up on (a
      // spurious wake-up is allowed for condition variables).
      this._notify(1);
      throw e;
    }
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after every
   * notification.
   *
   * @param predicate Called with the lock held.
   * @returns A coroutine returning the predicate's last (truthy) value.
   * @throws {Error} `cannot wait on un-acquired lock`.
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import { createTask, run, sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * let n = 0;
   * const r = await run((function* () {
   *   const t = createTask((function* () {
   *     using _ = yield* cond.acquire();
   *     return yield* cond.waitFor(() => n >= 2 && `n=${n}`);
   *   })());
   *   for (let i = 0; i < 2; i++) {
   *     yield* sleep(1);
   *     using _ = yield* cond.acquire();
   *     n++;
   *     cond.notify();
   *   }
   *   return yield* t;
   * })());
   * assert.equal(r, "n=2");
   * ```
   */
  waitFor<T>(predicate: () => T): Coroutine<T> {
    checkFunction("Condition.waitFor", "predicate", predicate);
    return this._waitFor(predicate);
  }

  /** @internal {@linkcode Condition.waitFor} after its check. */
  *_waitFor<T>(predicate: () => T): Coroutine<T> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` tasks waiting on this condition (the longest-waiting
   * first). The caller must hold the lock; woken tasks run once it is
   * released.
   *
   * @param n How many to wake (1 by default).
   * @throws {Error} `cannot notify on un-acquired lock`.
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Condition().notify(), /cannot notify on un-acquired lock/);
   * ```
   */
  notify(n = 1): void {
    if (!Number.isInteger(n) || n < 0) checkCount("Condition.notify", "n", n);
    if (!this.locked()) throw new Error("cannot notify on un-acquired lock");
    this._notify(n);
  }

  /**
   * @internal Where a new waiter goes: the end (a priority condition orders
   * by priority, experimental/_priority.ts).
   */
  _enqueue(list: Future<boolean>[], fut: Future<boolean>): void {
    list.push(fut);
  }

  /** @internal A waiter left the list (a hook for priority conditions). */
  _dequeued(_fut: Future<boolean>): void {}

  /** @internal */
  _notify(n: number): void {
    let idx = 0;
    for (const fut of this._waiters) {
      if (idx >= n) break;
      if (!fut.done()) {
        idx++;
        fut.setResult(false);
      }
    }
  }

  /**
   * Wakes every task waiting on this condition. The caller must hold the
   * lock.
   *
   * @throws {Error} `cannot notify on un-acquired lock`.
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import { createTask, gather, run, sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const cond = new Condition();
   * function* waiter() {
   *   using _ = yield* cond.acquire();
   *   return yield* cond.wait();
   * }
   * const r = await run((function* () {
   *   const ts = [createTask(waiter()), createTask(waiter())];
   *   yield* sleep(1);
   *   {
   *     using _ = yield* cond.acquire();
   *     cond.notifyAll();
   *   }
   *   return yield* gather(ts);
   * })());
   * assert.deepEqual(r, [true, true]);
   * ```
   */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /**
   * A description: `<Condition [unlocked]>`, `<Condition [locked, waiters:1]>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Condition } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Condition()), "<Condition [unlocked]>");
   * ```
   */
  toString(): string {
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${
      waitersPart(this._waiters.length)
    }]>`;
  }
}

/**
 * A counter of available slots: asyncio's `Semaphore`. `acquire()` takes a
 * slot, waiting (in FIFO order) while none is free; `release()` gives one
 * back. A newcomer never overtakes a task already waiting.
 *
 * @example
 * ```ts
 * import { Semaphore } from "@x/runner/locks";
 * import { createTask, gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const sem = new Semaphore(2);
 * let active = 0;
 * let peak = 0;
 * function* job() {
 *   using _ = yield* sem.acquire();
 *   peak = Math.max(peak, ++active);
 *   yield* sleep(1);
 *   active--;
 * }
 * await run((function* () {
 *   yield* gather([1, 2, 3, 4, 5].map(() => createTask(job())));
 * })());
 * assert.equal(peak, 2);
 * ```
 */
export class Semaphore {
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _waiters: Future<boolean>[] | null = null;
  /** @internal */
  _value: number;

  /**
   * Makes a semaphore with `value` free slots.
   *
   * @param value The initial count (1 by default).
   * @throws {TypeError} When `value` is not a number.
   * @throws {RangeError} `Semaphore(): initial value must be >= 0`, or
   * when `value` is not an integer (`Infinity` is allowed: no limit).
   */
  constructor(value = 1) {
    // Infinity is an unbounded semaphore; 1.5 slots mean nothing.
    if (value !== Infinity) checkCount(new.target.name, "value", value);
    this._value = value;
  }

  /**
   * Whether `acquire()` would have to wait: no slot is free, or some task
   * is already waiting for one.
   *
   * @returns `true` when an acquire would block.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Semaphore(0).locked(), true);
   * assert.equal(new Semaphore(1).locked(), false);
   * ```
   */
  locked(): boolean {
    return this._value === 0 ||
      (this._waiters !== null &&
        this._waiters.some((w) => w._state !== CANCELLED));
  }

  /**
   * Takes a slot, waiting (in FIFO order) while none is free. A task
   * cancelled after it was given a slot gives it back to the next waiter.
   *
   * @returns A coroutine returning a guard that releases the slot.
   * @throws {CancelledError} When the waiting task is cancelled.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const sem = new Semaphore(1);
   * await run((function* () {
   *   using _ = yield* sem.acquire();
   *   assert.ok(sem.locked());
   * })());
   * assert.ok(!sem.locked());
   * ```
   */
  *acquire(): Coroutine<LockGuard> {
    if (!this.locked()) {
      // Maintain FIFO: wait for others to start even if a slot is free.
      this._value--;
      return new Guard(this);
    }
    const list = this._waiters ?? (this._waiters = []);
    const fut = boundLoop(this).createFuture<boolean>();
    list.push(fut);
    waitLabels.set(fut, this); // for formatTaskTree
    try {
      try {
        yield* fut;
      } finally {
        removeItem(list, fut);
      }
    } catch (e) {
      if (
        e instanceof CancelledError && fut.done() && !fut.cancelled()
      ) {
        // We were given a slot but will not take it: undo the bookkeeping
        // so the loop below passes it to someone else.
        this._value++;
      }
      throw e;
    } finally {
      // Newcomers may have queued behind us (FIFO); wake as many as fit.
      while (this._value > 0) {
        if (!this._wakeUpNext()) break;
      }
    }
    return new Guard(this);
  }

  /**
   * Gives a slot back and wakes the first waiter.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * const sem = new Semaphore(0);
   * sem.release();
   * assert.equal(sem.locked(), false);
   * ```
   */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** @internal Wakes the first waiter that is not done; false if none. */
  _wakeUpNext(): boolean {
    const waiters = this._waiters;
    if (waiters === null) return false;
    for (const fut of waiters) {
      if (!fut.done()) {
        this._value--;
        fut.setResult(true);
        return true;
      }
    }
    return false;
  }

  /** @internal */
  _kind(): string {
    return "Semaphore";
  }

  /**
   * A description: `<Semaphore [unlocked, value:2]>`, `<Semaphore [locked]>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Semaphore } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Semaphore(2)), "<Semaphore [unlocked, value:2]>");
   * ```
   */
  toString(): string {
    const extra = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    return `<${this._kind()} [${extra}${
      waitersPart(this._waiters?.length ?? 0)
    }]>`;
  }
}

/**
 * A {@linkcode Semaphore} that refuses to be released more often than it
 * was acquired: asyncio's `BoundedSemaphore`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from "@x/runner/locks";
 * import assert from "node:assert/strict";
 *
 * const sem = new BoundedSemaphore(1);
 * assert.throws(() => sem.release(), /BoundedSemaphore released too many times/);
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal */
  _boundValue: number;

  /**
   * Makes a bounded semaphore with `value` slots (also its maximum).
   *
   * @param value The initial and maximum count (1 by default).
   * @throws {RangeError} `BoundedSemaphore(): initial value must be >= 0`.
   */
  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  /**
   * Gives a slot back.
   *
   * @throws {Error} `BoundedSemaphore released too many times`.
   *
   * @example
   * ```ts
   * import { BoundedSemaphore } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const sem = new BoundedSemaphore(1);
   * await run((function* () {
   *   yield* sem.acquire();
   *   sem.release();
   * })());
   * assert.throws(() => sem.release(), /released too many times/);
   * ```
   */
  override release(): void {
    if (this._value >= this._boundValue) {
      throw new Error("BoundedSemaphore released too many times");
    }
    super.release();
  }

  /** @internal */
  override _kind(): string {
    return "BoundedSemaphore";
  }
}

/**
 * Thrown by {@linkcode Barrier.wait} when the barrier is aborted or reset
 * while a task waits, or is already broken.
 *
 * @example
 * ```ts
 * import { BrokenBarrierError } from "@x/runner/locks";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BrokenBarrierError("Barrier aborted").name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Makes the error.
   *
   * @param message What broke the barrier.
   * @param options Standard error options.
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    named(this, "BrokenBarrierError");
  }
}

const FILLING = "filling";
const DRAINING = "draining";
const RESETTING = "resetting";
const BROKEN = "broken";
type BarrierState =
  | typeof FILLING
  | typeof DRAINING
  | typeof RESETTING
  | typeof BROKEN;

/**
 * A barrier for a fixed number of tasks: asyncio's `Barrier` (3.11). Each
 * {@linkcode Barrier.wait} blocks until `parties` tasks are waiting, then
 * all are released together, and the barrier can be used again.
 *
 * @example
 * ```ts
 * import { Barrier } from "@x/runner/locks";
 * import { createTask, gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const barrier = new Barrier(3);
 * const log: string[] = [];
 * function* party(name: string, ms: number) {
 *   yield* sleep(ms);
 *   log.push(`${name} arrives`);
 *   yield* barrier.wait();
 *   log.push(`${name} leaves`);
 * }
 * await run((function* () {
 *   yield* gather([createTask(party("a", 1)), createTask(party("b", 5)), createTask(party("c", 10))]);
 * })());
 * assert.deepEqual(log.slice(0, 3), ["a arrives", "b arrives", "c arrives"]);
 * ```
 */
export class Barrier {
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _cond: Condition = new Condition();
  /** @internal */
  _parties: number;
  /** @internal */
  _state: BarrierState = FILLING;
  /** @internal Tasks inside the barrier. */
  _count = 0;

  /**
   * Makes a barrier for `parties` tasks.
   *
   * @param parties How many tasks must wait before all are released.
   * @throws {RangeError} `Barrier(): parties must be > 0`, or when
   * `parties` is not an integer.
   */
  constructor(parties: number) {
    checkCount("Barrier", "parties", parties, 1);
    this._parties = parties;
  }

  /**
   * Waits until `parties` tasks wait on the barrier, then releases them
   * all. Returns a different index, 0 to `parties - 1`, to each task of a
   * round (the last to arrive gets `parties - 1`).
   *
   * @returns A coroutine returning this task's arrival index.
   * @throws {BrokenBarrierError} When the barrier is broken, or aborted or
   * reset while waiting.
   * @throws {CancelledError} When the waiting task is cancelled.
   *
   * @example
   * ```ts
   * import { Barrier } from "@x/runner/locks";
   * import { createTask, gather, run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * const r = await run((function* () {
   *   return yield* gather([createTask(b.wait()), createTask(b.wait())]);
   * })());
   * assert.deepEqual(r, [0, 1]);
   * ```
   */
  *wait(): Coroutine<number> {
    boundLoop(this);
    using _ = yield* this._cond.acquire();
    // Block while the barrier drains or resets.
    yield* this._block();
    const index = this._count;
    this._count++;
    try {
      if (index + 1 === this._parties) {
        // The last one in releases everybody.
        this._state = DRAINING;
        this._cond.notifyAll();
      } else {
        yield* this._wait();
      }
      return index;
    } finally {
      this._count--;
      // The last one out lets tasks blocked on draining in.
      this._exit();
    }
  }

  /** @internal */
  *_block(): Coroutine<void> {
    yield* this._cond.waitFor(() =>
      this._state !== DRAINING && this._state !== RESETTING
    );
    if (this._state === BROKEN) throw new BrokenBarrierError("Barrier aborted");
  }

  /** @internal */
  *_wait(): Coroutine<void> {
    yield* this._cond.waitFor(() => this._state !== FILLING);
    if (this._state === BROKEN || this._state === RESETTING) {
      throw new BrokenBarrierError("Abort or reset of barrier");
    }
  }

  /** @internal */
  _exit(): void {
    if (this._count === 0) {
      if (this._state === RESETTING || this._state === DRAINING) {
        this._state = FILLING;
      }
      this._cond.notifyAll();
    }
  }

  /**
   * Returns the barrier to its empty, filling state. Tasks waiting in it
   * get a {@linkcode BrokenBarrierError}; a broken barrier is usable again.
   *
   * @returns A coroutine.
   *
   * @example
   * ```ts
   * import { Barrier } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * await run((function* () {
   *   yield* b.abort();
   *   assert.ok(b.broken);
   *   yield* b.reset();
   * })());
   * assert.equal(b.broken, false);
   * ```
   */
  *reset(): Coroutine<void> {
    boundLoop(this);
    using _ = yield* this._cond.acquire();
    if (this._count > 0) {
      if (this._state !== RESETTING) this._state = RESETTING;
    } else {
      this._state = FILLING;
    }
    this._cond.notifyAll();
  }

  /**
   * Breaks the barrier: tasks waiting in it, and any later
   * {@linkcode Barrier.wait}, get a {@linkcode BrokenBarrierError} until
   * {@linkcode Barrier.reset}.
   *
   * @returns A coroutine.
   *
   * @example
   * ```ts
   * import { Barrier, BrokenBarrierError } from "@x/runner/locks";
   * import { run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * await run((function* () {
   *   yield* b.abort();
   *   try {
   *     yield* b.wait();
   *     assert.fail("not reached");
   *   } catch (e) {
   *     assert.ok(e instanceof BrokenBarrierError);
   *   }
   * })());
   * ```
   */
  *abort(): Coroutine<void> {
    boundLoop(this);
    using _ = yield* this._cond.acquire();
    this._state = BROKEN;
    this._cond.notifyAll();
  }

  /**
   * How many tasks must wait before the barrier releases them.
   *
   * @returns The number of parties.
   *
   * @example
   * ```ts
   * import { Barrier } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(3).parties, 3);
   * ```
   */
  get parties(): number {
    return this._parties;
  }

  /**
   * How many tasks wait in the barrier now (0 while it drains or resets).
   *
   * @returns The count.
   *
   * @example
   * ```ts
   * import { Barrier } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(3).nWaiting, 0);
   * ```
   */
  get nWaiting(): number {
    return this._state === FILLING ? this._count : 0;
  }

  /**
   * Whether the barrier was aborted (and not reset since).
   *
   * @returns `true` when broken.
   *
   * @example
   * ```ts
   * import { Barrier } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(1).broken, false);
   * ```
   */
  get broken(): boolean {
    return this._state === BROKEN;
  }

  /**
   * A description: `<Barrier [filling, waiters:1/3]>`, `<Barrier [broken]>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Barrier } from "@x/runner/locks";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Barrier(3)), "<Barrier [filling, waiters:0/3]>");
   * ```
   */
  toString(): string {
    let extra: string = this._state;
    if (!this.broken) extra += `, waiters:${this.nWaiting}/${this._parties}`;
    return `<Barrier [${extra}]>`;
  }
}
