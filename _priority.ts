// Priority scheduling, after asynkit's experimental/priority.py: tasks with
// a priority, locks and conditions that serve waiters by priority (with
// priority inheritance), and a loop whose ready queue runs the most urgent
// entry first. Re-exported by experimental.ts.
//
// The loop's seam is its ready queue object (`loop._ready`): this module
// swaps in a PriorityReadyQueue, which keeps ReadyQueue's interface (push,
// shift, at, set, insert, popAt, rotate, clear) and so needs no change in
// loop.ts.

import type { Coroutine } from "./_coro.ts";
import { badType, checkOptions } from "./_validate.ts";
import type { ReadyItem, TaskCore } from "./_events.ts";
import { ParkingLot } from "./_parking_lot.ts";
import { ReadyQueue } from "./_ready_queue.ts";
import type { Context } from "./_context.ts";
import { Condition, Lock, type LockGuard } from "./locks.ts";
import { EventLoop, type EventLoopOptions } from "./loop.ts";
import { taskIsRunnable } from "./scheduling.ts";
import { Task } from "./task.ts";
import { runningTask } from "./_context_state.ts";

/**
 * Standard priority values (asynkit's `Priority`): lower runs first.
 *
 * @example
 * ```ts
 * import { Priority } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * assert.ok(Priority.HIGH < Priority.NORMAL && Priority.NORMAL < Priority.LOW);
 * ```
 */
export const Priority: {
  readonly LOW: 10;
  readonly NORMAL: 0;
  readonly HIGH: -10;
} = Object.freeze({ LOW: 10, NORMAL: 0, HIGH: -10 });

/** Something that takes part in priority inheritance (asynkit's `BasePriorityObject`). */
export interface PriorityObject {
  /** The object's effective priority, or `undefined` for none. */
  effectivePriority(): number | undefined;
  /** A waiter's priority may have changed: pass it on, reschedule. */
  propagatePriority(from: unknown): void;
}

/** The priority a task runs with: a PriorityTask's effective one, else 0. */
function priorityOf(task: Task<unknown> | null): number {
  return task instanceof PriorityTask ? task.effectivePriority() : 0;
}

// ---- the queue ---------------------------------------------------------------

interface Entry<T> {
  item: T;
  /** 0: placed by position, ahead of every priority; 1: by priority. */
  cls: number;
  base: number;
  boost: number;
  seq: number;
  insertedAt: number;
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  if (a.cls !== b.cls) return a.cls < b.cls;
  const pa = a.base + a.boost;
  const pb = b.base + b.boost;
  if (pa !== pb) return pa < pb;
  return a.seq < b.seq;
}

/**
 * asynkit's `PosPriorityQueue`: objects ordered by priority (lower first),
 * FIFO among equals, with positional inserts that go ahead of every
 * priority, and a boost for objects that waited long (so that a stream of
 * urgent work cannot starve the rest). A sorted array: the loop needs
 * cheap access by position as well as push and shift.
 */
export class PosPriorityQueue<T> {
  _entries: Entry<T>[] = [];
  _head = 0;
  _seq = 0;
  _getPriority: (item: T) => number;
  lastMaintenance = 0;
  nInserted = 0;
  nRemoved = 0;
  priorityBoostFactor = 1.2;

  constructor(getPriority: (item: T) => number) {
    this._getPriority = getPriority;
  }

  get length(): number {
    return this._entries.length - this._head;
  }

  /** The objects in the order they will be popped. */
  *[Symbol.iterator](): Generator<T, void, undefined> {
    const es = this._entries;
    for (let i = this._head; i < es.length; i++) yield es[i].item;
  }

  at(i: number): T {
    return this._entries[this._head + i].item;
  }

  set(i: number, item: T): void {
    this._entries[this._head + i].item = item;
  }

  clear(): void {
    this._entries = [];
    this._head = 0;
    this._seq = 0;
  }

  /** Adds `item` at its priority. */
  append(item: T): void {
    this.appendPri(item, this._getPriority(item));
  }

