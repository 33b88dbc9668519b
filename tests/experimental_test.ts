// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
// Ports of asynkit's tests/experimental/test_interrupt.py and
// test_priority.py (v0.20.0), with their orderings.
import assert from "node:assert/strict";
import {
  BoundedSemaphore,
  CancelledError,
  Condition,
  type Coroutine,
  createTask,
  currentTask,
  Event,
  type ExceptionContext,
  getRunningLoop,
  Lock,
  Queue,
  run,
  Semaphore,
  sleep,
  TimeoutError,
} from "../mod.ts";
import {
  InterruptException,
  PosPriorityQueue,
  Priority,
  PriorityCondition,
  PriorityEventLoop,
  PriorityLock,
  PriorityTask,
  taskInterrupt,
  taskThrow,
  taskTimeout,
  TimeoutInterrupt,
} from "../experimental.ts";
import { taskIsBlocked, taskIsRunnable } from "../scheduling.ts";
import { catching } from "./_util.ts";

class ZeroDivisionError extends Error {}

const isZDE = (e: unknown) => e instanceof ZeroDivisionError;

// ---- TestThrow ----------------------------------------------------------------

Deno.test("taskThrow: into a task waiting on an event", async () => {
  await run((function* () {
    const e = new Event();
    const w = new Event();
    let state = "starting";
    const task = createTask((function* () {
      assert.equal(state, "starting");
      state = "waiting";
      w.set();
      assert.ok(isZDE(yield* catching(e.wait())));
      assert.equal(state, "interrupting");
      state = "interrupted";
    })());
    yield* w.wait();
    assert.equal(state, "waiting");
    taskThrow(task, new ZeroDivisionError());
    assert.ok(taskIsRunnable(task));
    assert.ok(!taskIsBlocked(task));
    state = "interrupting";
    yield* task;
    assert.equal(state, "interrupted");
    assert.ok(task.done());
  })());
});

Deno.test("taskThrow: the step goes to the end of the ready queue", async () => {
  await run((function* () {
    const e = new Event();
    const w = new Event();
    let state = "starting";
    const task = createTask((function* () {
      state = "waiting";
      w.set();
      assert.ok(isZDE(yield* catching(e.wait())));
      assert.equal(state, "task2"); // the other task ran first
      state = "interrupted";
    })());
    yield* w.wait();
    const task2 = createTask((function* () {
      assert.equal(state, "interrupting");
      state = "task2";
    })());
    taskThrow(task, new ZeroDivisionError());
    assert.ok(taskIsRunnable(task));
    state = "interrupting";
    yield* task;
    assert.equal(state, "interrupted");
    yield* task2;
  })());
});

Deno.test("taskThrow: a non-Error is a TypeError", async () => {
  await run((function* () {
    const task = createTask(sleep(0));
    assert.throws(
      () => taskThrow(task, 1 as never),
      (e) => e instanceof TypeError && /deriving from Error/.test(e.message),
    );
    assert.throws(() => taskThrow({} as never, new Error()), TypeError);
    yield* task;
  })());
});

// ---- TestInterrupt ------------------------------------------------------------

