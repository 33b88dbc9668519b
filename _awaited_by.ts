// Who waits on whom, for graph.ts (Python 3.14's `future_add_to_awaited_by`
// / `future_discard_from_awaited_by`). A task waiting on a future is known
// already through its `_futWaiter` field, so only the waits that field does
// not show are recorded here: the children of gather and TaskGroup, the
// inner future of shield, the futures wait/asCompleted/waitFor watch. Each
// record is removed when the wait ends. A side table keeps the hot objects'
// shapes as they are and costs nothing where no such wait happens.

import type { Future } from "./future.ts";

const records = new WeakMap<Future<unknown>, Set<Future<unknown>>>();

/** Records that `waiter` (a task) waits on `fut`; `null` waiter: nothing. */
export function addAwaitedBy(
  fut: Future<unknown>,
  waiter: Future<unknown> | null,
): void {
  if (waiter === null || fut === waiter) return;
  const set = records.get(fut);
  if (set === undefined) records.set(fut, new Set([waiter]));
  else set.add(waiter);
}

/** Removes the record {@linkcode addAwaitedBy} made. */
export function discardAwaitedBy(
  fut: Future<unknown>,
  waiter: Future<unknown> | null,
): void {
  if (waiter === null) return;
  const set = records.get(fut);
  if (set === undefined) return;
  set.delete(waiter);
  if (set.size === 0) records.delete(fut);
}

/** The recorded waiters of `fut` (not those known through `_futWaiter`). */
export function recordedAwaitedBy(
  fut: Future<unknown>,
): ReadonlySet<Future<unknown>> | undefined {
  return records.get(fut);
}

/**
 * What an internal future or parking lot stands for (a TaskGroup's wait, a
 * lock's waiter, a queue's lot of getters or putters), for formatTaskTree's
 * "waiting on …".
 */
export const waitLabels: WeakMap<object, object> = new WeakMap();