  /** Adds `item` at `priority`. */
  appendPri(item: T, priority: number): void {
    this._add({
      item,
      cls: 1,
      base: priority,
      boost: 0,
      seq: this._seq++,
      insertedAt: this.nInserted,
    });
    this._counted(true);
  }

  /** Puts `item` at `position` (0: next), ahead of every priority. */
  insert(position: number, item: T): void {
    const promoted: T[] = [];
    while (promoted.length < position && this.length > 0) {
      promoted.push(this._take(0).item);
    }
    promoted.push(item);
    this._promote(promoted);
    this._counted(true);
  }

  popleft(): T {
    if (this.length === 0) throw new RangeError("pop from an empty queue");
    const e = this._entries[this._head];
    this._entries[this._head++] = undefined as unknown as Entry<T>;
    if (this._head > 64 && this._head * 2 > this._entries.length) {
      this._entries = this._entries.slice(this._head);
      this._head = 0;
    }
    this._counted(false);
    return e.item;
  }

  /** Removes the object at position `i`. */
  removeAt(i: number): T {
    const item = this._take(i).item;
    this._counted(false);
    return item;
  }

  /** The first object `key` accepts (and takes it out with `remove`). */
  find(key: (item: T) => boolean, remove = false): T | undefined {
    const es = this._entries;
    for (let i = this._head; i < es.length; i++) {
      if (key(es[i].item)) {
        return remove ? this.removeAt(i - this._head) : es[i].item;
      }
    }
    return undefined;
  }

  /** Moves the object `key` accepts to priority `priority`. */
  reschedule(key: (item: T) => boolean, priority: number): T | undefined {
    const es = this._entries;
    for (let i = this._head; i < es.length; i++) {
      if (key(es[i].item)) {
        const e = this._take(i - this._head);
        e.cls = 1;
        e.base = priority;
        e.boost = 0;
        e.seq = this._seq++;
        e.insertedAt = this.nInserted;
        this._add(e);
        return e.item;
      }
    }
    return undefined;
  }

  /** Recomputes every priority (positional entries keep their place). */
  rescheduleAll(): void {
    const es = this._entries.slice(this._head);
    for (const e of es) if (e.cls !== 0) e.base = this._getPriority(e.item);
    this._entries = es;
    this._head = 0;
    this._resort();
  }

  /** Sorts again after priorities changed in place. */
  _resort(): void {
    const es = this._head === 0
      ? this._entries
      : this._entries.slice(this._head);
    this._entries = es.sort((a, b) => (before(a, b) ? -1 : 1));
    this._head = 0;
  }

  /**
   * Makes the queue hold exactly `items`, in this order: the longest tail
   * of `items` that is the queue's own tail keeps its priorities, the rest
   * goes ahead of every priority (what a positional insert, pop or rotate
   * of the loop's list view means here).
   */
  setOrder(items: T[]): void {
    const es = this._entries;
    let i = es.length - 1;
    let j = items.length - 1;
    while (i >= this._head && j >= 0 && es[i].item === items[j]) {
      i--;
      j--;
    }
    const kept = es.slice(i + 1);
    this._entries = kept;
    this._head = 0;
    this._promote(items.slice(0, j + 1));
  }

  /** Boosts objects that waited longer than the queue is long. */
  doMaintenance(): void {
    if (!this.priorityBoostFactor || this.length === 0) return;
    const es = this._entries;
    const first = es[this._head];
    let minPri = first.base + first.boost;
    let maxPri = minPri;
    const limit = this.nInserted - this.length;
    const stragglers: Entry<T>[] = [];
    for (let i = this._head; i < es.length; i++) {
      const e = es[i];
      if (e.cls === 0) continue;
      const p = e.base + e.boost;
      if (p < minPri) minPri = p;
      if (p > maxPri) maxPri = p;
      if (e.insertedAt < limit) stragglers.push(e);
    }
    let boosted = 0;
    for (const e of stragglers) {
      if (e.base > minPri) {
        // A random boost into a range a bit beyond the most urgent entry.
        const pb = Math.random() * (minPri - e.base) * this.priorityBoostFactor;
        if (pb) {
          e.boost = pb;
          boosted++;
        }
      }
    }
    if (boosted > 0) this._resort();
  }

