/**
 * Queues for tasks, as asyncio's `queues.py` (with Python 3.13's
 * `shutdown`): {@linkcode Queue} (first in, first out),
 * {@linkcode PriorityQueue} (smallest first) and {@linkcode LifoQueue}
 * (last in, first out), with {@linkcode QueueEmpty},
 * {@linkcode QueueFull} and {@linkcode QueueShutDown}.
 *
 * `put` and `get` are coroutines that wait while the queue is full or
 * empty; a task cancelled while waiting loses nothing and passes its turn
 * on. Native code outside the loop can consume a queue with
 * `for await (const item of queue)`; the iteration ends when the queue is
 * shut down and empty.
 *
 * A queue is deliberately not iterable with `yield*` or `for...of`.
 *
 * @example Producer and consumers
 * ```ts
 * import { Queue } from "@x/runner/queues";
 * import { createTask, gather, run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<number>(2);
 * const seen: number[] = [];
 * function* consumer() {
 *   for (;;) {
 *     const n = yield* q.get();
 *     seen.push(n);
 *     q.taskDone();
 *   }
 * }
 * await run((function* () {
 *   const workers = [createTask(consumer()), createTask(consumer())];
 *   for (let i = 0; i < 5; i++) yield* q.put(i);
 *   yield* q.join();
 *   for (const w of workers) w.cancel();
 *   yield* gather(workers, { returnExceptions: true });
 * })());
 * assert.deepEqual(seen, [0, 1, 2, 3, 4]);
 * ```
 *
 * @module
 */

import { named } from "./_errors.ts";
import { CancelledError, type Coroutine } from "./future.ts";
import { ParkingLot } from "./_parking_lot.ts";
import type { Task } from "./task.ts";
import { Event } from "./locks.ts";
import { getRunningLoop, runningState } from "./_events.ts";
import { describe } from "./_describe.ts";
import { waitLabels } from "./_awaited_by.ts";
import { DONE_UNDEFINED } from "./_yield.ts";
import type { EventLoop } from "./loop.ts";
import {
  checkOptions,
  checkTime,
  optBoolean,
  optFunction,
  optLoop,
} from "./_validate.ts";

export type { Coroutine };

/**
 * Thrown by `getNowait()` when the queue is empty.
 *
 * @example
 * ```ts
 * import { Queue, QueueEmpty } from "@x/runner/queues";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => new Queue().getNowait(), QueueEmpty);
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Makes the error.
   *
   * @param message Defaults to `queue is empty`.
   * @param options Standard error options.
   */
  constructor(message = "queue is empty", options?: ErrorOptions) {
    super(message, options);
    named(this, "QueueEmpty");
  }
}

/**
 * Thrown by `putNowait()` when the queue is full.
 *
 * @example
 * ```ts
 * import { Queue, QueueFull } from "@x/runner/queues";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue(1);
 * q.putNowait(1);
 * assert.throws(() => q.putNowait(2), QueueFull);
 * ```
 */
export class QueueFull extends Error {
  /**
   * Makes the error.
   *
   * @param message Defaults to `queue is full`.
   * @param options Standard error options.
   */
  constructor(message = "queue is full", options?: ErrorOptions) {
    super(message, options);
    named(this, "QueueFull");
  }
}

/**
 * Thrown by `put`/`putNowait` after {@linkcode Queue.shutdown}, and by
 * `get`/`getNowait` once the queue is shut down and empty.
 *
 * @example
 * ```ts
 * import { Queue, QueueShutDown } from "@x/runner/queues";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue();
 * q.shutdown();
 * assert.throws(() => q.putNowait(1), QueueShutDown);
 * ```
 */
export class QueueShutDown extends Error {
  /**
   * Makes the error.
   *
   * @param message Defaults to `queue is shut down`.
   * @param options Standard error options.
   */
  constructor(message = "queue is shut down", options?: ErrorOptions) {
    super(message, options);
    named(this, "QueueShutDown");
  }
}

/** Options of {@linkcode Queue} and {@linkcode LifoQueue}. */
export interface QueueOptions {
  /** The capacity; 0 or less (the default) means unbounded. */
  maxsize?: number;
}

/** Options of {@linkcode PriorityQueue}. */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders items: negative when `a` comes out first. By default numbers,
   * bigints and strings compare by value and arrays element by element,
   * like Python tuples (so `[priority, payload]` pairs work).
   */
  compare?: (a: T, b: T) => number;
}

