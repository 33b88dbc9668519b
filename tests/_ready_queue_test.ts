// The ready queue's list operations (insert, pop at, rotate, set) on its
// linked entries, against the same operations on a plain array; an entry
// queued twice; and what a taken entry still holds.

import assert from "node:assert/strict";
import { ReadyQueue } from "../_ready_queue.ts";
import type { ReadyItem } from "../_events.ts";

interface Item extends ReadyItem {
  n: number;
}

const ran: number[] = [];

function item(n: number): Item {
  return {
    n,
    _readyNext: undefined,
    _runEntry: (e: Item) => ran.push(e.n),
    _stepOf: () => null,
    _toHandle(): ReadyItem {
      return this;
    },
  };
}

function contents(q: ReadyQueue): number[] {
  const out: number[] = [];
  for (let i = 0; i < q.length; i++) out.push((q.at(i) as Item).n);
  assert.deepEqual(q.toArray().map((x) => (x as Item).n), out);
  return out;
}

/** Takes the first entry and runs it as the loop does; returns what ran. */
function runFirst(q: ReadyQueue): number {
  const h = q.shift();
  const run = h._runEntry;
  run(h);
  return ran.pop()!;
}

Deno.test("ReadyQueue insert/popAt/rotate/set match an array's splice and rotate", () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const q = new ReadyQueue();
  const model: Item[] = [];
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = rand(7);
    if (op <= 1 || model.length === 0) {
      const i = rand(model.length + 1);
      const x = item(next++);
      q.insert(i, x);
      model.splice(i, 0, x);
    } else if (op === 2) {
      const x = item(next++);
      q.push(x);
      model.push(x);
    } else if (op === 3) {
      assert.equal(q.shift(), model.shift());
    } else if (op === 4) {
      const i = rand(model.length);
      assert.equal(q.popAt(i), model.splice(i, 1)[0]);
    } else if (op === 5) {
      const i = rand(model.length);
      const x = item(next++);
      q.set(i, x);
      model[i] = x;
    } else if (model.length > 1) {
      const k = 1 + rand(model.length - 1);
      q.rotate(k);
      model.unshift(...model.splice(model.length - k, k));
    }
    assert.equal(q.length, model.length);
    if (step % 97 === 0) {
      assert.deepEqual(contents(q), model.map((x) => x.n));
      assert.equal(q.lastIndexOf(model[model.length - 1]), model.length - 1);
    }
  }
  assert.deepEqual(contents(q), model.map((x) => x.n));
  // Emptied, it runs FIFO again, and setAll reorders in place.
  const all = q.toArray();
  q.setAll(all.slice().reverse());
  assert.deepEqual(contents(q), model.map((x) => x.n).reverse());
});

Deno.test("ReadyQueue: a taken, set-over, popped or cleared entry holds no link", () => {
  const q = new ReadyQueue();
  const xs = [0, 1, 2, 3, 4, 5].map(item);
  for (const x of xs) q.push(x);
  assert.ok(xs.every((x) => x._readyNext !== undefined));
  assert.equal(q.shift(), xs[0]);
  q.set(0, item(10)); // over xs[1]
  assert.equal(q.popAt(1), xs[2]);
  q.rotate(1); // xs[5] first
  assert.deepEqual(contents(q), [5, 10, 3, 4]);
  for (const x of [xs[0], xs[1], xs[2]]) assert.equal(x._readyNext, undefined);
  q.clear();
  assert.ok(xs.every((x) => x._readyNext === undefined));
  assert.equal(q.length, 0);
  // Works again from empty, from both ends.
  q.insert(0, xs[1]);
  q.push(xs[2]);
  q.insert(0, xs[3]);
  assert.deepEqual(contents(q), [3, 1, 2]);
  assert.deepEqual([runFirst(q), runFirst(q), runFirst(q)], [3, 1, 2]);
  assert.equal(q.length, 0);
});

Deno.test("ReadyQueue: an entry queued twice runs twice and reads as itself at both places", () => {
  const q = new ReadyQueue();
  const a = item(1);
  const b = item(2);
  q.push(a);
  q.push(b);
  q.push(a);
  q.insert(0, b);
  assert.deepEqual(contents(q), [2, 1, 2, 1]);
  assert.equal(q.at(3), a);
  assert.equal(q.lastIndexOf(b), 2);
  assert.equal(q.lastIndexOf(a), 3);
  assert.equal(q.popAt(2), b); // the second b: its stand-in is unwrapped
  assert.deepEqual(contents(q), [2, 1, 1]);
  // set() may put an entry back where it is, or next to itself.
  q.set(1, a);
  q.set(2, b);
  assert.deepEqual(contents(q), [2, 1, 2]);
  assert.deepEqual([runFirst(q), runFirst(q), runFirst(q)], [2, 1, 2]);
  assert.equal(a._readyNext, undefined);
  assert.equal(b._readyNext, undefined);
});
