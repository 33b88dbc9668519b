// The ready queue's list operations (insert, pop at, rotate) in place on its
// blocks, against the same operations on a plain array, across block
// boundaries, in bursts, and after draining.

import assert from "node:assert/strict";
import { ReadyQueue } from "../_ready_queue.ts";
import type { ReadyItem } from "../_events.ts";

function item(n: number): ReadyItem {
  return n as unknown as ReadyItem;
}

function contents(q: ReadyQueue): number[] {
  const out: number[] = [];
  for (let i = 0; i < q.length; i++) out.push(q.at(i) as unknown as number);
  return out;
}

Deno.test("ReadyQueue insert/popAt/rotate match an array's splice and rotate", () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const q = new ReadyQueue();
  const model: number[] = [];
  let next = 0;
  for (let step = 0; step < 20_000; step++) {
    const op = rand(6);
    if (op <= 1 || model.length === 0) {
      const i = rand(model.length + 1);
      q.insert(i, item(next));
      model.splice(i, 0, next++);
    } else if (op === 2) {
      q.push(item(next));
      model.push(next++);
    } else if (op === 3) {
      assert.equal(q.shift(), item(model.shift()!));
    } else if (op === 4) {
      const i = rand(model.length);
      assert.equal(q.popAt(i), item(model.splice(i, 1)[0]));
    } else if (model.length > 1) {
      const k = 1 + rand(model.length - 1);
      q.rotate(k);
      model.unshift(...model.splice(model.length - k, k));
    }
    assert.equal(q.length, model.length);
    if (step % 97 === 0) assert.deepEqual(contents(q), model);
  }
  assert.deepEqual(contents(q), model);
});

Deno.test("ReadyQueue across blocks: bursts, front inserts and drains keep FIFO order and hold nothing dropped", () => {
  const q = new ReadyQueue();
  const model: number[] = [];
  let next = 0;
  const check = () => {
    assert.equal(q.length, model.length);
    assert.deepEqual(contents(q), model);
  };
  for (let round = 0; round < 3; round++) {
    // A burst several blocks long, then inserts near the front and the back,
    // then rotations both ways, then a drain past block boundaries.
    for (let i = 0; i < 5000; i++) {
      q.push(item(next));
      model.push(next++);
    }
    check();
    for (const i of [0, 1, 2047, 2048, 2049, model.length - 1, model.length]) {
      q.insert(i, item(next));
      model.splice(i, 0, next++);
    }
    check();
    // Positions from the front, or from the back (negative), as of each pop.
    for (const at of [0, 1, 2048, -2049, -1]) {
      const i = at < 0 ? model.length + at : at;
      assert.equal(q.popAt(i), item(model.splice(i, 1)[0]));
    }
    check();
    for (const k of [1, 2049, model.length - 1, model.length - 2049]) {
      q.rotate(k);
      model.unshift(...model.splice(model.length - k, k));
    }
    check();
    while (model.length > round * 1000) {
      assert.equal(q.shift(), item(model.shift()!));
    }
    check();
  }
  while (model.length > 0) assert.equal(q.shift(), item(model.shift()!));
  check();
  // Emptied: the kept blocks hold no entry (nothing stays reachable).
  const held = [...q._blocks, q._spare].flatMap((b) =>
    b === null ? [] : b.filter((x) => x !== undefined)
  );
  assert.deepEqual(held, []);
  // And the queue works from its reset state: a slot made in front of an
  // empty queue, then ordinary use.
  q.insert(0, item(-1));
  q.push(item(-2));
  q.insert(0, item(-3));
  assert.deepEqual(contents(q), [-3, -1, -2]);
});
