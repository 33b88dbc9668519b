// The loop's ready queue: a growable ring buffer of handles. Push and shift
// are O(1) and allocate nothing in the steady state; the list-like
// operations asynkit's scheduling needs (insert, pop at, rotate) are O(n)
// and rare.

import type { Handle } from "./_handle.ts";

/** A FIFO of handles with list-style access by position. */
export class ReadyQueue {
  _buf: (Handle | undefined)[];
  _head: number;
  _length: number;
  _mask: number;

  constructor() {
    this._buf = new Array(64).fill(undefined);
    this._head = 0;
    this._length = 0;
    this._mask = 63;
  }

  get length(): number {
    return this._length;
  }

  push(h: Handle): void {
    if (this._length > this._mask) this._grow();
    this._buf[(this._head + this._length) & this._mask] = h;
    this._length++;
  }

  shift(): Handle {
    const buf = this._buf;
    const h = buf[this._head] as Handle;
    buf[this._head] = undefined;
    this._head = (this._head + 1) & this._mask;
    this._length--;
    return h;
  }

  /** The handle at `i` (0 is the next to run). */
  at(i: number): Handle {
    return this._buf[(this._head + i) & this._mask] as Handle;
  }

  clear(): void {
    this._buf.fill(undefined);
    this._head = 0;
    this._length = 0;
  }

  toArray(): Handle[] {
    const out: Handle[] = new Array(this._length);
    for (let i = 0; i < this._length; i++) out[i] = this.at(i);
    return out;
  }

  /** Replaces the contents with `items`, in order. */
  setAll(items: Handle[]): void {
    let cap = this._buf.length;
    while (cap < items.length) cap *= 2;
    const buf: (Handle | undefined)[] = new Array(cap).fill(undefined);
    for (let i = 0; i < items.length; i++) buf[i] = items[i];
    this._buf = buf;
    this._mask = cap - 1;
    this._head = 0;
    this._length = items.length;
  }

  _grow(): void {
    const items = this.toArray();
    this._buf = new Array(this._buf.length * 2).fill(undefined);
    this._mask = this._buf.length - 1;
    this._head = 0;
    for (let i = 0; i < items.length; i++) this._buf[i] = items[i];
  }
}