/** Options of {@linkcode Queue.iterate}. */
export interface QueueIterateOptions {
  /**
   * The loop to get items through; by default the loop the queue is bound
   * to (the first loop that waited on it), else the running loop.
   */
  loop?: EventLoop;
}

function readMaxsize(
  fn: string,
  arg: number | QueueOptions | undefined,
): number {
  if (typeof arg === "object") checkOptions(fn, arg, "maxsize or options");
  const m = typeof arg === "object" && arg !== null ? arg.maxsize : arg;
  if (m == null) return 0;
  // A float maxsize is fine (CPython accepts one); NaN is not.
  checkTime(fn, typeof arg === "object" ? "options.maxsize" : "maxsize", m);
  return m;
}

/**
 * A first-in, first-out queue for tasks: asyncio's `Queue`.
 *
 * With a `maxsize` above 0, `put` waits while the queue holds that many
 * items. Every `put` counts an unfinished task; consumers call
 * {@linkcode Queue.taskDone} for each item they finish, and
 * {@linkcode Queue.join} waits until all are finished.
 *
 * @typeParam T The type of the items.
 *
 * @example
 * ```ts
 * import { Queue } from "@x/runner/queues";
 * import { createTask, run } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const q = new Queue<string>();
 * const got = await run((function* () {
 *   const t = createTask(q.get());
 *   yield* q.put("hello");
 *   return yield* t;
 * })());
 * assert.equal(got, "hello");
 * ```
 */
export class Queue<T> {
  /** @internal */
  _loop: EventLoop | null = null;
  /** @internal */
  _maxsize: number;
  /** @internal Tasks waiting in `get` (parked: no future per wait). */
  _getters: ParkingLot = new ParkingLot(() =>
    this.empty() && !this._isShutdown
  );
  /** @internal Tasks waiting in `put`. */
  _putters: ParkingLot = new ParkingLot(() => this.full() && !this._isShutdown);
  /** @internal */
  _unfinishedTasks = 0;
  /** @internal */
  _finished: Event = new Event();
  /** @internal */
  _isShutdown = false;
  /**
   * @internal FIFO storage: the items are `_items[_head]` up to (not
   * including) `_items[_tail]`; slots outside are `undefined`.
   */
  _items: T[] = [];
  /** @internal */
  _head = 0;
  /** @internal */
  _tail = 0;

  /**
   * Makes an empty queue.
   *
   * @param maxsize The capacity, or `{ maxsize }`; 0 or less (the
   * default) means unbounded.
   * @throws {TypeError} When `maxsize` is not a number.
   */
  constructor(maxsize?: number | QueueOptions) {
    this._maxsize = readMaxsize(new.target.name, maxsize);
    this._finished.set();
    // formatTaskTree names the queue a parked task waits on.
    waitLabels.set(this._getters, this);
    waitLabels.set(this._putters, this);
  }

  // Storage hooks, overridden by PriorityQueue and LifoQueue.

  /** @internal */
  _size(): number {
    return this._tail - this._head;
  }

  /** @internal */
  _put(item: T): void {
    const items = this._items;
    const tail = this._tail;
    if (tail < items.length) items[tail] = item;
    else items.push(item);
    this._tail = tail + 1;
  }

  /** @internal */
  _get(): T {
    const items = this._items;
    const head = this._head;
    const item = items[head];
    items[head] = undefined as T;
    if (head + 1 === this._tail) {
      // Emptied: start again at slot 0, keeping the array (a Queue(1)
      // hands over one item at a time and must not allocate to do it)
      // unless it grew large.
      this._head = this._tail = 0;
      if (items.length > 1024) items.length = 0;
    } else if (head >= 1024 && (head + 1) * 2 >= this._tail) {
      // Compact now and then so shifting stays O(1) amortized.
      items.copyWithin(0, head + 1, this._tail);
      this._tail -= head + 1;
      items.fill(undefined as T, this._tail, this._tail + head + 1);
      this._head = 0;
    } else {
      this._head = head + 1;
    }
    return item;
  }

  /** @internal The items in the order `get` would return them. */
  _contents(): T[] {
    return this._items.slice(this._head, this._tail);
  }

