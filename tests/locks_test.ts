// deno-lint-ignore-file require-yield
// Ports of CPython's Lib/test/test_asyncio/test_locks.py (3.12, with the 3.13
// Condition cancellation fixes). Seconds become small millisecond sleeps used
// only for ordering.

import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  EventLoop,
  gather,
  getRunningLoop,
  run,
  sleep,
  type Task,
  TimeoutError,
} from "../mod.ts";
import { waitFor } from "../combinators.ts";
import { taskGroup } from "../taskgroup.ts";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  Semaphore,
} from "../locks.ts";

function* expectCancelled(t: Task<unknown>): Coroutine<CancelledError> {
  try {
    yield* t;
  } catch (e) {
    assert.ok(e instanceof CancelledError, `expected CancelledError: ${e}`);
    return e;
  }
  assert.fail("the task was not cancelled");
}

function* rejects(
  coro: Coroutine<unknown>,
  cls: new (...a: never[]) => Error,
  re?: RegExp,
): Coroutine<Error> {
  try {
    yield* coro;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected ${cls.name}`);
}

// ---------------------------------------------------------------- Lock

Deno.test("Lock: repr", async () => {
  const lock = new Lock();
  assert.equal(String(lock), "<Lock [unlocked]>");
  await run((function* () {
    yield* lock.acquire();
    assert.equal(String(lock), "<Lock [locked]>");
    const t = createTask(lock.acquire());
    yield* sleep(0);
    assert.equal(String(lock), "<Lock [locked, waiters:1]>");
    t.cancel();
    yield* expectCancelled(t);
  })());
});

Deno.test("Lock: lock and release", async () => {
  const lock = new Lock();
  await run((function* () {
    const guard = yield* lock.acquire();
    assert.ok(guard);
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
  })());
});

Deno.test("Lock: acquire is FIFO", async () => {
  const lock = new Lock();
  const result: number[] = [];
  await run((function* () {
    yield* lock.acquire();
    function* c(n: number) {
      yield* lock.acquire();
      result.push(n);
      return true;
    }
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    yield* sleep(0);
    assert.deepEqual(result, []);
    lock.release();
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    const t3 = createTask(c(3));
    lock.release();
    yield* sleep(0);
    assert.deepEqual(result, [1, 2]);
    lock.release();
    yield* sleep(0);
    assert.deepEqual(result, [1, 2, 3]);
    for (const t of [t1, t2, t3]) assert.equal(t.result(), true);
  })());
});

Deno.test("Lock: acquire_cancel leaves no waiter", async () => {
  const lock = new Lock();
  await run((function* () {
    yield* lock.acquire();
    const task = createTask(lock.acquire());
    getRunningLoop().callSoon(() => task.cancel());
    yield* expectCancelled(task);
    assert.equal(lock._waiters!.length, 0);
  })());
});

Deno.test("Lock: cancel_race (B cancelled as A releases: C gets it)", async () => {
  const lock = new Lock();
  function* lockit(blocker: Coroutine<unknown> | null) {
    yield* lock.acquire();
    try {
      if (blocker !== null) yield* blocker;
    } finally {
      lock.release();
    }
  }
  await run((function* () {
    const loop = getRunningLoop();
    const fa = loop.createFuture<void>();
    const ta = createTask(lockit(fa[Symbol.iterator]()));
    yield* sleep(0);
    assert.ok(lock.locked());
    const tb = createTask(lockit(null));
    yield* sleep(0);
    assert.equal(lock._waiters!.length, 1);
    const tc = createTask(lockit(null));
    yield* sleep(0);
    assert.equal(lock._waiters!.length, 2);
    fa.setResult();
    tb.cancel();
    assert.ok(lock._waiters![0].cancelled());
    yield* sleep(0);
    assert.equal(lock.locked(), false);
    assert.ok(ta.done());
    assert.ok(tb.cancelled());
    yield* tc;
  })());
});

Deno.test("Lock: cancel_release_race (only one lock taken)", async () => {
  const lock = new Lock();
  let lockCount = 0;
  let callCount = 0;
  function* lockit() {
    callCount++;
    yield* lock.acquire();
    lockCount++;
  }
  await run((function* () {
    yield* lock.acquire();
    const t1 = createTask(lockit());
    const t2 = createTask(lockit());
    const t3 = createTask(lockit());
    yield* sleep(0);
    getRunningLoop().callSoon(() => {
      t1.cancel();
      lock.release();
    });
    yield* expectCancelled(t1);
    assert.equal(lockCount, 1);
    assert.equal(callCount, 3);
    assert.ok(t1.cancelled() && t2.done());
    t3.cancel();
    yield* sleep(0);
    assert.ok(t3.cancelled());
  })());
});

Deno.test("Lock: finished_waiter_cancelled (the next waiter is woken)", async () => {
  const lock = new Lock();
  await run((function* () {
    yield* lock.acquire();
    assert.ok(lock.locked());
    const tb = createTask(lock.acquire());
    yield* sleep(0);
    assert.equal(lock._waiters!.length, 1);
    const tc = createTask(lock.acquire());
    tb.cancel();
    lock.release();
    yield* sleep(0);
    assert.ok(lock.locked());
    assert.ok(tb.cancelled());
    yield* tc;
  })());
});

Deno.test("Lock: release_not_acquired", () => {
  assert.throws(() => new Lock().release(), {
    name: "Error",
    message: "Lock is not acquired.",
  });
});

Deno.test("Lock: release with no waiters", async () => {
  const lock = new Lock();
  await run((function* () {
    yield* lock.acquire();
    lock.release();
    assert.equal(lock.locked(), false);
  })());
});

Deno.test("Lock: using releases at block end, also on error", async () => {
  const lock = new Lock();
  await run((function* () {
    {
      using _ = yield* lock.acquire();
      assert.ok(lock.locked());
    }
    assert.ok(!lock.locked());
    try {
      using _ = yield* lock.acquire();
      throw new RangeError("inside");
    } catch (e) {
      assert.ok(e instanceof RangeError);
    }
    assert.ok(!lock.locked());
  })());
});

Deno.test("Lock: the guard releases once", async () => {
  const lock = new Lock();
  await run((function* () {
    const g = yield* lock.acquire();
    g.release();
    g[Symbol.dispose]();
    assert.ok(!lock.locked());
    assert.throws(() => lock.release(), /Lock is not acquired/);
  })());
});

Deno.test("Lock: a newcomer does not overtake a woken waiter", async () => {
  const lock = new Lock();
  const order: string[] = [];
  await run((function* () {
    yield* lock.acquire();
    const w = createTask((function* () {
      using _ = yield* lock.acquire();
      order.push("waiter");
    })());
    yield* sleep(0);
    lock.release(); // wakes w, which has not run yet
    const newcomer = createTask((function* () {
      using _ = yield* lock.acquire();
      order.push("newcomer");
    })());
    yield* gather([w, newcomer]);
  })());
  assert.deepEqual(order, ["waiter", "newcomer"]);
});

Deno.test("Lock: bound to a different event loop", async () => {
  const lock = new Lock();
  await run((function* () {
    yield* lock.acquire();
    const t = createTask(lock.acquire());
    yield* sleep(0);
    t.cancel();
    yield* expectCancelled(t);
  })());
  const loop = new EventLoop();
  try {
    await assert.rejects(
      loop.runUntilComplete(lock.acquire()),
      /<Lock \[locked\]> is bound to a different event loop/,
    );
  } finally {
    loop.close();
  }
});

// ---------------------------------------------------------------- Event

Deno.test("Event: repr", async () => {
  const ev = new Event();
  assert.equal(String(ev), "<Event [unset]>");
  ev.set();
  assert.equal(String(ev), "<Event [set]>");
  ev.clear();
  await run((function* () {
    const t = createTask(ev.wait());
    yield* sleep(0);
    assert.equal(String(ev), "<Event [unset, waiters:1]>");
    ev.set();
    yield* t;
  })());
});

Deno.test("Event: wait wakes waiters, a later waiter that sees it set first", async () => {
  const ev = new Event();
  assert.equal(ev.isSet(), false);
  const result: number[] = [];
  function* c(n: number) {
    if (yield* ev.wait()) result.push(n);
    return true;
  }
  await run((function* () {
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    yield* sleep(0);
    assert.deepEqual(result, []);
    const t3 = createTask(c(3));
    ev.set();
    yield* sleep(0);
    assert.deepEqual(result, [3, 1, 2]);
    for (const t of [t1, t2, t3]) assert.equal(t.result(), true);
  })());
});

Deno.test("Event: wait_on_set", async () => {
  const ev = new Event();
  ev.set();
  assert.equal(await run(ev.wait()), true);
});

Deno.test("Event: wait_cancel leaves no waiter", async () => {
  const ev = new Event();
  await run((function* () {
    const w = createTask(ev.wait());
    getRunningLoop().callSoon(() => w.cancel());
    yield* expectCancelled(w);
    assert.equal(ev._waiters.length, 0);
  })());
});

Deno.test("Event: clear", () => {
  const ev = new Event();
  assert.equal(ev.isSet(), false);
  ev.set();
  assert.equal(ev.isSet(), true);
  ev.clear();
  assert.equal(ev.isSet(), false);
});

Deno.test("Event: clear_with_waiters (a set-then-clear still wakes)", async () => {
  const ev = new Event();
  const result: number[] = [];
  await run((function* () {
    const t = createTask((function* () {
      if (yield* ev.wait()) result.push(1);
      return true;
    })());
    yield* sleep(0);
    assert.deepEqual(result, []);
    ev.set();
    ev.clear();
    assert.equal(ev.isSet(), false);
    ev.set();
    ev.set();
    assert.equal(ev._waiters.length, 1);
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    assert.equal(ev._waiters.length, 0);
    assert.ok(t.done());
    assert.equal(t.result(), true);
  })());
});

// ---------------------------------------------------------------- Condition

Deno.test("Condition: wait and notify counts", async () => {
  const cond = new Condition();
  const result: number[] = [];
  function* c(n: number) {
    yield* cond.acquire();
    if (yield* cond.wait()) result.push(n);
    return true;
  }
  await run((function* () {
    const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
    yield* sleep(0);
    assert.deepEqual(result, []);
    assert.equal(cond.locked(), false);

    yield* cond.acquire();
    cond.notify();
    yield* sleep(0);
    assert.deepEqual(result, []);
    assert.ok(cond.locked());

    cond.release();
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    assert.ok(cond.locked());

    cond.notify(2);
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    assert.ok(cond.locked());

    cond.release();
    yield* sleep(0);
    assert.deepEqual(result, [1, 2]);
    assert.ok(cond.locked());

    cond.release();
    yield* sleep(0);
    assert.deepEqual(result, [1, 2, 3]);
    assert.ok(cond.locked());
    for (const t of ts) assert.equal(t.result(), true);
  })());
});

Deno.test("Condition: wait_cancel retakes the lock", async () => {
  const cond = new Condition();
  await run((function* () {
    yield* cond.acquire();
    const w = createTask(cond.wait());
    getRunningLoop().callSoon(() => w.cancel());
    yield* expectCancelled(w);
    assert.equal(cond._waiters.length, 0);
    assert.ok(cond.locked());
  })());
});

Deno.test("Condition: wait_cancel_contested (notified: no cancellation point)", async () => {
  const cond = new Condition();
  await run((function* () {
    yield* cond.acquire();
    assert.ok(cond.locked());
    const w = createTask(cond.wait());
    yield* sleep(0);
    assert.equal(cond.locked(), false);
    yield* cond.acquire();
    assert.ok(cond.locked());
    cond.notify();
    const loop = getRunningLoop();
    loop.callSoon(() => w.cancel());
    loop.callSoon(() => cond.release());
    try {
      yield* w;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
    }
    assert.ok(cond.locked());
  })());
});

Deno.test("Condition: wait_cancel_after_notify", async () => {
  const cond = new Condition();
  let waited = false;
  await run((function* () {
    const waiter = createTask((function* () {
      using _ = yield* cond.acquire();
      waited = true;
      yield* cond.wait();
    })());
    yield* sleep(5);
    yield* cond.acquire();
    cond.notify();
    yield* sleep(0); // the waiter goes to take the lock back
    waiter.cancel();
    yield* sleep(0);
    cond.release();
    yield* sleep(0);
    assert.ok(waiter.cancelled());
    assert.ok(waited);
  })());
});

Deno.test("Condition: wait_unacquired", async () => {
  const cond = new Condition();
  await run((function* () {
    yield* rejects(cond.wait(), Error, /^cannot wait on un-acquired lock$/);
  })());
});

Deno.test("Condition: waitFor a predicate", async () => {
  const cond = new Condition();
  let presult = false;
  const result: number[] = [];
  await run((function* () {
    const t = createTask((function* () {
      yield* cond.acquire();
      if (yield* cond.waitFor(() => presult)) {
        result.push(1);
        cond.release();
      }
      return true;
    })());
    yield* sleep(0);
    assert.deepEqual(result, []);
    yield* cond.acquire();
    cond.notify();
    cond.release();
    yield* sleep(0);
    assert.deepEqual(result, []);
    presult = true;
    yield* cond.acquire();
    cond.notify();
    cond.release();
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    assert.ok(t.done());
    assert.equal(t.result(), true);
  })());
});

Deno.test("Condition: waitFor unacquired", async () => {
  const cond = new Condition();
  await run((function* () {
    // A predicate true at once needs no lock.
    assert.deepEqual(yield* cond.waitFor(() => [1, 2, 3]), [1, 2, 3]);
    yield* rejects(cond.waitFor(() => false), Error, /un-acquired/);
  })());
});

Deno.test("Condition: notify wakes n, notify beyond the waiters is fine", async () => {
  const cond = new Condition();
  const result: number[] = [];
  function* c(n: number) {
    using _ = yield* cond.acquire();
    if (yield* cond.wait()) result.push(n);
    return true;
  }
  await run((function* () {
    const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
    yield* sleep(0);
    assert.deepEqual(result, []);
    {
      using _ = yield* cond.acquire();
      cond.notify(1);
    }
    yield* sleep(5);
    assert.deepEqual(result, [1]);
    {
      using _ = yield* cond.acquire();
      cond.notify(1);
      cond.notify(2048);
    }
    yield* sleep(5);
    assert.deepEqual(result, [1, 2, 3]);
    yield* gather(ts);
  })());
});

Deno.test("Condition: notifyAll", async () => {
  const cond = new Condition();
  const result: number[] = [];
  function* c(n: number) {
    using _ = yield* cond.acquire();
    if (yield* cond.wait()) result.push(n);
    return true;
  }
  await run((function* () {
    const ts = [createTask(c(1)), createTask(c(2))];
    yield* sleep(0);
    assert.deepEqual(result, []);
    {
      using _ = yield* cond.acquire();
      cond.notifyAll();
    }
    yield* sleep(5);
    assert.deepEqual(result, [1, 2]);
    yield* gather(ts);
  })());
});

Deno.test("Condition: notify and notifyAll unacquired", () => {
  const cond = new Condition();
  assert.throws(
    () => cond.notify(),
    /^Error: cannot notify on un-acquired lock$/,
  );
  assert.throws(() => cond.notifyAll(), /cannot notify on un-acquired lock/);
});

Deno.test("Condition: repr", async () => {
  const cond = new Condition();
  assert.equal(String(cond), "<Condition [unlocked]>");
  await run((function* () {
    yield* cond.acquire();
    assert.equal(String(cond), "<Condition [locked]>");
    const t = createTask((function* () {
      yield* cond.acquire();
      yield* cond.wait();
    })());
    cond.release();
    yield* sleep(0);
    yield* sleep(0);
    assert.equal(String(cond), "<Condition [unlocked, waiters:1]>");
    t.cancel();
    yield* expectCancelled(t);
  })());
});

Deno.test("Condition: explicit lock", async () => {
  await run((function* () {
    const lock = new Lock();
    const cond = new Condition(lock);
    assert.equal(cond._lock, lock);
    assert.ok(!lock.locked() && !cond.locked());
    {
      using _ = yield* cond.acquire();
      assert.ok(lock.locked() && cond.locked());
    }
    assert.ok(!lock.locked() && !cond.locked());
    {
      using _ = yield* lock.acquire();
      assert.ok(lock.locked() && cond.locked());
    }
    assert.ok(!lock.locked() && !cond.locked());
  })());
  assert.throws(() => new Condition({} as Lock), TypeError);
});

Deno.test("Condition: timeout in block retakes the lock", async () => {
  const cond = new Condition();
  await run((function* () {
    using _ = yield* cond.acquire();
    yield* rejects(waitFor(cond.wait(), 5), TimeoutError);
    assert.ok(cond.locked());
  })());
});

Deno.test("Condition: cancelled while waiting for the wake-up: same error", async () => {
  const cond = new Condition();
  let raised: unknown = null;
  await run((function* () {
    const task = createTask((function* () {
      using _ = yield* cond.acquire();
      try {
        yield* cond.waitFor(() => false);
      } catch (e) {
        raised = e;
        throw e;
      }
    })());
    yield* sleep(0);
    task.cancel("foo");
    const err = yield* expectCancelled(task);
    assert.equal(err.message, "foo");
    assert.equal(err, raised);
  })());
});

Deno.test("Condition: cancelled while re-taking the lock: same error", async () => {
  const cond = new Condition();
  let wake = false;
  let raised: unknown = null;
  await run((function* () {
    const task = createTask((function* () {
      using _ = yield* cond.acquire();
      try {
        yield* cond.waitFor(() => wake);
      } catch (e) {
        raised = e;
        throw e;
      }
    })());
    yield* sleep(0);
    yield* cond.acquire();
    wake = true;
    cond.notify();
    yield* sleep(0);
    // The task now waits to take the lock back: cancel it there.
    task.cancel("foo");
    cond.release();
    const err = yield* expectCancelled(task);
    assert.equal(err.message, "foo");
    assert.equal(err, raised);
  })());
});

function* consumerOf(cond: Condition, state: { n: number }) {
  using _ = yield* cond.acquire();
  for (;;) {
    yield* cond.waitFor(() => state.n !== 0);
    if (state.n < 0) return;
    state.n--;
  }
}

Deno.test("Condition: cancelled_wakeup: a notified-then-cancelled waiter passes it on", async () => {
  const cond = new Condition();
  const state = { n: 0 };
  await run((function* () {
    const c = [
      createTask(consumerOf(cond, state)),
      createTask(consumerOf(cond, state)),
    ];
    yield* sleep(0);
    {
      using _ = yield* cond.acquire();
      state.n++;
      cond.notify(1);
      c[0].cancel(); // cancelled before it could run
      try {
        yield* waitFor(cond.waitFor(() => state.n === 0), 10);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      assert.equal(state.n, 0, "the wake-up was not lost");
      state.n = -1;
      cond.notifyAll();
    }
    yield* c[1];
    assert.ok(c[0].cancelled());
  })());
});

Deno.test("Condition: cancelled_wakeup_relock: cancelled while re-taking the lock", async () => {
  const cond = new Condition();
  const state = { n: 0 };
  await run((function* () {
    const c = [
      createTask(consumerOf(cond, state)),
      createTask(consumerOf(cond, state)),
    ];
    yield* sleep(0);
    {
      using _ = yield* cond.acquire();
      state.n++;
      cond.notify(1);
      yield* sleep(0); // the target wakes and waits for the lock
      c[0].cancel();
      try {
        yield* waitFor(cond.waitFor(() => state.n === 0), 10);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      assert.equal(state.n, 0, "the wake-up was not lost");
      state.n = -1;
      cond.notifyAll();
    }
    yield* c[1];
  })());
});

// ---------------------------------------------------------------- Semaphore

Deno.test("Semaphore: initial value zero is locked", () => {
  assert.ok(new Semaphore(0).locked());
});

Deno.test("Semaphore: repr", async () => {
  const sem = new Semaphore();
  assert.equal(String(sem), "<Semaphore [unlocked, value:1]>");
  await run((function* () {
    yield* sem.acquire();
    assert.equal(String(sem), "<Semaphore [locked]>");
    const t = createTask(sem.acquire());
    yield* sleep(0);
    assert.equal(String(sem), "<Semaphore [locked, waiters:1]>");
    t.cancel();
    yield* expectCancelled(t);
  })());
  assert.equal(
    String(new BoundedSemaphore(2)),
    "<BoundedSemaphore [unlocked, value:2]>",
  );
});

Deno.test("Semaphore: acquire and release", async () => {
  const sem = new Semaphore();
  assert.equal(sem._value, 1);
  await run((function* () {
    assert.ok(yield* sem.acquire());
    assert.ok(sem.locked());
    assert.equal(sem._value, 0);
    sem.release();
    assert.ok(!sem.locked());
    assert.equal(sem._value, 1);
  })());
});

Deno.test("Semaphore: value checks", () => {
  assert.throws(() => new Semaphore(-1), {
    name: "RangeError",
    message: "Semaphore(): initial value must be >= 0, got -1",
  });
  assert.throws(() => new Semaphore("1" as unknown as number), TypeError);
});

Deno.test("Semaphore: acquire with racing tasks", async () => {
  const sem = new Semaphore(3);
  const result: number[] = [];
  function* c(n: number) {
    yield* sem.acquire();
    result.push(n);
    return true;
  }
  await run((function* () {
    yield* sem.acquire();
    yield* sem.acquire();
    assert.ok(!sem.locked());
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    const t3 = createTask(c(3));
    yield* sleep(0);
    assert.deepEqual(result, [1]);
    assert.ok(sem.locked());
    assert.equal(sem._waiters!.length, 2);
    assert.equal(sem._value, 0);
    const t4 = createTask(c(4));
    sem.release();
    sem.release();
    assert.equal(sem._value, 0);
    yield* sleep(0);
    assert.equal(sem._value, 0);
    assert.equal(result.length, 3);
    assert.ok(sem.locked());
    assert.equal(sem._waiters!.length, 1);
    assert.equal(t1.result(), true);
    const race = [t2, t3, t4];
    assert.equal(race.filter((t) => t.done() && t.result()).length, 2);
    sem.release();
    yield* gather(race);
  })());
});

Deno.test("Semaphore: acquire_cancel", async () => {
  const sem = new Semaphore();
  await run((function* () {
    yield* sem.acquire();
    const a = createTask(sem.acquire());
    getRunningLoop().callSoon(() => a.cancel());
    yield* expectCancelled(a);
    assert.ok(sem._waiters!.every((w) => w.done()));
  })());
});

Deno.test("Semaphore: acquire_cancel_before_awoken", async () => {
  const sem = new Semaphore(0);
  await run((function* () {
    const ts = [1, 2, 3, 4].map(() => createTask(sem.acquire()));
    yield* sleep(0);
    ts[0].cancel();
    ts[1].cancel();
    sem.release();
    yield* sleep(0);
    yield* sleep(0);
    assert.ok(ts[2].done());
    assert.ok(!ts[3].done());
    ts[2].cancel();
    ts[3].cancel();
    yield* sleep(0);
  })());
});

Deno.test("Semaphore: acquire_hang", async () => {
  const sem = new Semaphore(0);
  await run((function* () {
    const t1 = createTask(sem.acquire());
    const t2 = createTask(sem.acquire());
    yield* sleep(0);
    t1.cancel();
    sem.release();
    yield* sleep(0);
    yield* sleep(0);
    assert.ok(sem.locked());
    assert.ok(t2.done());
  })());
});

Deno.test("Semaphore: acquire_no_hang", async () => {
  const sem = new Semaphore(1);
  await run((function* () {
    const others: { t2?: Task<void> } = {};
    const t1 = createTask((function* () {
      {
        using _ = yield* sem.acquire();
        yield* sleep(0);
      }
      others.t2!.cancel();
    })());
    const t2 = others.t2 = createTask((function* () {
      using _ = yield* sem.acquire();
      assert.fail("must not get the semaphore");
    })());
    const [r1, r2] = (yield* gather([t1, t2], {
      returnExceptions: true,
    })) as unknown[];
    assert.equal(r1, undefined);
    assert.ok(r2 instanceof CancelledError);
    yield* waitFor(sem.acquire(), 1000);
  })());
});

Deno.test("BoundedSemaphore: released too many times", async () => {
  const sem = new BoundedSemaphore();
  assert.throws(() => sem.release(), {
    name: "Error",
    message: "BoundedSemaphore released too many times",
  });
  await run((function* () {
    yield* sem.acquire();
    sem.release();
  })());
  assert.throws(() => sem.release(), /released too many times/);
});

Deno.test("Semaphore: release with no waiters", async () => {
  const sem = new Semaphore();
  await run((function* () {
    yield* sem.acquire();
    assert.ok(sem.locked());
    sem.release();
    assert.ok(!sem.locked());
  })());
});

Deno.test("Semaphore: acquire_fifo_order", async () => {
  const sem = new Semaphore(1);
  const result: string[] = [];
  function* coro(tag: string) {
    yield* sem.acquire();
    result.push(`${tag}_1`);
    yield* sleep(1);
    sem.release();
    yield* sem.acquire();
    result.push(`${tag}_2`);
    yield* sleep(1);
    sem.release();
  }
  await run(taskGroup(function* (tg) {
    tg.createTask(coro("c1"));
    tg.createTask(coro("c2"));
    tg.createTask(coro("c3"));
  }));
  assert.deepEqual(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
});

Deno.test("Semaphore: acquire_fifo_order_2", async () => {
  const sem = new Semaphore(1);
  const result: number[] = [];
  await run((function* () {
    const t1 = createTask((function* () {
      yield* sem.acquire();
      result.push(1);
      return true;
    })());
    const t2 = createTask((function* () {
      yield* sem.acquire();
      result.push(2);
      sem.release();
      yield* sem.acquire();
      result.push(4);
      return true;
    })());
    const t3 = createTask((function* () {
      yield* sem.acquire();
      result.push(3);
      return true;
    })());
    yield* sleep(0);
    sem.release();
    sem.release();
    yield* gather([t1, t2, t3]);
  })());
  assert.deepEqual(result, [1, 2, 3, 4]);
});

Deno.test("Semaphore: acquire_fifo_order_3 (a cancelled waiter skipped)", async () => {
  const sem = new Semaphore(0);
  const result: number[] = [];
  function* c(n: number) {
    yield* sem.acquire();
    result.push(n);
    return true;
  }
  await run((function* () {
    const ts = [createTask(c(1)), createTask(c(2)), createTask(c(3))];
    yield* sleep(0);
    ts[0].cancel();
    yield* sleep(0);
    sem.release();
    sem.release();
    yield* gather(ts, { returnExceptions: true });
  })());
  assert.deepEqual(result, [2, 3]);
});

Deno.test("Semaphore: acquire_fifo_order_4 (a woken task wakes those queued behind)", async () => {
  const sem = new Semaphore(0);
  const result: number[] = [];
  await run((function* () {
    let t4: Task<boolean> | null = null;
    const t1 = createTask((function* () {
      assert.equal(sem._value, 0);
      yield* sem.acquire();
      assert.equal(sem._value, 0);
      t4 = createTask((function* () {
        result.push(4);
        return true;
      })());
      result.push(1);
      return true;
    })());
    const t2 = createTask((function* () {
      sem.release();
      sem.release();
      sem.release();
      assert.equal(sem._value, 2);
      assert.ok(sem.locked(), "locked: c1 has not woken up yet");
      yield* sem.acquire();
      result.push(2);
      return true;
    })());
    const t3 = createTask((function* () {
      yield* sem.acquire();
      assert.ok(sem.locked());
      result.push(3);
      return true;
    })());
    yield* sleep(0);
    assert.equal(sem._value, 2);
    assert.equal(sem._waiters!.length, 3);
    yield* sleep(0);
    yield* gather([t1, t2, t3, t4!]);
  })());
  assert.deepEqual(result, [1, 2, 3, 4]);
});

Deno.test("Semaphore: a slot given to a cancelled waiter goes to the next", async () => {
  const sem = new Semaphore(0);
  await run((function* () {
    const t1 = createTask(sem.acquire());
    const t2 = createTask(sem.acquire());
    yield* sleep(0);
    sem.release(); // wakes t1...
    t1.cancel(); // ...which is cancelled before it runs
    yield* expectCancelled(t1);
    yield* t2;
    assert.equal(sem._value, 0);
  })());
});

// ---------------------------------------------------------------- Barrier

const N = 5;

function* gatherTasks<T>(n: number, coro: () => Coroutine<T>) {
  const tasks = Array.from({ length: n }, () => createTask(coro()));
  const res = yield* gather(tasks);
  return { res, tasks };
}

Deno.test("Barrier: repr through its states", async () => {
  const barrier = new Barrier(N);
  assert.equal(String(barrier), `<Barrier [filling, waiters:0/${N}]>`);
  await run((function* () {
    const waiters: Task<unknown>[] = [];
    const incr = 2;
    for (let i = 0; i < incr; i++) waiters.push(createTask(barrier.wait()));
    yield* sleep(0);
    assert.ok(String(barrier).includes(`waiters:${incr}/${N}`));
    assert.ok(String(barrier).includes("filling"));
    for (let i = barrier.nWaiting; i < barrier.parties; i++) {
      waiters.push(createTask(barrier.wait()));
    }
    yield* sleep(0);
    assert.ok(String(barrier).includes("draining"));
    for (let i = 0; i < incr; i++) waiters.push(createTask(barrier.wait()));
    yield* sleep(0);
    yield* barrier.reset();
    assert.ok(String(barrier).includes("resetting"));
    for (let i = 0; i < incr; i++) waiters.push(createTask(barrier.wait()));
    yield* sleep(0);
    yield* barrier.abort();
    assert.equal(String(barrier), "<Barrier [broken]>");
    assert.ok(barrier.broken);
    yield* gather(waiters, { returnExceptions: true });
  })());
});

Deno.test("Barrier: parties", () => {
  assert.throws(() => new Barrier(0), {
    name: "RangeError",
    message: "Barrier(): parties must be > 0, got 0",
  });
  assert.throws(() => new Barrier(-10), RangeError);
  assert.equal(new Barrier(N).parties, N);
});

Deno.test("Barrier: is not awaitable", () => {
  const barrier = new Barrier(N) as unknown as Record<symbol, unknown>;
  assert.equal(barrier[Symbol.iterator], undefined);
});

Deno.test("Barrier: filling one task, twice", async () => {
  const barrier = new Barrier(1);
  await run((function* () {
    assert.equal(yield* barrier.wait(), 0);
    assert.equal(yield* barrier.wait(), 0);
  })());
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

Deno.test("Barrier: filling task by task", async () => {
  const barrier = new Barrier(3);
  await run((function* () {
    const t1 = createTask(barrier.wait());
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 1);
    assert.ok(String(barrier).includes("filling"));
    const t2 = createTask(barrier.wait());
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 2);
    const t3 = createTask(barrier.wait());
    yield* sleep(0);
    assert.deepEqual(yield* gather([t1, t2, t3]), [0, 1, 2]);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  })());
});

Deno.test("Barrier: filling tasks, wait twice", async () => {
  const barrier = new Barrier(N);
  const results: boolean[] = [];
  await run((function* () {
    yield* gatherTasks(N, function* () {
      yield* barrier.wait();
      results.push(true);
      yield* barrier.wait();
      results.push(false);
    });
  })());
  assert.equal(results.length, N * 2);
  assert.equal(results.filter((x) => x).length, N);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

Deno.test("Barrier: return values are the arrival indexes", async () => {
  const barrier = new Barrier(N);
  const { res } = await run(gatherTasks(N, function* () {
    yield* barrier.wait();
    return yield* barrier.wait();
  }));
  assert.deepEqual([...res].sort(), [0, 1, 2, 3, 4]);
  assert.equal(barrier.nWaiting, 0);
});

Deno.test("Barrier: draining state seen by all but the last out", async () => {
  const barrier = new Barrier(N);
  const results: boolean[] = [];
  await run(gatherTasks(N, function* () {
    yield* barrier.wait();
    results.push(String(barrier).includes("draining"));
  }));
  assert.equal(results.length, N);
  assert.equal(results[N - 1], false);
  assert.ok(results.slice(0, N - 1).every((x) => x));
});

Deno.test("Barrier: blocking tasks while draining", async () => {
  const rewait = 2;
  const barrier = new Barrier(N);
  const barrierNowaiting = new Barrier(N - rewait);
  let rewaitN = rewait;
  await run(gatherTasks(N, function* () {
    yield* barrier.wait();
    if (rewaitN > 0) {
      rewaitN--;
      yield* barrier.wait();
    } else {
      yield* barrierNowaiting.wait();
      yield* barrier.wait();
    }
  }));
  assert.equal(barrier.nWaiting, 0);
});

Deno.test("Barrier: filling tasks, cancel one", async () => {
  const barrier = new Barrier(3);
  const results: boolean[] = [];
  function* coro() {
    yield* barrier.wait();
    results.push(true);
  }
  await run((function* () {
    const t1 = createTask(coro());
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 1);
    const t2 = createTask(coro());
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 2);
    t1.cancel();
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 1);
    yield* expectCancelled(t1);
    const t3 = createTask(coro());
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 2);
    const t4 = createTask(coro());
    yield* gather([t2, t3, t4]);
  })());
  assert.equal(results.length, 3);
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

Deno.test("Barrier: reset with nobody waiting", async () => {
  const barrier = new Barrier(1);
  await run((function* () {
    createTask(barrier.reset());
    yield* sleep(0);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  })());
});

Deno.test("Barrier: reset while tasks wait breaks them", async () => {
  const barrier = new Barrier(N);
  const results: boolean[] = [];
  await run((function* () {
    const tasks = Array.from({ length: N - 1 }, () =>
      createTask((function* () {
        try {
          yield* barrier.wait();
        } catch (e) {
          if (e instanceof BrokenBarrierError) results.push(true);
          else throw e;
        }
      })()));
    yield* sleep(0);
    createTask(barrier.reset());
    yield* gather(tasks);
  })());
  assert.equal(results.length, N - 1);
  assert.equal(barrier.nWaiting, 0);
  assert.ok(!String(barrier).includes("resetting"));
  assert.equal(barrier.broken, false);
});

Deno.test("Barrier: abort", async () => {
  const barrier = new Barrier(N);
  const results1: boolean[] = [];
  const results2: boolean[] = [];
  await run(gatherTasks(N, function* () {
    try {
      const i = yield* barrier.wait();
      if (i === Math.floor(N / 2)) throw new RangeError();
      yield* barrier.wait();
      results1.push(true);
    } catch (e) {
      if (e instanceof BrokenBarrierError) results2.push(true);
      else if (e instanceof RangeError) yield* barrier.abort();
      else throw e;
    }
  }));
  assert.equal(results1.length, 0);
  assert.equal(results2.length, N - 1);
  assert.ok(barrier.broken);
  // A barrier is bound to the loop that used it first.
  await assert.rejects(
    run(barrier.wait()),
    /is bound to a different event loop/,
  );
});

Deno.test("Barrier: waiting on a broken barrier", async () => {
  const barrier = new Barrier(2);
  await run((function* () {
    yield* barrier.abort();
    yield* rejects(barrier.wait(), BrokenBarrierError, /^Barrier aborted$/);
    yield* barrier.reset();
    assert.equal(barrier.broken, false);
    const r = yield* gather([
      createTask(barrier.wait()),
      createTask(barrier.wait()),
    ]);
    assert.deepEqual(r, [0, 1]);
  })());
});

Deno.test("Barrier: abort and reset", async () => {
  const barrier = new Barrier(N);
  const barrier2 = new Barrier(N);
  const results1: boolean[] = [];
  const results2: boolean[] = [];
  const results3: boolean[] = [];
  await run(gatherTasks(N, function* () {
    try {
      const i = yield* barrier.wait();
      if (i === Math.floor(N / 2)) throw new RangeError();
      yield* barrier.wait();
      results1.push(true);
    } catch (e) {
      if (e instanceof BrokenBarrierError) results2.push(true);
      else if (e instanceof RangeError) yield* barrier.abort();
      else throw e;
    }
    // Everybody leaves before the reset, nobody enters before it.
    const i = yield* barrier2.wait();
    if (i === Math.floor(N / 2)) yield* barrier.reset();
    yield* barrier2.wait();
    yield* barrier.wait();
    results3.push(true);
  }));
  assert.equal(results1.length, 0);
  assert.equal(results2.length, N - 1);
  assert.equal(results3.length, N);
});
