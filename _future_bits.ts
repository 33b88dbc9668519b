// The packed booleans and the rarely set fields of Future and Task. Programs
// make futures and tasks in bulk, so every field they carry counts: a field
// that is almost never set lives in a FutureExtra made on first write, and
// the booleans share one small integer.

import type { CancelledError } from "./_errors.ts";
import type { NeverRetrieved } from "./future.ts";

/** Finished with an exception (kept in `_result`). */
export const FLAG_FAILED = 1;
/** A "never retrieved" report is registered. */
export const FLAG_LOG_TRACEBACK = 2;
/** Set by the await protocol, as asyncio's `_asyncio_future_blocking`. */
export const FLAG_BLOCKING = 4;
/** Task: throw a CancelledError in at the next step. */
export const FLAG_MUST_CANCEL = 8;
/** Task: the last step ended with a bare yield (resume with WAKE). */
export const FLAG_BARE = 16;
/** Task: the coroutine has been stepped (here or by another driver). */
export const FLAG_STARTED = 32;
/** Task: parked in a ParkingLot (its `_futWaiter` is the lot). */
export const FLAG_PARKED = 64;
/** Task: the lot it last parked in woke it (it was handed the wake). */
export const FLAG_WOKEN = 128;
/** Task: it is in `coroTasks` (_drive.ts), to be dropped when it is done. */
export const FLAG_CORO_TASK = 256;

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