  /** @internal */
  _getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this._loop === null) this._loop = loop;
    else if (this._loop !== loop) {
      throw new Error(
        `${this} is bound to a different event loop${
          this._loop.isClosed() ? " (one that is closed now)" : ""
        }`,
      );
    }
    return loop;
  }

  /** @internal Wakes the first waiter (cancelled ones left the lot). */
  _wakeupNext(waiters: ParkingLot): void {
    waiters.unparkOne();
  }

  /**
   * How many items the queue holds.
   *
   * @returns The number of items.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue();
   * q.putNowait("a");
   * assert.equal(q.qsize(), 1);
   * ```
   */
  qsize(): number {
    return this._size();
  }

  /**
   * The capacity given at construction (0 or less: unbounded).
   *
   * @returns The maximum size.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue(3).maxsize, 3);
   * assert.equal(new Queue({ maxsize: 2 }).maxsize, 2);
   * ```
   */
  get maxsize(): number {
    return this._maxsize;
  }

  /**
   * Whether the queue holds no items.
   *
   * @returns `true` when empty.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue().empty(), true);
   * ```
   */
  empty(): boolean {
    return this._size() === 0;
  }

  /**
   * Whether the queue holds `maxsize` items (never, when unbounded).
   *
   * @returns `true` when a `put` would wait.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue(1);
   * q.putNowait(1);
   * assert.equal(q.full(), true);
   * ```
   */
  full(): boolean {
    if (this._maxsize <= 0) return false;
    return this._size() >= this._maxsize;
  }

  /**
   * Puts an item in the queue, waiting (in FIFO order) while it is full.
   *
   * @param item The item.
   * @returns A coroutine.
   * @throws {QueueShutDown} When the queue is shut down.
   * @throws {CancelledError} When the waiting task is cancelled (the item
   * is not put).
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import { createTask, run, sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>(1);
   * await run((function* () {
   *   yield* q.put(1);
   *   const t = createTask(q.put(2)); // waits: the queue is full
   *   yield* sleep(1);
   *   assert.equal(t.done(), false);
   *   assert.equal(yield* q.get(), 1);
   *   yield* t;
   *   assert.equal(q.getNowait(), 2);
   * })());
   * ```
   */
  put(item: T): Coroutine<void> {
    return new QueueOp(this, true, item) as unknown as Coroutine<void>;
  }

  /**
   * Puts an item in the queue without waiting.
   *
   * @param item The item.
   * @throws {QueueFull} When the queue is full.
   * @throws {QueueShutDown} When the queue is shut down.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * assert.equal(q.getNowait(), 1);
   * ```
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw new QueueShutDown();
    if (this.full()) throw new QueueFull();
    this._put(item);
    this._unfinishedTasks++;
    this._finished.clear();
    this._wakeupNext(this._getters);
  }

  /**
   * Removes and returns an item, waiting (in FIFO order) while the queue is
   * empty.
   *
   * @returns A coroutine returning the item.
   * @throws {QueueShutDown} When the queue is shut down and empty.
   * @throws {CancelledError} When the waiting task is cancelled (no item
   * is lost).
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import { run } from "@x/runner";
   * import { getRunningLoop } from "@x/runner/loop";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<string>();
   * const r = await run((function* () {
   *   getRunningLoop().callLater(5, () => q.putNowait("late"));
   *   return yield* q.get();
   * })());
   * assert.equal(r, "late");
   * ```
   */
  get(): Coroutine<T> {
    return new QueueOp(this, false, undefined) as unknown as Coroutine<T>;
  }

  /**
   * Removes and returns an item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} When the queue is empty.
   * @throws {QueueShutDown} When the queue is shut down and empty.
   *
   * @example
   * ```ts
   * import { Queue, QueueEmpty } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * assert.throws(() => q.getNowait(), QueueEmpty);
   * q.putNowait(7);
   * assert.equal(q.getNowait(), 7);
   * ```
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw new QueueShutDown();
      throw new QueueEmpty();
    }
    const item = this._get();
    this._wakeupNext(this._putters);
    return item;
  }

  /**
   * Marks one item taken from the queue as finished; when every item put
   * is finished, {@linkcode Queue.join} returns.
   *
   * @throws {Error} `task_done() called too many times` when called more
   * often than items were put.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.getNowait();
   * q.taskDone();
   * assert.throws(() => q.taskDone(), /called too many times/);
   * ```
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) {
      throw new Error(
        "task_done() called too many times: taskDone() was called more often than items were put",
      );
    }
    this._unfinishedTasks--;
    if (this._unfinishedTasks === 0) this._finished.set();
  }

  /**
   * Waits until every item put in the queue was taken and marked finished
   * with {@linkcode Queue.taskDone}.
   *
   * @returns A coroutine.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import { createTask, run } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * let sum = 0;
   * await run((function* () {
   *   for (const n of [1, 2, 3]) q.putNowait(n);
   *   createTask((function* () {
   *     for (;;) {
   *       sum += yield* q.get();
   *       q.taskDone();
   *     }
   *   })());
   *   yield* q.join();
   * })());
   * assert.equal(sum, 6);
   * ```
   */
  *join(): Coroutine<void> {
    if (this._unfinishedTasks > 0) yield* this._finished.wait();
  }

  /**
   * Shuts the queue down (Python 3.13): `put` and `putNowait` throw
   * {@linkcode QueueShutDown} from now on, and so do `get` and `getNowait`
   * once the queue is empty; blocked callers are woken to see it. With
   * `immediate`, the remaining items are dropped (each counts as finished
   * for `join`), so getters fail at once.
   *
   * @param immediate Drop the items still queued.
   *
   * @example
   * ```ts
   * import { Queue, QueueShutDown } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.shutdown();
   * assert.equal(q.getNowait(), 1); // still drained
   * assert.throws(() => q.getNowait(), QueueShutDown);
   * ```
   */
  shutdown(immediate = false): void {
    optBoolean("Queue.shutdown", "immediate", immediate);
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._finished.set();
    }
    // Every blocked caller re-checks and sees the shutdown.
    this._getters.unparkAll();
    this._putters.unparkAll();
  }

  /**
   * An async iterator over the items, for native code outside the loop:
   * each `next()` takes an item at once when one is queued, else waits for
   * one through the loop (a task running `get()`, so the loop must be
   * running for it to arrive). It ends when the queue is shut down and
   * empty; leaving the loop early (`break`) cancels a pending get without
   * losing an item. It does not call `taskDone()`.
   *
   * @param options `loop`: the loop to wait through.
   * @returns An async iterator.
   * @throws {Error} From `next()`, when no loop is known: the queue was
   * never used in a loop and no `loop` was given outside one.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import { EventLoop } from "@x/runner/loop";
   * import { sleep } from "@x/runner";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * const q = new Queue<number>();
   * const producer = loop.runUntilComplete((function* () {
   *   for (let i = 0; i < 3; i++) {
   *     yield* q.put(i);
   *     yield* sleep(1);
   *   }
   *   q.shutdown();
   * })());
   * const got: number[] = [];
   * for await (const n of q.iterate({ loop })) got.push(n);
   * await producer;
   * loop.close();
   * assert.deepEqual(got, [0, 1, 2]);
   * ```
   */
  iterate(options?: QueueIterateOptions): AsyncIterableIterator<T> {
    checkOptions("Queue.iterate", options);
    optLoop("Queue.iterate", "options.loop", options?.loop);
    return new QueueIterator(this, options?.loop ?? null);
  }

  /**
   * `for await (const item of queue)`: the same as
   * {@linkcode Queue.iterate} with the queue's loop.
   *
   * @returns An async iterator.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<string>();
   * q.putNowait("a");
   * q.putNowait("b");
   * q.shutdown();
   * const got: string[] = [];
   * for await (const s of q) got.push(s);
   * assert.deepEqual(got, ["a", "b"]);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this.iterate();
  }

  /** @internal */
  _kind(): string {
    return "Queue";
  }

  /**
   * A description in asyncio's style:
   * `<Queue maxsize=0 _queue=[1,2] _getters[1] tasks=2 shutdown>`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { Queue } from "@x/runner/queues";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>(5);
   * q.putNowait(1);
   * assert.equal(String(q), "<Queue maxsize=5 _queue=[1] tasks=1>");
   * ```
   */
  toString(): string {
    let s = `maxsize=${this._maxsize}`;
    if (!this.empty()) {
      s += ` _queue=[${this._contents().map(describe).join(",")}]`;
    }
    if (this._getters.length > 0) s += ` _getters[${this._getters.length}]`;
    if (this._putters.length > 0) s += ` _putters[${this._putters.length}]`;
    if (this._unfinishedTasks > 0) s += ` tasks=${this._unfinishedTasks}`;
    if (this._isShutdown) s += " shutdown";
    return `<${this._kind()} ${s}>`;
  }
}

