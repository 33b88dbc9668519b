// The loop's ready queue: a FIFO of entries (handles, task steps, future
// callbacks, fired sleeps), linked through the entries themselves: each
// ReadyItem has a `_readyNext` field. Push and shift are O(1), allocate
// nothing, and touch only the queue and the entry, which the step is about
// to read anyway. Measured against the block deque this replaced (and a
// ring buffer), the intrusive list took about a tenth off a warm W2 switch:
// the separate array cost a cache line the step did not otherwise need, and
// the stores to clear the slots. The list-like operations asynkit's
// scheduling needs (insert, pop at, rotate, find) walk the list and are
// rare. PriorityEventLoop (_priority.ts) swaps in a subclass that orders by
// priority: every method here is its seam.
//
// `_readyNext` is `undefined` while the entry is in no linked ready queue,
// the next entry or `null` (the last) while it is in one. An entry can be
// queued only once at a time that way: pushing one that is already queued
// (a user putting the same handle back twice, as asynkit's deque allows)
// queues a small stand-in for it instead.

import type { ReadyItem, RunEntry, TaskCore } from "./_events.ts";
import { holdForLayout } from "./_layout.ts";

type Linked = ReadyItem;

/**
 * Stands for an entry pushed while it was already queued: runs it, and
 * reads as it (positional access unwraps it).
 */
class Requeued implements ReadyItem {
  _readyNext: ReadyItem | null | undefined = undefined;
  readonly _runEntry: RunEntry = runRequeued;
  readonly _target: ReadyItem;
  constructor(target: ReadyItem) {
    this._target = target;
  }
  _stepOf(): TaskCore | null {
    return this._target._stepOf();
  }
  _toHandle(): ReadyItem {
    return this._target._toHandle();
  }
}

function runRequeued(entry: ReadyItem): void {
  const target = (entry as Requeued)._target;
  const run = target._runEntry;
  run(target);
}

/** What to link for `h`: itself, or a stand-in when it is queued already. */
function linkable(h: ReadyItem): Linked {
  const l = h as Linked;
  return l._readyNext === undefined ? l : new Requeued(h) as Linked;
}

/** The entry a queued node stands for. */
function entryOf(node: Linked): ReadyItem {
  return node instanceof Requeued ? node._target : node;
}

/** A FIFO of ready entries with list-style access by position. */
export class ReadyQueue {
  /** The next entry to run, or `null`. */
  _first: Linked | null;
  /** The entry queued last, or `null`. */
  _last: Linked | null;
  _length: number;

  constructor() {
    this._first = null;
    this._last = null;
    this._length = 0;
    holdForLayout(new.target, this);
  }

  get length(): number {
    return this._length;
  }

  push(h: ReadyItem): void {
    const node = linkable(h);
    node._readyNext = null;
    const last = this._last;
    if (last === null) this._first = node;
    else last._readyNext = node;
    this._last = node;
    this._length++;
  }

  /** Takes the first entry; the queue must not be empty. */
  shift(): ReadyItem {
    const node = this._first as Linked;
    const next = node._readyNext as Linked | null;
    this._first = next;
    if (next === null) this._last = null;
    node._readyNext = undefined;
    this._length--;
    return node;
  }

  /** The node at position `i` (`0 <= i < length`). */
  _nodeAt(i: number): Linked {
    let node = this._first as Linked;
    for (let k = 0; k < i; k++) node = node._readyNext as Linked;
    return node;
  }

  at(i: number): ReadyItem {
    return entryOf(this._nodeAt(i));
  }

  lastIndexOf(h: ReadyItem): number {
    let found = -1;
    let i = 0;
    for (let n = this._first; n !== null; n = n._readyNext as Linked | null) {
      if (entryOf(n) === h) found = i;
      i++;
    }
    return found;
  }

  /** The entries, first to last (a copy). */
  toArray(): ReadyItem[] {
    const out: ReadyItem[] = new Array(this._length);
    let i = 0;
    for (let n = this._first; n !== null; n = n._readyNext as Linked | null) {
      out[i++] = entryOf(n);
    }
    return out;
  }

  /**
   * Replaces the entries, position by position, with `items` (as many):
   * the same entries in another order, or some replaced by stand-ins.
   */
  setAll(items: readonly ReadyItem[]): void {
    this.clear();
    for (let i = 0; i < items.length; i++) this.push(items[i]);
  }

  set(i: number, h: ReadyItem): void {
    const old = this._nodeAt(i);
    if (entryOf(old) === h) return;
    // Unlink the old node first, so that `h` may be that very entry's
    // neighbour, or be queued again in its place.
    const next = old._readyNext as Linked | null;
    old._readyNext = undefined;
    const node = linkable(h);
    node._readyNext = next;
    if (i === 0) this._first = node;
    else this._nodeAt(i - 1)._readyNext = node;
    if (next === null) this._last = node;
  }

  clear(): void {
    let n = this._first;
    while (n !== null) {
      const next = n._readyNext as Linked | null;
      n._readyNext = undefined;
      n = next;
    }
    this._first = this._last = null;
    this._length = 0;
  }

  insert(i: number, h: ReadyItem): void {
    if (i >= this._length) {
      this.push(h);
      return;
    }
    const node = linkable(h);
    if (i === 0) {
      node._readyNext = this._first;
      this._first = node;
    } else {
      const prev = this._nodeAt(i - 1);
      node._readyNext = prev._readyNext;
      prev._readyNext = node;
    }
    this._length++;
  }

  popAt(i: number): ReadyItem {
    if (i === 0) return entryOf(this.shift() as Linked);
    const prev = this._nodeAt(i - 1);
    const node = prev._readyNext as Linked;
    const next = node._readyNext as Linked | null;
    prev._readyNext = next;
    if (next === null) this._last = prev;
    node._readyNext = undefined;
    this._length--;
    return entryOf(node);
  }

  /** Moves the last `k` entries (`0 < k < length`) to the front. */
  rotate(k: number): void {
    const newLast = this._nodeAt(this._length - k - 1);
    const newFirst = newLast._readyNext as Linked;
    (this._last as Linked)._readyNext = this._first;
    newLast._readyNext = null;
    this._first = newFirst;
    this._last = newLast;
  }
}
