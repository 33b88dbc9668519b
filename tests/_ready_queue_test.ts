// The ready queue's list operations (insert, pop at, rotate) in place on the
// ring buffer, against the same operations on a plain array, across wraps
// and growth.

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