const OP_READY = 0;
const OP_PARKED = 1;
const OP_DONE = 2;

/**
 * The coroutine of `Queue.get()` and `Queue.put(item)`: a small iterator in
 * place of a generator, so an operation allocates one object whether or not
 * it waits. While the queue is empty (get) or full (put) it parks its task
 * on the queue's lot (see _parking_lot.ts) and re-checks when woken.
 */
class QueueOp<T> {
  _queue: Queue<T>;
  _isPut: boolean;
  _item: T | undefined;
  _phase: number;

  constructor(queue: Queue<T>, isPut: boolean, item: T | undefined) {
    this._queue = queue;
    this._isPut = isPut;
    this._item = item;
    this._phase = OP_READY;
  }

  _mustWait(): boolean {
    return this._isPut ? this._queue.full() : this._queue.empty();
  }

  next(): IteratorResult<unknown, unknown> {
    if (this._phase === OP_DONE) return DONE_UNDEFINED;
    const q = this._queue;
    this._phase = OP_DONE; // an error below ends the coroutine
    if (this._mustWait()) {
      if (q._isShutdown) throw new QueueShutDown();
      q._getLoop();
      this._phase = OP_PARKED;
      return (this._isPut ? q._putters : q._getters)._parkResult;
    }
    if (!this._isPut) return { value: q.getNowait(), done: true };
    const item = this._item as T;
    this._item = undefined;
    q.putNowait(item);
    return DONE_UNDEFINED;
  }