  _counted(inserted: boolean): void {
    if (inserted) {
      this.nInserted++;
      // Throughput since the last maintenance, compared with the queue's
      // length, keeps maintenance amortized O(1) per entry.
      const throughput = Math.min(this.nInserted, this.nRemoved);
      const limit = Math.max(10, this.length) + this.lastMaintenance;
      if (throughput > limit) {
        this.doMaintenance();
        this.lastMaintenance = throughput;
      }
    } else if (this.length > 0) {
      this.nRemoved++;
    } else {
      this.nInserted = this.nRemoved = this.lastMaintenance = 0;
    }
  }

  _add(e: Entry<T>): void {
    const es = this._entries;
    let lo = this._head;
    let hi = es.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(e, es[mid])) hi = mid;
      else lo = mid + 1;
    }
    if (lo === es.length) es.push(e);
    else es.splice(lo, 0, e);
  }

  _take(i: number): Entry<T> {
    return this._entries.splice(this._head + i, 1)[0];
  }

  /** Puts `items` first, in order, ahead of the positional entries there. */
  _promote(items: T[]): void {
    if (items.length === 0) return;
    const es = this._entries;
    const head = es[this._head];
    const base = head !== undefined && head.cls === 0 ? head.base - 1 : 0;
    const add: Entry<T>[] = items.map((item) => ({
      item,
      cls: 0,
      base,
      boost: 0,
      seq: this._seq++,
      insertedAt: this.nInserted,
    }));
    this._entries = add.concat(es.slice(this._head));
    this._head = 0;
  }
}

/** The loop's ready queue, ordered by the effective priority of its tasks. */
class PriorityReadyQueue extends ReadyQueue {
  _pq: PosPriorityQueue<ReadyItem> = new PosPriorityQueue((item) =>
    priorityOf(item._stepOf() as Task<unknown> | null)
  );

  override get length(): number {
    return this._pq.length;
  }
  override push(h: ReadyItem): void {
    this._pq.append(h);
  }
  override shift(): ReadyItem {
    return this._pq.popleft();
  }
  override at(i: number): ReadyItem {
    return this._pq.at(i);
  }
  override set(i: number, h: ReadyItem): void {
    this._pq.set(i, h);
  }
  override clear(): void {
    this._pq.clear();
  }
  // Positional operations keep list order by placing the moved entries
  // ahead of every priority (asynkit's rule; see PosPriorityQueue.setOrder).
  override insert(i: number, h: ReadyItem): void {
    if (i >= this.length) {
      this.push(h); // at the end: by priority, as a push
      return;
    }
    const items = [...this._pq];
    items.splice(i, 0, h);
    this._pq.setOrder(items);
  }
  override popAt(i: number): ReadyItem {
    if (i === 0) return this.shift();
    const items = [...this._pq];
    const [h] = items.splice(i, 1);
    this._pq.setOrder(items);
    return h;
  }
  override rotate(k: number): void {
    const items = [...this._pq];
    const n = items.length;
    this._pq.setOrder(items.slice(n - k).concat(items.slice(0, n - k)));
  }
}

// ---- the loop ------------------------------------------------------------------

