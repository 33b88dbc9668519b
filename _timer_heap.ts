// The loop's one timer heap: a binary min-heap ordered by deadline, then by
// scheduling order, so equal deadlines run in the order they were set.

import type { ReadyItem } from "./_events.ts";
import { holdForLayout } from "./_layout.ts";

/**
 * What the heap holds: a `TimerEntry`, or the timer entry of a sleeping
 * task (`sleep()` in task.ts), which needs no handle, future or context.
 */
export interface TimerEntry extends ReadyItem {
  /** Deadline in loop time. */
  _when: number;
  /** Scheduling order, breaks deadline ties. */
  _seq: number;
  /** In the heap (asyncio's `_scheduled`). */
  _scheduled: boolean;
  /** Cancelled: dropped when it reaches the top (or at a purge). */
  _cancelled: boolean;
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a._when < b._when || (a._when === b._when && a._seq < b._seq);
}

/**
 * A min-heap of timer handles. A handle's `_scheduled` says whether it is in
 * the heap, so that cancelling it counts only then (see `cancelledCount`).
 */
export class TimerHeap {
  _items: TimerEntry[] = [];
  /** How many of the items are cancelled (they are dropped lazily). */
  cancelledCount = 0;

  constructor() {
    holdForLayout(new.target, this);
  }

  get length(): number {
    return this._items.length;
  }

  peek(): TimerEntry | undefined {
    return this._items[0];
  }

  push(h: TimerEntry): void {
    h._scheduled = true;
    const items = this._items;
    let i = items.length;
    items.push(h);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent];
      if (!before(h, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = h;
  }

  pop(): TimerEntry {
    const items = this._items;
    const top = items[0];
    top._scheduled = false;
    const last = items.pop() as TimerEntry;
    const n = items.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && before(items[r], items[l]) ? r : l;
        if (!before(items[c], last)) break;
        items[i] = items[c];
        i = c;
      }
      items[i] = last;
    }
    return top;
  }

  /** Drops every cancelled handle and restores the heap order. */
  purge(): void {
    const kept = this._items.filter((h) => {
      if (!h._cancelled) return true;
      h._scheduled = false;
      return false;
    });
    this._items = [];
    this.cancelledCount = 0;
    for (const h of kept) this.push(h);
  }

  clear(): void {
    for (const h of this._items) h._scheduled = false;
    this._items = [];
    this.cancelledCount = 0;
  }
}