  throw(e: unknown): never {
    const parked = this._phase === OP_PARKED;
    this._phase = OP_DONE;
    const q = this._queue;
    // Woken (handed the item or the slot) but cannot take it: wake the next.
    if (parked && !this._mustWait() && ParkingLot._woke(currentTaskOf(q))) {
      q._wakeupNext(this._isPut ? q._putters : q._getters);
    }
    throw e;
  }

  return(value: unknown): IteratorResult<unknown, unknown> {
    this._phase = OP_DONE;
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }
}

function currentTaskOf(q: Queue<unknown>): Task<unknown> | null {
  return q._loop === null ? null : q._loop._currentTask;
}

/** The async iterator of {@linkcode Queue.iterate}. */
class QueueIterator<T> implements AsyncIterableIterator<T> {
  _queue: Queue<T>;
  _loop: EventLoop | null;
  _ended = false;
  _pending: Task<T> | null = null;

  constructor(queue: Queue<T>, loop: EventLoop | null) {
    this._queue = queue;
    this._loop = loop;
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    if (this._ended) return { value: undefined, done: true };
    const q = this._queue;
    if (!q.empty()) return { value: q.getNowait(), done: false };
    if (q._isShutdown) return this._end();
    const loop = this._loop ?? q._loop ?? runningState.loop;
    if (loop === null) {
      throw new Error(
        `${q} is not bound to an event loop yet: use it in a loop first, or pass { loop } to queue.iterate()`,
      );
    }
    const task = loop.createTask(q.get());
    this._pending = task;
    try {
      return { value: await task, done: false };
    } catch (e) {
      if (e instanceof QueueShutDown) return this._end();
      // return() cancelled this pending get: the iteration just ends.
      if (this._ended && e instanceof CancelledError) return this._end();
      throw e;
    } finally {
      if (this._pending === task) this._pending = null;
    }
  }

  _end(): IteratorResult<T, undefined> {
    this._ended = true;
    return { value: undefined, done: true };
  }