/**
 * An event loop whose ready queue runs the entry of the most urgent task
 * first (asynkit's `PriorityEventLoop`): by effective priority (lower
 * first), FIFO among equals, entries that are not task steps at priority 0,
 * and with asynkit's boost for entries that waited long. Every scheduling
 * function works on it; positional operations (`readyInsert` before the end,
 * `readyPop`, `readyRotate`, `callInsert`, `sleepInsert`, `taskReinsert`,
 * `taskSwitch`) keep list order by putting the moved entries ahead of every
 * priority, as asynkit does.
 *
 * @example
 * ```ts
 * import { Runner } from "@x/runner";
 * import { Priority, PriorityEventLoop, PriorityTask } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const log: string[] = [];
 * const job = (name: string) => (function* () { log.push(name); })();
 * await using runner = new Runner({ loopFactory: () => new PriorityEventLoop() });
 * await runner.run((function* () {
 *   const ts = [
 *     new PriorityTask(job("low"), { priority: Priority.LOW }),
 *     new PriorityTask(job("normal")),
 *     new PriorityTask(job("high"), { priority: Priority.HIGH }),
 *   ];
 *   for (const t of ts) yield* t;
 * })());
 * assert.deepEqual(log, ["high", "normal", "low"]);
 * ```
 */
export class PriorityEventLoop extends EventLoop {
  /**
   * Makes the loop.
   *
   * @param options As for `EventLoop`.
   */
  constructor(options?: EventLoopOptions) {
    super(options);
    this._ready = new PriorityReadyQueue();
  }

  /**
   * Places `task`'s queued step again by its current effective priority
   * (asynkit's `task_reschedule`); a task not in the queue is left alone.
   *
   * @param task The task.
   *
   * @example
   * ```ts
   * import { PriorityEventLoop, PriorityTask } from "@x/runner/experimental";
   * import assert from "node:assert/strict";
   *
   * const loop = new PriorityEventLoop();
   * const log: number[] = [];
   * const a = new PriorityTask((function* () { log.push(1); })(), { loop });
   * const b = new PriorityTask((function* () { log.push(2); })(), { loop });
   * b.priorityValue = -1;
   * loop.taskReschedule(b);
   * await loop.runUntilComplete(b);
   * await loop.runUntilComplete(a);
   * assert.deepEqual(log, [2, 1]);
   * loop.close();
   * ```
   */
  taskReschedule(task: Task<unknown>): void {
    if (!(task instanceof Task)) {
      throw badType("PriorityEventLoop.taskReschedule", "task", "a Task", task);
    }
    (this._ready as PriorityReadyQueue)._pq.reschedule(
      (item) => item._stepOf() === task,
      priorityOf(task),
    );
  }
}

// ---- tasks ---------------------------------------------------------------------

/** Options of {@linkcode PriorityTask}. */
export interface PriorityTaskOptions {
  /** The task's own priority (lower runs first); 0 by default. */
  priority?: number;
  /** The task's name. */
  name?: string;
  /** The context it runs in; a copy of the current one by default. */
  context?: Context;
  /** The loop; the running loop by default. */
  loop?: EventLoop;
}

/**
 * A task with a priority (asynkit's `PriorityTask`). Its effective priority
 * is the most urgent of its own and of the tasks waiting on the
 * {@linkcode PriorityLock}s it holds (priority inheritance). On a
 * {@linkcode PriorityEventLoop} its steps are ordered by it.
 *
 * @typeParam T The coroutine's result type.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { Priority, PriorityTask } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * await run((function* () {
 *   const t = new PriorityTask((function* () { return 1; })(), { priority: Priority.HIGH });
 *   assert.equal(t.effectivePriority(), -10);
 *   assert.equal(yield* t, 1);
 * })());
 * ```
 */
export class PriorityTask<T> extends Task<T> implements PriorityObject {
  /** The task's own priority; after changing it, call `propagatePriority`. */
  priorityValue: number;
  /** @internal The PriorityLocks this task holds. */
  _holding: Set<PriorityLock> = new Set();
  /** @internal What it waits for, while it waits on a PriorityLock. */
  _waitingOn: PriorityObject | null = null;

