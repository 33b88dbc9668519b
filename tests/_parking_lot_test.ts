// The parking lot under Queue (and any primitive that parks tasks): FIFO
// wake-ups, cancellation while parked, a wake-up that comes before the park,
// and the drivers that hand a parked coroutine over (CoroStart, Monitor).

import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  getRunningLoop,
  run,
  sleep,
} from "../mod.ts";
import { park, ParkingLot } from "../_parking_lot.ts";
import { taskIsBlocked } from "../scheduling.ts";
import { CoroStart } from "../eager.ts";
import { Monitor } from "../monitor.ts";

/** A gate: tasks wait in `pass()` until `open` is set and they are woken. */
class Gate {
  open = false;
  lot = new ParkingLot(() => !this.open);
  *pass(log: string[], name: string): Coroutine<void> {
    while (!this.open) {
      try {
        yield park(this.lot);
      } catch (e) {
        log.push(`${name}:${(e as Error).name}`);
        throw e;
      }
    }
    log.push(name);
  }
}

Deno.test("parking lot: wakes parked tasks one at a time, in FIFO order", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    const ts = ["a", "b", "c"].map((n) => createTask(g.pass(log, n)));
    yield* sleep(0);
    assert.equal(g.lot.length, 3);
    assert.ok(ts.every(taskIsBlocked));
    assert.match(String(ts[0]), /wait_for=<ParkingLot parked=3>/);
    g.open = true;
    assert.equal(g.lot.unparkOne(), true);
    assert.equal(g.lot.length, 2);
    yield* sleep(0);
    assert.deepEqual(log, ["a"]);
    g.lot.unparkAll();
    assert.equal(g.lot.unparkOne(), false);
    yield* sleep(0);
    assert.deepEqual(log, ["a", "b", "c"]);
  })());
});

Deno.test("parking lot: a woken task that finds the gate shut parks again at the end", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    createTask(g.pass(log, "a"));
    createTask(g.pass(log, "b"));
    yield* sleep(0);
    g.lot.unparkOne(); // gate still shut: a re-parks behind b
    yield* sleep(0);
    assert.equal(g.lot.length, 2);
    g.open = true;
    g.lot.unparkOne();
    yield* sleep(0);
    assert.deepEqual(log, ["b"]);
    g.lot.unparkAll();
    yield* sleep(0);
    assert.deepEqual(log, ["b", "a"]);
  })());
});

Deno.test("parking lot: cancelling a parked task takes it out and throws at its yield", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    const a = createTask(g.pass(log, "a"));
    const b = createTask(g.pass(log, "b"));
    yield* sleep(0);
    assert.equal(a.cancel("stop"), true);
    assert.equal(g.lot.length, 1);
    assert.equal(taskIsBlocked(a), false);
    yield* sleep(0);
    assert.equal(a.cancelled(), true);
    try {
      a.result();
      assert.fail("not cancelled");
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      assert.equal(e.message, "stop");
    }
    g.open = true;
    g.lot.unparkOne(); // wakes b, not the cancelled a
    yield* b;
    assert.deepEqual(log, ["a:CancelledError", "b"]);
  })());
});

Deno.test("parking lot: a task cancelled before its step parks is not parked", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    const a = createTask(g.pass(log, "a"));
    a.cancel();
    yield* sleep(0);
    assert.equal(g.lot.length, 0);
    assert.ok(a.cancelled());
    // Cancelled in the same step that parks it (the CancelledError comes
    // at its yield, not before).
    const b = createTask((function* () {
      currentTask()!.cancel();
      yield* g.pass(log, "b");
    })());
    yield* sleep(0);
    yield* sleep(0);
    assert.ok(b.cancelled());
    assert.equal(g.lot.length, 0);
    assert.deepEqual(log, ["b:CancelledError"]);
  })());
});

Deno.test("parking lot: the condition is re-checked when the task parks", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    // Started eagerly: the coroutine yields the lot before any task parks.
    const cs = new CoroStart(g.pass(log, "early"));
    assert.equal(cs.done(), false);
    g.open = true; // no one to wake yet
    yield* cs; // the task parks now, finds the gate open and runs on
    assert.deepEqual(log, ["early"]);
    assert.equal(g.lot.length, 0);
  })());
});