  // deno-lint-ignore require-await
  async return(): Promise<IteratorResult<T, undefined>> {
    this._ended = true;
    const t = this._pending;
    this._pending = null;
    t?.cancel();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * The default order of {@linkcode PriorityQueue}: numbers, bigints and
 * strings by value, booleans as numbers, arrays element by element (a
 * shorter prefix first), like Python's comparison of tuples.
 */
function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      // Python compares elements for equality first, then orders them.
      if (a[i] === b[i]) continue;
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  const ta = scalarKind(a);
  const tb = scalarKind(b);
  if (ta !== null && ta === tb) {
    return (a as number) < (b as number)
      ? -1
      : (a as number) > (b as number)
      ? 1
      : 0;
  }
  throw new TypeError(
    `PriorityQueue cannot order ${describe(a)} and ${
      describe(b)
    } ('<' is supported between numbers, strings and arrays of them); pass a compare option`,
  );
}

function scalarKind(x: unknown): string | null {
  switch (typeof x) {
    case "number":
    case "bigint":
    case "boolean":
      return "number";
    case "string":
      return "string";
  }
  return x instanceof Date ? "date" : null;
}

/**
 * A queue that returns the smallest item first: asyncio's `PriorityQueue`
 * (a binary heap). Items that compare equal come out in the order they were
 * put. Order items with the `compare` option, or use the default: numbers
 * and strings by value, arrays like Python tuples, so
 * `[priority, payload]` entries work as in Python.
 *
 * @typeParam T The type of the items.
 *
 * @example
 * ```ts
 * import { PriorityQueue } from "@x/runner/queues";
 * import assert from "node:assert/strict";
 *
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([2, "write"]);
 * q.putNowait([1, "read"]);
 * q.putNowait([3, "close"]);
 * assert.deepEqual(q.getNowait(), [1, "read"]);
 *
 * const byLength = new PriorityQueue<string>({ compare: (a, b) => a.length - b.length });
 * byLength.putNowait("ccc");
 * byLength.putNowait("a");
 * assert.equal(byLength.getNowait(), "a");
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /** @internal */
  _compare: (a: T, b: T) => number;
  /** @internal Heap of [item, insertion number]. */
  _heap: [T, number][] = [];
  /** @internal */
  _seq = 0;

  /**
   * Makes an empty priority queue.
   *
   * @param options The capacity, or `{ maxsize, compare }`.
   * @throws {TypeError} When `maxsize` is not a number or `compare` not a
   * function.
   */
  constructor(options?: number | PriorityQueueOptions<T>) {
    super(options);
    const compare = typeof options === "object" && options !== null
      ? options.compare
      : undefined;
    optFunction("PriorityQueue", "options.compare", compare);
    this._compare = compare ?? defaultCompare;
  }

  /** @internal */
  _less(i: number, j: number): boolean {
    const h = this._heap;
    const c = this._compare(h[i][0], h[j][0]);
    return c < 0 || (c === 0 && h[i][1] < h[j][1]);
  }

  /** @internal */
  override _size(): number {
    return this._heap ? this._heap.length : 0;
  }

  /** @internal */
  override _put(item: T): void {
    const h = this._heap;
    h.push([item, this._seq++]);
    let i = h.length - 1;
    try {
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this._less(i, parent)) break;
        [h[i], h[parent]] = [h[parent], h[i]];
        i = parent;
      }
    } catch (e) {
      // An incomparable item: take it out again, leaving a valid heap.
      const last = h.length - 1;
      [h[i], h[last]] = [h[last], h[i]];
      h.pop();
      this._siftDown(i);
      throw e;
    }
  }

  /** @internal */
  override _get(): T {
    const h = this._heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this._siftDown(0);
    }
    return top[0];
  }

  /** @internal */
  _siftDown(i: number): void {
    const h = this._heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      let m = l;
      if (l + 1 < n && this._less(l + 1, l)) m = l + 1;
      if (!this._less(m, i)) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }

  /** @internal */
  override _contents(): T[] {
    return this._heap.map((e) => e[0]);
  }

  /** @internal */
  override _kind(): string {
    return "PriorityQueue";
  }
}

/**
 * A queue that returns the most recently put item first: asyncio's
 * `LifoQueue`.
 *
 * @typeParam T The type of the items.
 *
 * @example
 * ```ts
 * import { LifoQueue } from "@x/runner/queues";
 * import assert from "node:assert/strict";
 *
 * const q = new LifoQueue<number>();
 * q.putNowait(1);
 * q.putNowait(2);
 * assert.equal(q.getNowait(), 2);
 * assert.equal(q.getNowait(), 1);
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /** @internal */
  override _get(): T {
    const items = this._items;
    const tail = --this._tail;
    const item = items[tail];
    items[tail] = undefined as T;
    if (tail === 0 && items.length > 1024) items.length = 0;
    return item;
  }

  /** @internal */
  override _kind(): string {
    return "LifoQueue";
  }
}
