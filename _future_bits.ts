// The packed booleans and the rarely set fields of Future and Task. Programs
// make futures and tasks in bulk, so every field they carry counts: a field
// that is almost never set lives in a FutureExtra made on first write, and
// the booleans share one small integer. Also the two operations on these
// fields that future.ts shares with task.ts and _awaitables.ts but does not
// export: the CancelledError of a cancelled future, and running a done
// future's lone internal callback.

import { contextState } from "./_context_state.ts";
import { CancelledError } from "./_errors.ts";
import type { LoopCore, NeverRetrieved } from "./_events.ts";
import { reportCallbackError } from "./_handle.ts";
import type { Context } from "./_context.ts";

/**
 * A future's states (asyncio's `_PENDING`, `_CANCELLED`, `_FINISHED`), kept
 * in `_flags & STATE_MASK`.
 */
export const PENDING = 0;
/** See {@linkcode PENDING}. */
export const CANCELLED = 1;
/** See {@linkcode PENDING}. */
export const FINISHED = 2;

/**
 * The low two bits of `_flags` hold the state: a field fewer in every future
 * and task (8 bytes each, and bytes are what a burst of tasks pays for, in
 * collection and in fresh pages).
 */
export const STATE_MASK = 3;

/** Finished with an exception (kept in `_result`). */
export const FLAG_FAILED = 4;
/** A "never retrieved" report is registered. */
export const FLAG_LOG_TRACEBACK = 8;
/** Set by the await protocol, as asyncio's `_asyncio_future_blocking`. */
export const FLAG_BLOCKING = 16;
/** Task: throw a CancelledError in at the next step. */
export const FLAG_MUST_CANCEL = 32;
/** Task: the last step ended with a bare yield (resume with WAKE). */
export const FLAG_BARE = 64;
/** Task: the coroutine has been stepped (here or by another driver). */
export const FLAG_STARTED = 128;
/** Task: parked in a ParkingLot (its `_futWaiter` is the lot). */
export const FLAG_PARKED = 256;
/** Task: the lot it last parked in woke it (it was handed the wake). */
export const FLAG_WOKEN = 512;
/** Task: it is in `coroTasks` (_drive.ts), to be dropped when it is done. */
export const FLAG_CORO_TASK = 1024;

/** What a task's `_pendingExc` holds when there is nothing to throw in. */
export const NO_EXC: unique symbol = Symbol("no exception");

/** A future's native promise and its settle functions. */
export interface PromiseBox<T> {
  promise: Promise<T>;
  // Typed loosely so that Future<T> stays assignable to Future<unknown>.
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** The fields of a future or task that are rarely set. */
export class FutureExtra<T> {
  /** The message of `cancel(msg)`. */
  cancelMessage: string | undefined = undefined;
  /** The CancelledError that cancelled a task, returned once. */
  cancelledExc: CancelledError | null = null;
  /** The native promise behind `then`. */
  promise: PromiseBox<T> | null = null;
  /** Task: how many cancellations are pending (`cancelling()`). */
  numCancelsRequested = 0;
  /** Task: an error to throw into the coroutine at the next step. */
  pendingExc: unknown = NO_EXC;
  /** The "never retrieved" report registered while `FLAG_LOG_TRACEBACK`. */
  neverRetrieved: NeverRetrieved | null = null;
}

/** What {@linkcode cancelledErrorOf} reads of a future. */
export interface CancelFields {
  _cancelledExc: CancelledError | null;
  readonly _cancelMessage: string | undefined;
}

/**
 * The CancelledError to throw for a cancelled future (or to throw into a
 * task being cancelled). A plain function: an error made inside a method
 * keeps the method's receiver alive in its captured frames (see
 * ReadyItem._runEntry), and a task step must not make one that keeps its
 * task.
 */
export function cancelledErrorOf(f: CancelFields): CancelledError {
  const saved = f._cancelledExc;
  if (saved !== null) {
    f._cancelledExc = null;
    return saved;
  }
  return new CancelledError(f._cancelMessage);
}

/** What {@linkcode runLoneCallback} reads of a done future. */
export interface LoneCallbackFields {
  _callbacks: unknown;
  readonly _loop: LoopCore;
}

/**
 * Runs the lone done callback a future queued itself for (`_scheduleLone`):
 * the ready entry of a done future.
 */
export function runLoneCallback(f: LoneCallbackFields): void {
  const cb = f._callbacks;
  if (typeof cb !== "function") return;
  f._callbacks = null;
  // An internal callback reads no context variables: no context to enter.
  try {
    cb(f);
  } catch (e) {
    reportCallbackError(
      e,
      cb as (arg: unknown) => void,
      f,
      contextState.internal as Context,
      f._loop,
      null,
      null,
    );
  }
}
