// The loop's ready queue: a FIFO of entries (handles, task steps, future
// callbacks) kept in fixed-size blocks, as a deque of blocks. Push and shift
// are O(1) and allocate nothing in the steady state (an emptied block is kept
// for reuse). Blocks, not one growable ring: a burst of 100k new tasks then
// writes them into small, young blocks, where one big buffer lives in the
// old generation and every young entry stored into it (or copied when it
// doubles) goes through the write barrier's slow path and into the
// remembered set the next scavenges scan. The list-like operations asynkit's
// scheduling needs (insert, pop at, rotate) happen in place, moving at most
// half the queue, and are rare. PriorityEventLoop (_priority.ts) swaps in a
// subclass that orders by priority: every method here is its seam.

import type { ReadyItem } from "./_events.ts";
import { holdForLayout } from "./_layout.ts";

const BLOCK_SHIFT = 11;
/** Entries per block: 2048 (16 KB, a young-generation object). */
const BLOCK = 1 << BLOCK_SHIFT;
const BLOCK_MASK = BLOCK - 1;

type Block = (ReadyItem | undefined)[];

function newBlock(): Block {
  // Left holey: every slot is written before it is read.
  return new Array(BLOCK);
}

/** A FIFO of ready entries with list-style access by position. */
export class ReadyQueue {
  /** The blocks, first to last; the entries start at `_first` in block 0. */
  _blocks: Block[];
  /** Block 0, where the next entry to run is (at `_first`). */
  _head: Block;
  _first: number;
  /** The last block, filled up to `_end` (exclusive). */
  _tail: Block;
  _end: number;
  _length: number;
  /** An emptied block kept for the next one needed, or `null`. */
  _spare: Block | null;

  constructor() {
    const b = newBlock();
    this._blocks = [b];
    this._head = this._tail = b;
    this._first = this._end = 0;
    this._length = 0;
    this._spare = null;
    holdForLayout(new.target, this);
  }

  get length(): number {
    return this._length;
  }

  push(h: ReadyItem): void {
    let e = this._end;
    if (e === BLOCK) {
      this._addTail();
      e = 0;
    }
    this._tail[e] = h;
    this._end = e + 1;
    this._length++;
  }

  shift(): ReadyItem {
    const block = this._head;
    const f = this._first;
    const h = block[f] as ReadyItem;
    block[f] = undefined;
    this._length--;
    if (f === BLOCK_MASK) this._dropFirstBlock();
    else this._first = f + 1;
    return h;
  }

  /** The handle at `i` (0 is the next to run). */
  at(i: number): ReadyItem {
    const pos = this._first + i;
    return this._blocks[pos >> BLOCK_SHIFT][pos & BLOCK_MASK] as ReadyItem;
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
    const pos = this._first + i;
    this._blocks[pos >> BLOCK_SHIFT][pos & BLOCK_MASK] = h;
  }

  /** Empties the queue and lets the blocks go. */
  clear(): void {
    const b = newBlock();
    this._blocks = [b];
    this._head = this._tail = b;
    this._first = this._end = 0;
    this._length = 0;
    this._spare = null;
  }

  /**
   * Inserts `h` before position `i` (0 ≤ i ≤ length), moving the shorter
   * side.
   */
  insert(i: number, h: ReadyItem): void {
    const n = this._length;
    if (i >= n) {
      this.push(h);
      return;
    }
    if (i < n >> 1) {
      // Open a slot in front, then move the first i entries one left.
      this._unshiftSlot();
      for (let k = 0; k < i; k++) this.set(k, this.at(k + 1));
    } else {
      this.push(this.at(n - 1));
      for (let k = n - 1; k > i; k--) this.set(k, this.at(k - 1));
    }
    this.set(i, h);
  }

  /** Removes and returns the entry at `i` (0 ≤ i < length). */
  popAt(i: number): ReadyItem {
    if (i === 0) return this.shift();
    const n = this._length;
    const h = this.at(i);
    if (i < n >> 1) {
      for (let k = i; k > 0; k--) this.set(k, this.at(k - 1));
      this.shift();
    } else {
      for (let k = i; k < n - 1; k++) this.set(k, this.at(k + 1));
      this._popLast();
    }
    return h;
  }

  /**
   * Rotates `k` steps to the right (0 < k < length): the last `k` entries
   * move to the front, as `deque.rotate(k)`.
   */
  rotate(k: number): void {
    const n = this._length;
    if (k <= n >> 1) {
      for (let j = 0; j < k; j++) {
        const h = this._popLast();
        this._unshiftSlot();
        this.set(0, h);
      }
    } else {
      for (let j = 0; j < n - k; j++) this.push(this.shift());
    }
  }

  /** Adds an empty slot before the first entry. */
  _unshiftSlot(): void {
    if (this._length === 0) {
      this._first = 0;
      this._end = this._length = 1;
      return;
    }
    if (this._first === 0) {
      const b = this._takeBlock();
      this._blocks.unshift(b);
      this._head = b;
      this._first = BLOCK;
    }
    this._first--;
    this._length++;
  }

  /** Removes and returns the last entry. */
  _popLast(): ReadyItem {
    const e = this._end - 1;
    const h = this._tail[e] as ReadyItem;
    this._tail[e] = undefined;
    this._length--;
    this._end = e;
    if (e === 0 && this._blocks.length > 1) {
      this._spare = this._blocks.pop()!;
      this._tail = this._blocks[this._blocks.length - 1];
      this._end = BLOCK;
    }
    return h;
  }

  /** Starts a new last block. */
  _addTail(): void {
    const b = this._takeBlock();
    this._blocks.push(b);
    this._tail = b;
    this._end = 0;
  }

  /** The first block is used up: keep it as the spare (or reuse it). */
  _dropFirstBlock(): void {
    const blocks = this._blocks;
    if (blocks.length === 1) {
      // The queue is empty: start the block over.
      this._first = this._end = 0;
      return;
    }
    this._spare = blocks.shift()!;
    this._head = blocks[0];
    this._first = 0;
  }

  /** A block for the end or the front: the spare, else a new one. */
  _takeBlock(): Block {
    const spare = this._spare;
    if (spare === null) return newBlock();
    this._spare = null;
    return spare;
  }
}
