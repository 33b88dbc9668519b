// Who waits on whom, for graph.ts (Python 3.14's `future_add_to_awaited_by`
// / `future_discard_from_awaited_by`). A task waiting on a future is known
// already through its `_futWaiter` field, so only the waits that field does
// not show are recorded here: the children of gather and TaskGroup, the
// inner future of shield, the futures wait/asCompleted/waitFor watch. Each
// record is removed when the wait ends. A side table keeps the hot objects'
// shapes as they are and costs nothing where no such wait happens.
//
// Where one done callback serves every child of one waiter (gather's, a
// TaskGroup's), that callback is recorded once instead, and a child's
// waiters are found among its done callbacks: no table entry per child
// (100k children made 100k ephemerons, a quarter of spawning's time), and
// the record goes when the callback is run or removed.

import type { Future } from "./future.ts";

// One waiter (the usual case) is stored as itself, more as a Set.
const records = new WeakMap<
  Future<unknown>,
  Future<unknown> | Set<Future<unknown>>
>();

/** Records that `waiter` (a task) waits on `fut`; `null` waiter: nothing. */
export function addAwaitedBy(
  fut: Future<unknown>,
  waiter: Future<unknown> | null,
): void {
  if (waiter === null || fut === waiter) return;
  const r = records.get(fut);
  if (r === undefined) records.set(fut, waiter);
  else if (r instanceof Set) r.add(waiter);
  else if (r !== waiter) records.set(fut, new Set([r, waiter]));
}

/** Removes the record {@linkcode addAwaitedBy} made. */
export function discardAwaitedBy(
  fut: Future<unknown>,
  waiter: Future<unknown> | null,
): void {
  if (waiter === null) return;
  const r = records.get(fut);
  if (r === undefined) return;
  if (r === waiter) {
    records.delete(fut);
  } else if (r instanceof Set) {
    r.delete(waiter);
    if (r.size === 0) records.delete(fut);
  }
}

// A done callback → the waiter it stands for.
const callbackWaiters = new WeakMap<object, Future<unknown>>();

/**
 * Records that whichever future has `callback` among its done callbacks is
 * awaited by `waiter` (a task); `null` waiter: nothing.
 */
export function addAwaitedByCallback(
  callback: object,
  waiter: Future<unknown> | null,
): void {
  if (waiter !== null) callbackWaiters.set(callback, waiter);
}

/** Removes the record {@linkcode addAwaitedByCallback} made. */
export function discardAwaitedByCallback(callback: object): void {
  callbackWaiters.delete(callback);
}

/** The recorded waiters of `fut` (not those known through `_futWaiter`). */
export function recordedAwaitedBy(
  fut: Future<unknown>,
): readonly Future<unknown>[] {
  const r = records.get(fut);
  const out = r === undefined ? [] : r instanceof Set ? [...r] : [r];
  const add = (cb: unknown): void => {
    const w = typeof cb === "function" ? callbackWaiters.get(cb) : undefined;
    if (w !== undefined && w !== fut && !out.includes(w)) out.push(w);
  };
  // A lone callback, or (callback, context) pairs: see Future._callbacks.
  const cbs = fut._callbacks;
  if (!Array.isArray(cbs)) add(cbs);
  else for (let i = 0; i < cbs.length; i += 2) add(cbs[i]);
  return out;
}

/**
 * What an internal future or parking lot stands for (a TaskGroup's wait, a
 * lock's waiter, a queue's lot of getters or putters), for formatTaskTree's
 * "waiting on …".
 */
export const waitLabels: WeakMap<object, object> = new WeakMap();
