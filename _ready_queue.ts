// The loop's ready queue: a growable ring buffer of entries (handles, task
// steps, future callbacks). Push and shift are O(1) and allocate nothing in
// the steady state; the list-like operations asynkit's scheduling needs
// (insert, pop at, rotate) happen in place, moving at most half the queue,
// and are rare. PriorityEventLoop (_priority.ts) swaps in a subclass that
// orders by priority: every method here is its seam.

import type { ReadyItem } from "./_events.ts";

/** A FIFO of ready entries with list-style access by position. */
export class ReadyQueue {
  _buf: (ReadyItem | undefined)[];
  _head: number;
  _length: number;
  _mask: number;

  constructor() {
    this._buf = new Array(64);
    this._head = 0;
    this._length = 0;
    this._mask = 63;
  }

  get length(): number {
    return this._length;
  }

  push(h: ReadyItem): void {
    if (this._length > this._mask) this._grow();
    this._buf[(this._head + this._length) & this._mask] = h;
    this._length++;
  }

  shift(): ReadyItem {
    const buf = this._buf;
    const h = buf[this._head] as ReadyItem;
    buf[this._head] = undefined;
    this._head = (this._head + 1) & this._mask;
    this._length--;
    return h;
  }

  /** The handle at `i` (0 is the next to run). */
  at(i: number): ReadyItem {
    return this._buf[(this._head + i) & this._mask] as ReadyItem;
  }

  /**
   * The position of `h`, searching from the end (where a new entry is), or
   * -1. (A priority queue may have placed a new entry before older ones.)
   */
  lastIndexOf(h: ReadyItem): number {
    for (let i = this.length - 1; i >= 0; i--) if (this.at(i) === h) return i;
    return -1;
  }

  /** Replaces the entry at `i`. */
  set(i: number, h: ReadyItem): void {
    this._buf[(this._head + i) & this._mask] = h;
  }

  /** Empties the queue and lets a grown buffer go. */
  clear(): void {
    this._buf = new Array(64);
    this._head = 0;
    this._length = 0;
    this._mask = 63;
  }

  /**
   * Inserts `h` before position `i` (0 ≤ i ≤ length), moving the shorter
   * side of the ring.
   */
  insert(i: number, h: ReadyItem): void {
    const n = this._length;
    if (i >= n) {
      this.push(h);
      return;
    }
    if (n > this._mask) this._grow();
    const buf = this._buf;
    const mask = this._mask;
    if (i < n >> 1) {
      const head = (this._head - 1) & mask;
      for (let k = 0; k < i; k++) {
        buf[(head + k) & mask] = buf[(head + k + 1) & mask];
      }
      buf[(head + i) & mask] = h;
      this._head = head;
    } else {
      const head = this._head;
      for (let k = n; k > i; k--) {
        buf[(head + k) & mask] = buf[(head + k - 1) & mask];
      }
      buf[(head + i) & mask] = h;
    }
    this._length = n + 1;
  }

  /** Removes and returns the entry at `i` (0 ≤ i < length). */
  popAt(i: number): ReadyItem {
    if (i === 0) return this.shift();
    const buf = this._buf;
    const mask = this._mask;
    const head = this._head;
    const n = this._length;
    const h = buf[(head + i) & mask] as ReadyItem;
    if (i < n >> 1) {
      for (let k = i; k > 0; k--) {
        buf[(head + k) & mask] = buf[(head + k - 1) & mask];
      }
      buf[head] = undefined;
      this._head = (head + 1) & mask;
    } else {
      for (let k = i; k < n - 1; k++) {
        buf[(head + k) & mask] = buf[(head + k + 1) & mask];
      }
      buf[(head + n - 1) & mask] = undefined;
    }
    this._length = n - 1;
    return h;
  }

  /**
   * Rotates `k` steps to the right (0 < k < length): the last `k` entries
   * move to the front, as `deque.rotate(k)`.
   */
  rotate(k: number): void {
    const n = this._length;
    const buf = this._buf;
    const mask = this._mask;
    if (k <= n >> 1) {
      // Move the last k to the front, one at a time (no growth: same length).
      for (let j = 0; j < k; j++) {
        const last = (this._head + this._length - 1) & mask;
        const h = buf[last];
        buf[last] = undefined;
        this._head = (this._head - 1) & mask;
        buf[this._head] = h;
      }
    } else {
      for (let j = 0; j < n - k; j++) {
        const h = buf[this._head];
        buf[this._head] = undefined;
        this._head = (this._head + 1) & mask;
        buf[(this._head + n - 1) & mask] = h;
      }
    }
  }

  _grow(): void {
    const old = this._buf;
    const cap = old.length;
    // Left holey: every slot is written before it is read.
    const buf: (ReadyItem | undefined)[] = new Array(cap * 2);
    // Full: the entries run from _head round to _head - 1.
    for (let i = 0; i < cap; i++) buf[i] = old[(this._head + i) & this._mask];
    this._buf = buf;
    this._mask = cap * 2 - 1;
    this._head = 0;
  }
}
