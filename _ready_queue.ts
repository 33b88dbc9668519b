// The loop's ready queue: a growable ring buffer of entries (handles, task
// steps, future callbacks). Push and shift are O(1) and allocate nothing in
// the steady state; the list-like operations asynkit's scheduling needs
// (insert, pop at, rotate) are O(n) and rare.

import type { ReadyItem } from "./_handle.ts";

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

  toArray(): ReadyItem[] {
    const out: ReadyItem[] = new Array(this._length);
    for (let i = 0; i < this._length; i++) out[i] = this.at(i);
    return out;
  }

  /** Replaces the contents with `items`, in order. */
  setAll(items: ReadyItem[]): void {
    let cap = this._buf.length;
    while (cap < items.length) cap *= 2;
    const buf: (ReadyItem | undefined)[] = new Array(cap).fill(undefined);
    for (let i = 0; i < items.length; i++) buf[i] = items[i];
    this._buf = buf;
    this._mask = cap - 1;
    this._head = 0;
    this._length = items.length;
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