  /**
   * Makes the task and schedules its first step.
   *
   * @param coro The coroutine.
   * @param options `priority`, `name`, `context`, `loop`.
   */
  constructor(coro: Coroutine<T>, options?: PriorityTaskOptions) {
    checkOptions("PriorityTask", options);
    const priority = options?.priority ?? 0;
    if (typeof priority !== "number" || priority !== priority) {
      throw badType("PriorityTask", "options.priority", "a number", priority);
    }
    super(coro, {
      name: options?.name,
      context: options?.context,
      loop: options?.loop,
    });
    this.priorityValue = priority;
    // The step the constructor queued was placed before the priority was
    // known: place it again.
    const loop = this._loop;
    if (priority !== 0 && loop instanceof PriorityEventLoop) {
      loop.taskReschedule(this as Task<unknown>);
    }
  }

  /**
   * The task's own priority.
   *
   * @returns `priorityValue`.
   */
  priority(): number {
    return this.priorityValue;
  }

  /**
   * The most urgent of its own priority and of the locks it holds.
   *
   * @returns The effective priority.
   */
  effectivePriority(): number {
    // Asked by the ready queue while the Task constructor queues the first
    // step, before this class's fields exist: the step is placed again.
    if (this._holding === undefined) return 0;
    let p = this.priorityValue;
    for (const lock of this._holding) {
      const q = lock.effectivePriority();
      if (q !== undefined && q < p) p = q;
    }
    return p;
  }

  /**
   * Someone started waiting on this task's lock, or its priority changed:
   * a runnable task is placed again in the ready queue, a task waiting on a
   * lock passes it on to that lock (asynkit's `propagate_priority`).
   *
   * @param _from Where the change comes from (unused).
   */
  propagatePriority(_from: unknown): void {
    if (taskIsRunnable(this as Task<unknown>)) {
      const loop = this._loop;
      if (loop instanceof PriorityEventLoop) {
        loop.taskReschedule(this as Task<unknown>);
      }
    } else if (this._waitingOn !== null) {
      this._waitingOn.propagatePriority(this);
    }
  }
}

// ---- locks ---------------------------------------------------------------------

/**
 * A parking lot ordered by the waiting tasks' priority (lower first), FIFO
 * among equals; `parked` hears of every task that parks.
 */
class PriorityLot extends ParkingLot {
  /** The priority each parked task was placed by. */
  _pris: Map<TaskCore, number> = new Map();
  _parkedHook: (task: TaskCore) => void;
  constructor(blocked: () => boolean, parked: (task: TaskCore) => void) {
    super(blocked);
    this._parkedHook = parked;
  }
  /** Places `task` after the parked tasks as urgent as it. */
  _place(task: TaskCore): void {
    const tasks = this._parked();
    const pri = priorityOf(task as Task<unknown>);
    let i = tasks.length;
    while (i > 0 && (this._pris.get(tasks[i - 1]) ?? 0) > pri) i--;
    tasks.splice(i, 0, task);
    this._pris.set(task, pri);
    this._setParked(tasks);
  }
  override _insert(task: TaskCore): void {
    this._place(task);
    this._parkedHook(task);
  }
  override unparkOne(): boolean {
    const first = this._first;
    if (!super.unparkOne()) return false;
    this._pris.delete(first!);
    return true;
  }
  override _removeWaiter(task: TaskCore): boolean {
    if (!super._removeWaiter(task)) return false;
    this._pris.delete(task);
    return true;
  }
  /** A parked task's priority changed: move it to its new place. */
  _reposition(task: TaskCore): void {
    const tasks = this._parked();
    const i = tasks.indexOf(task);
    if (i < 0) return;
    tasks.splice(i, 1);
    this._setParked(tasks);
    this._place(task);
  }
}

/**
 * A lock that serves its waiters by effective priority, FIFO among equals
 * (asynkit's `PriorityLock`), and lends the most urgent waiter's priority
 * to the task holding it. `acquire()` gives a `LockGuard`, as `Lock`'s.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { PriorityLock, PriorityTask } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const lock = new PriorityLock();
 * const order: number[] = [];
 * await run((function* () {
 *   const ts = [];
 *   {
 *     using _ = yield* lock.acquire();
 *     for (const p of [3, 1, 2]) {
 *       ts.push(new PriorityTask((function* () {
 *         using _g = yield* lock.acquire();
 *         order.push(p);
 *       })(), { priority: p }));
 *     }
 *     yield* new PriorityTask((function* () {})()); // let them queue up
 *     assert.equal(lock.effectivePriority(), 1);
 *   }
 *   for (const t of ts) yield* t;
 * })());
 * assert.deepEqual(order, [1, 2, 3]);
 * ```
 */
