// One FIFO wait queue for tasks (Trio's parking lot): a waiting task parks
// its own step here instead of waiting on a Future, so a wait allocates
// nothing. A coroutine parks by yielding the lot (`yield lot`, never seen by
// user code); the task's step then calls `_park`, which re-checks the lot's
// condition, so a wake-up that came between the check and the yield (an
// eager driver, say) is never lost. Woken, cancelled or handed to another
// driver, the task is out of the lot before its coroutine resumes.

import { FLAG_PARKED, FLAG_WOKEN } from "./_future_bits.ts";
import type { Suspend } from "./_coro.ts";
import type { TaskCore } from "./_events.ts";

/**
 * What a coroutine yields to park its task on `lot` (`yield park(lot)`):
 * the one place a lot is cast to the yield brand.
 */
export function park(lot: Parking): Suspend {
  return lot as unknown as Suspend;
}

/**
 * What a parked task waits on (its `_futWaiter`): a lot, or the timer
 * entry of a `sleep()`. A task's step parks the task on what its coroutine
 * yielded; a cancel takes it out and throws at the yield.
 */
export abstract class Parking {
  /** @internal Read like a future's: 0 (pending) while a task may wait. */
  abstract get _state(): number;
  /** @internal Parks `task`, or queues it at once when it need not wait. */
  abstract _park(task: TaskCore): void;
  /** @internal Takes `task` out without waking it; whether it was here. */
  abstract _removeWaiter(task: TaskCore): boolean;
}

/** A FIFO of parked tasks with O(1) park and wake. */
export class ParkingLot extends Parking {
  /** @internal The first parked task (the common lone waiter: no array). */
  _first: TaskCore | null = null;
  /** @internal The tasks parked after `_first`, from `_head` on. */
  _tasks: (TaskCore | undefined)[] = [];
  /** @internal */
  _head = 0;
  /** @internal Whether a task that parks now must still wait. */
  _blocked: () => boolean;
  /** @internal What an iterator parking here returns from `next()`. */
  _parkResult: IteratorResult<Suspend, never>;
  /**
   * @internal Tasks this lot woke whose coroutine has not resumed yet:
   * asyncio keeps such a waiter's done future in its list until then, and
   * the locks count it (they call `_resumed` once per resume; the queues
   * do not read it).
   */
  _woken = 0;

  /**
   * Makes an empty lot.
   *
   * @param blocked Whether a task parking now must wait (else it is queued
   * to run again at once, and re-checks).
   */
  constructor(blocked: () => boolean) {
    super();
    this._blocked = blocked;
    this._parkResult = { value: park(this), done: false };
  }

  /** How many tasks are parked. */
  get length(): number {
    return (this._first === null ? 0 : 1) + this._tasks.length - this._head;
  }

  /** @internal Read like a pending future's (`taskIsBlocked`). */
  get _state(): number {
    return 0;
  }

  /**
   * @internal The task's step saw its coroutine yield this lot: park it,
   * or queue it again when the condition no longer holds.
   */
  _park(task: TaskCore): void {
    task._flags &= ~FLAG_WOKEN;
    if (!this._blocked()) {
      task._loop._pushReady(task);
      return;
    }
    task._flags |= FLAG_PARKED;
    task._futWaiter = this;
    this._insert(task);
  }

  /**
   * @internal Where a parking task goes: the end (FIFO). A priority lock's
   * lot overrides it (experimental, _priority.ts).
   */
  _insert(task: TaskCore): void {
    if (this._first === null) this._first = task;
    else this._tasks.push(task);
  }

  /** @internal The parked tasks in wake order (a new array). */
  _parked(): TaskCore[] {
    if (this._first === null) return [];
    return [this._first, ...this._tasks.slice(this._head) as TaskCore[]];
  }

  /** @internal Replaces the parked tasks with `tasks`, in wake order. */
  _setParked(tasks: TaskCore[]): void {
    this._first = tasks.length > 0 ? tasks[0] : null;
    this._tasks = tasks.slice(1);
    this._head = 0;
  }

  /** Wakes the first parked task; returns whether there was one. */
  unparkOne(): boolean {
    const task = this._first;
    if (task === null) return false;
    const tasks = this._tasks;
    if (this._head < tasks.length) {
      this._first = tasks[this._head] as TaskCore;
      tasks[this._head] = undefined;
      this._head++;
      if (this._head === tasks.length) {
        tasks.length = 0;
        this._head = 0;
      } else if (this._head * 2 >= tasks.length && this._head >= 16) {
        tasks.splice(0, this._head);
        this._head = 0;
      }
    } else {
      this._first = null;
    }
    task._flags = (task._flags & ~FLAG_PARKED) | FLAG_WOKEN;
    task._futWaiter = null;
    this._woken++;
    task._loop._pushReady(task);
    return true;
  }

  /**
   * Wakes up to `n` parked tasks, in order.
   *
   * @returns How many were woken.
   */
  unparkN(n: number): number {
    let k = 0;
    while (k < n && this.unparkOne()) k++;
    return k;
  }

  /** Wakes every parked task, in order. */
  unparkAll(): void {
    while (this.unparkOne());
  }

  /**
   * @internal Takes a parked task out without waking it (a cancel, or a
   * Monitor handing its driver a value); returns whether it was here.
   */
  _removeWaiter(task: TaskCore): boolean {
    const tasks = this._tasks;
    if (this._first === task) {
      // The next in line moves up.
      this._first = this._head < tasks.length
        ? tasks[this._head++] as TaskCore
        : null;
      if (this._head === tasks.length) {
        tasks.length = 0;
        this._head = 0;
      }
    } else {
      const i = tasks.indexOf(task, this._head);
      if (i < 0) return false;
      tasks.splice(i, 1);
    }
    task._flags &= ~FLAG_PARKED;
    task._futWaiter = null;
    return true;
  }

  /** @internal Whether the lot woke `task` since it last parked. */
  static _woke(task: TaskCore | null): boolean {
    return task !== null && (task._flags & FLAG_WOKEN) !== 0;
  }

  /**
   * @internal Called once by a primitive when the coroutine of `task` (the
   * current task) resumes after `yield park(this)`: whether this lot woke it
   * (it was handed the wake-up), which is then taken (`_woken` drops).
   */
  _resumed(task: TaskCore | null): boolean {
    if (task === null || (task._flags & FLAG_WOKEN) === 0) return false;
    task._flags &= ~FLAG_WOKEN;
    this._woken--;
    return true;
  }

  /**
   * A description for task reprs.
   *
   * @returns `<ParkingLot parked=N>`.
   */
  override toString(): string {
    return `<ParkingLot parked=${this.length}>`;
  }
}
