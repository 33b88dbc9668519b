// The native promises (`await fut`, `toPromise()`) waiting on a loop's
// pending futures, per loop: once the loop is closed nothing can settle
// them, so `close()` rejects them rather than let them hang.

import type { PromiseBox } from "./_future_bits.ts";

const waits = new WeakMap<object, Set<PromiseBox<unknown>>>();

/** Records `box` as waiting on a pending future of `loop`. */
export function addNativeWait(loop: object, box: PromiseBox<unknown>): void {
  let set = waits.get(loop);
  if (set === undefined) waits.set(loop, set = new Set());
  set.add(box);
}

/** Forgets `box`: its future is done and settles it. */
export function dropNativeWait(loop: object, box: PromiseBox<unknown>): void {
  waits.get(loop)?.delete(box);
}

/**
 * Rejects the native promises of `loop`'s pending futures with
 * `Event loop is closed`.
 */
export function rejectNativeWaits(loop: object): void {
  const set = waits.get(loop);
  if (set === undefined) return;
  waits.delete(loop);
  for (const box of set) box.reject(new Error("Event loop is closed"));
}