Deno.test("parking lot: a Monitor's handoff wakes a parked driver, which parks again", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    const m = new Monitor<string>();
    const got: string[] = [];
    const driver = createTask((function* () {
      const coro = (function* (): Coroutine<string> {
        yield* g.pass(log, "inner");
        return "done";
      })();
      const a = m.awaitable(coro);
      for (;;) {
        try {
          return yield* a;
        } catch (e) {
          got.push(String((e as { data?: unknown }).data));
        }
      }
    })());
    yield* sleep(0);
    assert.equal(g.lot.length, 1);
    const sender = createTask(m.oob("hi"));
    yield* sleep(0);
    yield* sleep(0);
    assert.equal(g.lot.length, 1); // parked again after the handoff
    g.open = true;
    g.lot.unparkAll();
    assert.equal(yield* driver, "done");
    assert.equal(yield* sender, undefined); // the driver's reply
    assert.deepEqual(got, ["hi"]);
    assert.deepEqual(log, ["inner"]);
  })());
});

// ---------------------------------------------------------------- sleep
// A sleeping task parks on its sleep's timer entry: no future, no handle.

Deno.test("sleep: a cancelled sleep leaves the heap count right and throws at the sleep", async () => {
  await run((function* () {
    const loop = getRunningLoop();
    const t = createTask(sleep(1_000, "late"));
    yield* sleep(0);
    assert.equal(loop._timers.length, 1);
    assert.ok(taskIsBlocked(t));
    assert.match(String(t), /wait_for=<sleep when=/);
    assert.equal(t.cancel("bye"), true);
    assert.equal(t.cancel("second"), true);
    assert.equal(loop._timers.cancelledCount, 0); // the task has not run yet
    yield* sleep(0);
    assert.ok(t.cancelled());
    assert.equal(loop._timers.cancelledCount, 1); // still in the heap
    try {
      t.result();
      assert.fail("not cancelled");
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      assert.equal(e.message, "bye"); // the first message wins
    }
  })());
});

Deno.test("sleep: fires once, returns its value, and counts no cancel after firing", async () => {
  const r = await run((function* () {
    const loop = getRunningLoop();
    const v = yield* sleep(2, "rested");
    assert.equal(loop._timers.length, 0);
    assert.equal(loop._timers.cancelledCount, 0);
    return v;
  })());
  assert.equal(r, "rested");
});

Deno.test("sleep: started eagerly, it may fire before any task parks on it", async () => {
  await run((function* () {
    const cs = new CoroStart(sleep(1, "v"));
    assert.equal(cs.done(), false);
    yield* sleep(10); // the timer fires while nobody is parked on it
    assert.equal(yield* cs, "v");
  })());
});

Deno.test("sleep: a Monitor's handoff wakes a task parked on a sleep, which parks again", async () => {
  await run((function* () {
    const m = new Monitor<string>();
    const got: string[] = [];
    const driver = createTask((function* () {
      const a = m.awaitable(sleep(20, "slept"));
      for (;;) {
        try {
          return yield* a;
        } catch (e) {
          got.push(String((e as { data?: unknown }).data));
        }
      }
    })());
    yield* sleep(0);
    yield* m.oob("hi");
    assert.deepEqual(got, ["hi"]);
    assert.equal(yield* driver, "slept");
  })());
});

Deno.test("sleep: closing the coroutine early cancels its timer", async () => {
  // deno-lint-ignore require-yield
  await run((function* () {
    const loop = getRunningLoop();
    const s = sleep(1_000);
    s.next();
    assert.equal(loop._timers.length, 1);
    s.return(undefined);
    assert.equal(loop._timers.cancelledCount, 1);
  })());
});

Deno.test("parking lot: cancelling the first or a middle task keeps the others in order", async () => {
  const log: string[] = [];
  await run((function* () {
    const g = new Gate();
    const ts = ["a", "b", "c", "d"].map((n) => createTask(g.pass(log, n)));
    yield* sleep(0);
    ts[0].cancel();
    ts[2].cancel();
    assert.equal(g.lot.length, 2);
    g.open = true;
    g.lot.unparkOne();
    yield* sleep(0);
    g.lot.unparkAll();
    yield* sleep(0);
    assert.deepEqual(log, ["a:CancelledError", "c:CancelledError", "b", "d"]);
  })());
});