for (const interrupt of [true, false]) {
  Deno.test(`taskInterrupt[${interrupt}]: a task waiting on an event`, async () => {
    await run((function* () {
      const e = new Event();
      const w = new Event();
      let state = "starting";
      const task = createTask((function* () {
        state = "waiting";
        w.set();
        if (interrupt) {
          assert.ok(isZDE(yield* catching(e.wait())));
          assert.equal(state, "interrupting");
          state = "interrupted";
        } else {
          yield* e.wait();
          assert.equal(state, "waking");
          state = "waited";
        }
      })());
      yield* w.wait();
      assert.equal(state, "waiting");
      assert.ok(!taskIsRunnable(task));
      if (interrupt) {
        state = "interrupting";
        yield* taskInterrupt(task, new ZeroDivisionError());
        assert.equal(state, "interrupted");
        e.set();
      } else {
        state = "waking";
        e.set();
        assert.ok(taskIsRunnable(task));
        yield* task;
        assert.equal(state, "waited");
      }
      assert.ok(task.done());
      yield* task;
    })());
  });

  Deno.test(`taskInterrupt[${interrupt}]: the interrupted task runs before any other`, async () => {
    await run((function* () {
      const e = new Event();
      const w = new Event();
      let state = "starting";
      const task = createTask((function* () {
        state = "waiting";
        w.set();
        if (interrupt) {
          assert.ok(isZDE(yield* catching(e.wait())));
          assert.equal(state, "interrupting");
          state = "interrupted";
        } else {
          yield* e.wait();
          assert.equal(state, "task2");
          state = "waited";
        }
      })());
      yield* w.wait();
      assert.equal(state, "waiting");
      const task2 = createTask((function* () {
        assert.equal(state, interrupt ? "interrupted" : "waking");
        state = "task2";
      })());
      assert.ok(!taskIsRunnable(task));
      assert.ok(taskIsRunnable(task2));
      if (interrupt) {
        state = "interrupting";
        yield* taskInterrupt(task, new ZeroDivisionError());
        assert.equal(state, "task2");
        e.set();
      } else {
        state = "waking";
        e.set();
        assert.ok(taskIsRunnable(task));
        yield* sleep(0);
        assert.equal(state, "waited");
      }
      assert.ok(task.done());
      assert.ok(task2.done());
    })());
  });
}

Deno.test("taskInterrupt: a sleeping task; the timer has no side effect", async () => {
  await run((function* () {
    const w = new Event();
    let state = "starting";
    const task = createTask((function* () {
      state = "waiting";
      w.set();
      assert.ok(isZDE(yield* catching(sleep(10))));
      assert.equal(state, "interrupting");
      state = "interrupted";
    })());
    yield* w.wait();
    state = "interrupting";
    yield* taskInterrupt(task, new ZeroDivisionError());
    assert.equal(state, "interrupted");
    yield* sleep(20);
    yield* task;
  })());
});

Deno.test("taskInterrupt: a task in sleep(0)", async () => {
  await run((function* () {
    let state = "starting";
    const task = createTask((function* () {
      state = "waiting";
      assert.ok(isZDE(yield* catching(sleep(0))));
      assert.equal(state, "interrupting");
      state = "interrupted";
    })());
    yield* sleep(0);
    assert.equal(state, "waiting");
    state = "interrupting";
    yield* taskInterrupt(task, new ZeroDivisionError());
    assert.equal(state, "interrupted");
    yield* sleep(20);
    yield* task;
  })());
});

Deno.test("taskInterrupt: a task that is runnable already", async () => {
  await run((function* () {
    const e = new Event();
    const w = new Event();
    let state = "starting";
    const task = createTask((function* () {
      state = "waiting";
      w.set();
      assert.ok(isZDE(yield* catching(e.wait())));
      assert.equal(state, "interrupting");
      state = "interrupted";
    })());
    yield* w.wait();
    const task2 = createTask((function* () {
      assert.equal(state, "interrupted");
      state = "done";
    })());
    e.set(); // task is now at the end of the ready queue
    assert.ok(taskIsRunnable(task));
    assert.ok(taskIsRunnable(task2));
    state = "interrupting";
    yield* taskInterrupt(task, new ZeroDivisionError());
    assert.equal(state, "done");
    assert.ok(task.done());
    assert.ok(task2.done());
  })());
});

Deno.test("taskInterrupt: a task awaiting another task leaves it alone", async () => {
  await run((function* () {
    const w = new Event();
    const task1 = createTask((function* () {
      yield* sleep(100);
      return "ok";
    })());
    const task2 = createTask((function* () {
      w.set();
      assert.ok(isZDE(yield* catching(task1)));
    })());
    yield* w.wait();
    assert.ok(taskIsBlocked(task2));
    yield* taskInterrupt(task2, new ZeroDivisionError());
    assert.ok(task2.done());
    assert.ok(taskIsBlocked(task1));
    task1.cancel();
  })());
});

