// A sleep of more than 0 ms (`sleep()` in task.ts makes it): the
// coroutine, the timer heap entry and what the task parks on are one
// object, so a sleeping task costs no Future, Handle, context copy or
// generator. The task that handles the yield parks on it (see
// _parking_lot.ts); the loop runs it from the heap like a timer handle, and
// it then queues the task, as a future's wake-up would.

import type { Context } from "./_context.ts";
import { contextState } from "./_context_state.ts";
import { getRunningLoop, type RunEntry, type TaskCore } from "./_events.ts";
import { FINISHED, FLAG_PARKED, PENDING } from "./_future_bits.ts";
import { Handle } from "./_handle.ts";
import { Parking } from "./_parking_lot.ts";
import { DONE_UNDEFINED } from "./_yield.ts";
import type { EventLoop } from "./loop.ts";

export const SLEEP_NEW = 0;
const SLEEP_ARMED = 1;
const SLEEP_FIRED = 2;
const SLEEP_CLOSED = 3;

export class SleepTimer<T> extends Parking {
  _value: T;
  /** The delay until armed, then the deadline in loop time. */
  _when: number;
  _seq: number;
  _scheduled: boolean;
  _cancelled: boolean;
  _phase: number;
  _task: TaskCore | null;
  _loop: EventLoop | null;
  declare readonly _runEntry: RunEntry;

  constructor(ms: number, value: T) {
    super();
    this._value = value;
    this._when = ms;
    this._seq = 0;
    this._scheduled = false;
    this._cancelled = false;
    this._phase = SLEEP_NEW;
    this._task = null;
    this._loop = null;
  }

  get _state(): number {
    return this._phase === SLEEP_ARMED ? PENDING : FINISHED;
  }

  next(): IteratorResult<unknown, T> {
    const phase = this._phase;
    if (phase === SLEEP_NEW) {
      const loop = getRunningLoop();
      this._loop = loop;
      this._when += loop.time();
      this._phase = SLEEP_ARMED;
      loop._pushTimer(this);
      return { value: this, done: false };
    }
    if (phase === SLEEP_ARMED) return { value: this, done: false }; // re-yield
    this._phase = SLEEP_CLOSED;
    const value = this._value;
    return value === undefined
      ? DONE_UNDEFINED as IteratorResult<unknown, T>
      : { value, done: true };
  }

  throw(e: unknown): never {
    this._close();
    throw e;
  }

  return(value: T): IteratorResult<unknown, T> {
    this._close();
    return { value, done: true };
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** Cancels the timer (the coroutine is left early). */
  _close(): void {
    if (this._phase === SLEEP_ARMED && !this._cancelled) {
      this._cancelled = true;
      (this._loop as EventLoop)._timerHandleCancelled(this);
    }
    this._phase = SLEEP_CLOSED;
  }

  _park(task: TaskCore): void {
    if (this._phase !== SLEEP_ARMED) {
      task._loop._pushReady(task); // it fired before the task parked
      return;
    }
    this._task = task;
    task._flags |= FLAG_PARKED;
    task._futWaiter = this;
  }

  _removeWaiter(task: TaskCore): boolean {
    if (this._task !== task) return false;
    this._task = null;
    task._flags &= ~FLAG_PARKED;
    task._futWaiter = null;
    return true;
  }

  _stepOf(): TaskCore | null {
    return null;
  }

  _toHandle(): Handle {
    return new Handle(
      fireSleep,
      this,
      contextState.internal as Context,
      this._loop as EventLoop,
      null,
    );
  }

  override toString(): string {
    return `<sleep when=${this._when}>`;
  }
}

/** The timer of a sleep is due: wake its task. */
function fireSleep(t: SleepTimer<unknown>): void {
  if (t._cancelled || t._phase !== SLEEP_ARMED) return;
  t._phase = SLEEP_FIRED;
  const task = t._task;
  if (task !== null) {
    t._task = null;
    task._flags &= ~FLAG_PARKED;
    task._futWaiter = null;
    task._loop._pushReady(task);
  }
}
(SleepTimer.prototype as { _runEntry: RunEntry })._runEntry = fireSleep;