export class PriorityLock extends Lock implements PriorityObject {
  /** @internal The task holding the lock. */
  _owner: Task<unknown> | null = null;

  /** Makes an unlocked lock. */
  constructor() {
    super();
    this._lot = new PriorityLot(() => this._mustWait(), (task) => {
      if (task instanceof PriorityTask) task._waitingOn = this;
      const owner = this._owner;
      if (owner instanceof PriorityTask) owner.propagatePriority(this);
    });
  }

  /**
   * Acquires the lock, waiting by priority.
   *
   * @returns A guard that releases it.
   */
  override *acquire(): Coroutine<LockGuard> {
    const task = runningTask() as Task<unknown> | null;
    let guard: LockGuard;
    try {
      guard = yield* super.acquire();
    } finally {
      // Out of the lot (woken, cancelled or interrupted).
      if (task instanceof PriorityTask && task._waitingOn === this) {
        task._waitingOn = null;
      }
    }
    this._owner = task;
    if (task instanceof PriorityTask) task._holding.add(this);
    return guard;
  }

  /** Releases the lock and wakes the most urgent waiter. */
  override release(): void {
    if (this._locked) {
      const owner = this._owner;
      if (owner instanceof PriorityTask) owner._holding.delete(this);
      this._owner = null;
    }
    super.release();
  }

  /**
   * The most urgent effective priority of the waiting tasks (0 for plain
   * tasks).
   *
   * @returns It, or `undefined` when nobody waits.
   */
  effectivePriority(): number | undefined {
    let p: number | undefined = undefined;
    for (const t of this._lot._parked()) {
      const q = priorityOf(t as Task<unknown>);
      if (p === undefined || q < p) p = q;
    }
    return p;
  }

  /**
   * A waiting task's priority changed: the owner hears of it, and the
   * waiter moves to its new place in the queue.
   *
   * @param from The waiting task.
   */
  propagatePriority(from: unknown): void {
    const owner = this._owner;
    if (owner instanceof PriorityTask) owner.propagatePriority(this);
    if (from instanceof Task) (this._lot as PriorityLot)._reposition(from);
  }
}

/**
 * A condition variable that notifies its waiters by priority (asynkit's
 * `PriorityCondition`). Its lock is a new {@linkcode PriorityLock} unless
 * one is given; a plain `Lock` works too.
 *
 * @example
 * ```ts
 * import { run } from "@x/runner";
 * import { PriorityCondition, PriorityTask } from "@x/runner/experimental";
 * import assert from "node:assert/strict";
 *
 * const cond = new PriorityCondition();
 * const order: number[] = [];
 * let go = false;
 * await run((function* () {
 *   const ts = [2, 3, 1].map((p) => new PriorityTask((function* () {
 *     using _ = yield* cond.acquire();
 *     yield* cond.waitFor(() => go);
 *     order.push(p);
 *     cond.notify(1);
 *   })(), { priority: p }));
 *   yield* new PriorityTask((function* () {})(), { priority: 100 });
 *   {
 *     using _ = yield* cond.acquire();
 *     go = true;
 *     cond.notify(1);
 *   }
 *   for (const t of ts) yield* t;
 * })());
 * assert.deepEqual(order, [1, 2, 3]);
 * ```
 */
export class PriorityCondition extends Condition {
  /**
   * Makes the condition.
   *
   * @param lock The lock; a new PriorityLock by default.
   */
  constructor(lock?: Lock) {
    super(lock ?? new PriorityLock());
    const lot = this._lot;
    this._lot = new PriorityLot(() => lot._blocked(), () => {});
  }
}