Deno.test("taskInterrupt: self, done, cancelled", async () => {
  await run((function* () {
    const me = currentTask()!;
    let e = yield* catching(taskInterrupt(me, new ZeroDivisionError()));
    assert.match((e as Error).message, /^cannot interrupt self$/);

    const done = createTask(sleep(0));
    yield* sleep(0);
    yield* sleep(0);
    assert.ok(done.done());
    e = yield* catching(taskInterrupt(done, new ZeroDivisionError()));
    assert.equal((e as Error).message, "cannot interrupt task which is done");

    // Blocked, then cancelled: the awaited future is cancelled.
    const ev = new Event();
    const t = createTask((function* () {
      yield* ev.wait();
    })());
    yield* sleep(0);
    assert.ok(taskIsBlocked(t));
    t.cancel();
    assert.ok(taskIsRunnable(t));
    e = yield* catching(taskInterrupt(t, new ZeroDivisionError()));
    assert.equal((e as Error).message, "cannot interrupt a cancelled task");
    assert.ok((yield* catching(t)) instanceof CancelledError);

    // Runnable after sleep(0), then cancelled: a cancel is pending.
    const r = createTask(sleep(0));
    yield* sleep(0);
    assert.ok(taskIsRunnable(r));
    r.cancel();
    e = yield* catching(taskInterrupt(r, new ZeroDivisionError()));
    assert.equal((e as Error).message, "cannot interrupt a cancelled task");
    assert.ok((yield* catching(r)) instanceof CancelledError);
  })());
});

Deno.test("taskInterrupt: a task that has not started", async () => {
  await run((function* () {
    let ran = false;
    const task = createTask((function* () {
      ran = true;
    })());
    assert.ok(!task.done());
    yield* taskInterrupt(task, new ZeroDivisionError());
    assert.ok(isZDE(yield* catching(task)));
    assert.equal(ran, false);
  })());
});

Deno.test("taskInterrupt: a woken queue getter retries and gets the item", async () => {
  await run((function* () {
    const w = new Event();
    const q = new Queue<number>();
    const t = createTask((function* () {
      w.set();
      assert.ok(isZDE(yield* catching(q.get())));
      return yield* q.get(); // retry
    })());
    yield* w.wait();
    assert.ok(taskIsBlocked(t));
    q.putNowait(1);
    assert.ok(taskIsRunnable(t));
    yield* taskInterrupt(t, new ZeroDivisionError());
    assert.equal(yield* t, 1);
  })());
});

// The lock kinds test_interrupt.py runs on.
const lockTypes: [string, () => Lock][] = [
  ["Lock", () => new Lock()],
  ["PriorityLock", () => new PriorityLock()],
];
const conditionTypes: [string, () => Condition][] = [
  ["Condition", () => new Condition()],
  ["PriorityCondition", () => new PriorityCondition()],
];

for (const [name, make] of lockTypes) {
  Deno.test(`taskInterrupt: a lock acquire woken by release [${name}]`, async () => {
    await run((function* () {
      const lock = make();
      function* func(): Coroutine<number> {
        try {
          yield* lock.acquire();
        } catch (e) {
          if (e instanceof InterruptException) return 0;
          throw e;
        }
        lock.release();
        return 1;
      }
      yield* lock.acquire();
      const task1 = createTask(func());
      const task2 = createTask(func());
      yield* sleep(0);
      lock.release();
      assert.ok(taskIsRunnable(task1));
      assert.ok(taskIsBlocked(task2));
      yield* taskInterrupt(task1, new InterruptException());
      assert.equal(yield* task1, 0);
      // task2 got the lock instead of the interrupted task1.
      assert.ok(taskIsRunnable(task2));
      assert.equal(yield* task2, 1);
    })());
  });
}

for (const Kind of [Semaphore, BoundedSemaphore]) {
  Deno.test(`taskInterrupt: a ${Kind.name} acquire woken by release`, async () => {
    await run((function* () {
      const sem = new Kind();
      function* func(): Coroutine<number> {
        try {
          yield* sem.acquire();
        } catch (e) {
          if (e instanceof InterruptException) return 0;
          throw e;
        }
        sem.release();
        return 1;
      }
      yield* sem.acquire();
      const task1 = createTask(func());
      const task2 = createTask(func());
      yield* sleep(0);
      sem.release();
      assert.ok(taskIsRunnable(task1));
      assert.ok(taskIsBlocked(task2));
      yield* taskInterrupt(task1, new InterruptException());
      assert.equal(yield* task1, 0);
      assert.ok(taskIsRunnable(task2));
      assert.equal(yield* task2, 1);
    })());
  });
}

for (const [name, make] of conditionTypes) {
  Deno.test(`taskInterrupt: a condition wait re-acquiring its lock [${name}]`, async () => {
    await run((function* () {
      const cond = make();
      let wake = false;
      const task1 = createTask((function* () {
        {
          using _ = yield* cond.acquire();
          const e = yield* catching(cond.waitFor(() => wake));
          assert.ok(e instanceof InterruptException);
          assert.ok(cond.locked()); // the lock was taken back
        }
        return null;
      })());
      yield* sleep(0);
      yield* cond.acquire();
      wake = true;
      cond.notify();
      yield* sleep(0);
      // task1 now tries to take the lock back.
      cond.release();
      yield* taskInterrupt(task1, new InterruptException());
      assert.equal(yield* task1, null);
    })());
  });
}

// ---- TestTimeout --------------------------------------------------------------

for (const ms of [0, 5, -1]) {
  Deno.test(`taskTimeout(${ms}): a sleep times out`, async () => {
    await run((function* () {
      const task = createTask((function* () {
        const e = yield* catching(taskTimeout(ms, function* () {
          yield* sleep(100);
        }));
        assert.ok(e instanceof TimeoutError);
        assert.ok((e as Error).cause instanceof TimeoutInterrupt);
      })());
      yield* task;
    })());
  });
}

Deno.test("taskTimeout(0): no wait, no timeout", async () => {
  await run((function* () {
    assert.equal(
      yield* taskTimeout(0, function* () {
        return 1;
      }),
      1,
    );
    yield* sleep(1); // the timer was cancelled: nothing fires
  })());
});

Deno.test("taskTimeout: awaiting a task leaves the task running", async () => {
  await run((function* () {
    const t = createTask(
      (function* () {
        yield* sleep(50);
        return "ok";
      })(),
      { name: "task1" },
    );
    const e = yield* catching(taskTimeout(5, function* () {
      yield* t;
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(taskIsBlocked(t));
    assert.equal(yield* t, "ok");
  })());
});

Deno.test("taskTimeout: an outer timeout passes through an inner one", async () => {
  await run((function* () {
    function* inner(): Coroutine<void> {
      try {
        yield* taskTimeout(100, function* () {
          yield* sleep(200);
        });
      } catch (e) {
        assert.ok(!(e instanceof TimeoutError));
        assert.ok(e instanceof TimeoutInterrupt);
        throw e;
      }
      assert.fail("should not get here");
    }
    const e = yield* catching(taskTimeout(5, inner));
    assert.ok(e instanceof TimeoutError);
  })());
});

Deno.test("taskTimeout(null): no timeout", async () => {
  await run((function* () {
    assert.equal(
      yield* taskTimeout(null, function* () {
        yield* sleep(5);
        return "slept";
      }),
      "slept",
    );
  })());
});

Deno.test("taskTimeout: bad arguments, and outside a task", () => {
  assert.throws(
    () => taskTimeout("1" as never, function* () {}),
    /taskTimeout\(\) expects a delay/,
  );
  assert.throws(() => taskTimeout(NaN, function* () {}), RangeError);
  assert.throws(() => taskTimeout(1, 1 as never), /expects a body function/);
  // Stepped by hand, with no task running.
  assert.throws(
    () => taskTimeout(1, function* () {}).next(),
    /no running event loop/,
  );
});

Deno.test("taskTimeout: a body that keeps swallowing the interrupt is reported", async () => {
  const seen: ExceptionContext[] = [];
  await run((function* () {
    getRunningLoop().setExceptionHandler((_l, ctx) => seen.push(ctx));
    let caught = 0;
    yield* taskTimeout(1, function* () {
      for (let i = 0; i < 5; i++) {
        try {
          yield* sleep(20);
        } catch (e) {
          if (e instanceof TimeoutInterrupt) caught++;
          else throw e;
        }
      }
    });
    // asynkit's interruptor delivers up to three times while the block runs.
    assert.equal(caught, 3);
  })());
  assert.deepEqual(seen, []);
});
