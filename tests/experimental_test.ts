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
  Task,
  TimeoutError,
} from "../mod.ts";
import {
  InterruptException,
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
import { coroEager } from "../eager.ts";
import { PosPriorityQueue } from "../_priority.ts";
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
    /taskTimeout\(\): ms must be a delay/,
  );
  assert.throws(() => taskTimeout(NaN, function* () {}), RangeError);
  assert.throws(
    () => taskTimeout(1, 1 as never),
    /taskTimeout\(\): body must be a function/,
  );
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

// ---- test_priority.py -----------------------------------------------------------

/** A repeatable shuffle (asynkit's tests use random.shuffle). */
function shuffled<T>(xs: T[], seed = 7): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const range = (n: number) => [...Array(n).keys()];

/** Runs `body` on a fresh PriorityEventLoop. */
function runPriority<T>(body: Coroutine<T>): Promise<T> {
  return run(body, { loopFactory: () => new PriorityEventLoop() });
}

/** One task per value: PriorityTasks at that priority, or plain tasks. */
function spawnAll(
  values: number[],
  priorityTasks: boolean,
  body: (i: number) => Coroutine<void>,
): Task<void>[] {
  return values.map((i) =>
    priorityTasks
      ? new PriorityTask(body(i), { priority: i })
      : createTask(body(i))
  );
}

Deno.test("Priority: LOW 10, NORMAL 0, HIGH -10", () => {
  assert.deepEqual({ ...Priority }, { LOW: 10, NORMAL: 0, HIGH: -10 });
});

Deno.test("PriorityLock: takes the priority of its waiting tasks", async () => {
  await run((function* () {
    const lock = new PriorityLock();
    function* doSomething(): Coroutine<void> {
      yield* lock.acquire();
      yield* sleep(10);
      lock.release();
    }
    let tasks;
    {
      using _ = yield* lock.acquire();
      assert.equal(lock.effectivePriority(), undefined);
      const task1 = createTask(doSomething());
      yield* sleep(0);
      assert.equal(lock.effectivePriority(), 0);
      const task2 = new PriorityTask(doSomething());
      task2.priorityValue = -1;
      yield* sleep(0);
      assert.equal(lock.effectivePriority(), -1);
      const task3 = new PriorityTask(doSomething());
      task3.priorityValue = -2;
      yield* sleep(0);
      assert.equal(lock.effectivePriority(), -2);
      const task4 = new PriorityTask(doSomething());
      task4.priorityValue = 2;
      yield* sleep(0);
      assert.equal(lock.effectivePriority(), -2);
      tasks = [task1, task2, task3, task4];
    }
    for (const t of tasks) yield* t;
    assert.equal(lock.effectivePriority(), undefined);
  })());
});

for (const priorityTasks of [true, false]) {
  Deno.test(`PriorityLock: waiters acquire by priority [${priorityTasks ? "PriorityTask" : "Task"}]`, async () => {
    await run((function* () {
      const lock = new PriorityLock();
      const results: number[] = [];
      function* doit(i: number): Coroutine<void> {
        using _ = yield* lock.acquire();
        results.push(i);
      }
      const values = shuffled(range(20));
      let tasks;
      {
        using _ = yield* lock.acquire();
        tasks = spawnAll(values, priorityTasks, doit);
        yield* sleep(1);
        assert.deepEqual(results, []);
      }
      for (const t of tasks) yield* t;
      assert.deepEqual(results, priorityTasks ? range(20) : values);
    })());
  });
}

Deno.test("PriorityLock: cancelled waiters drop out", async () => {
  await run((function* () {
    const lock = new PriorityLock();
    const results: number[] = [];
    function* doit(i: number): Coroutine<void> {
      try {
        using _ = yield* lock.acquire();
        results.push(i);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
    const values = shuffled(range(20), 3);
    const tasks = [];
    let i = 0, j = 0;
    {
      using _ = yield* lock.acquire();
      for (const v of values) {
        tasks.push([new PriorityTask(doit(v), { priority: v }), v] as const);
      }
      yield* sleep(1);
      assert.deepEqual(results, []);
      const [task1, a] = tasks[8];
      const [task2, b] = tasks[12];
      i = a;
      j = b;
      task1.cancel();
      yield* sleep(1);
      task2.cancel();
    }
    for (const [t] of tasks) yield* t;
    assert.deepEqual(results, range(20).filter((x) => x !== i && x !== j));
  })());
});

for (const priorityTasks of [true, false]) {
  for (
    const [lockName, makeLock] of [["PriorityLock", () => new PriorityLock()], [
      "Lock",
      () => new Lock(),
    ]] as const
  ) {
    Deno.test(`PriorityCondition: notified by priority [${priorityTasks ? "PriorityTask" : "Task"}, ${lockName}]`, async () => {
      await run((function* () {
        const cond = new PriorityCondition(makeLock());
        const results: number[] = [];
        let wake = false;
        function* doit(i: number): Coroutine<void> {
          using _ = yield* cond.acquire();
          yield* cond.waitFor(() => wake);
          results.push(i);
          cond.notify(1);
        }
        const values = shuffled(range(20), 11);
        const tasks = spawnAll(values, priorityTasks, doit);
        yield* sleep(1);
        assert.deepEqual(results, []);
        {
          using _ = yield* cond.acquire();
          wake = true;
          cond.notify(1);
        }
        for (const t of tasks) yield* t;
        assert.deepEqual(results, priorityTasks ? range(20) : values);
      })());
    });
  }
}

Deno.test("PriorityCondition: a cancelled waiter drops out", async () => {
  await run((function* () {
    const cond = new PriorityCondition();
    const results: number[] = [];
    let wake = false;
    function* doit(i: number): Coroutine<void> {
      try {
        using _ = yield* cond.acquire();
        yield* cond.waitFor(() => wake);
        results.push(i);
        cond.notify(1);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
    const values = shuffled(range(20), 5);
    const tasks = values.map((v) =>
      [new PriorityTask(doit(v), { priority: v }), v] as const
    );
    yield* sleep(1);
    assert.deepEqual(results, []);
    const [task, i] = tasks[10];
    {
      using _ = yield* cond.acquire();
      task.cancel();
      wake = true;
      cond.notify();
    }
    for (const [t] of tasks) yield* t;
    assert.deepEqual(results, range(20).filter((x) => x !== i));
  })());
});

Deno.test("PriorityTask: inherits the priority of the tasks waiting on its lock", async () => {
  await run((function* () {
    const lock = new PriorityLock();
    function* doSomething(): Coroutine<void> {
      yield* lock.acquire();
      yield* sleep(10);
      lock.release();
    }
    const task = new PriorityTask(
      (function* () {
        const me = currentTask() as PriorityTask<void>;
        assert.equal(me.effectivePriority(), 1);
        let tasks;
        {
          using _ = yield* lock.acquire();
          assert.equal(lock.effectivePriority(), undefined);
          const task1 = createTask(doSomething());
          yield* sleep(0);
          assert.equal(lock.effectivePriority(), 0);
          assert.equal(me.effectivePriority(), 0);
          const task2 = new PriorityTask(doSomething());
          task2.priorityValue = -1;
          yield* sleep(0);
          assert.equal(lock.effectivePriority(), -1);
          assert.equal(me.effectivePriority(), -1);
          const task3 = new PriorityTask(doSomething());
          task3.priorityValue = -2;
          yield* sleep(0);
          assert.equal(me.effectivePriority(), -2);
          const task4 = new PriorityTask(doSomething());
          task4.priorityValue = 2;
          yield* sleep(0);
          assert.equal(lock.effectivePriority(), -2);
          assert.equal(me.effectivePriority(), -2);
          tasks = [task1, task2, task3, task4];
        }
        for (const t of tasks) yield* t;
        assert.equal(lock.effectivePriority(), undefined);
        assert.equal(me.effectivePriority(), 1);
        assert.equal(me.priority(), 1);
      })(),
      { priority: 1 },
    );
    yield* task;
  })());
});

Deno.test("PriorityTask: a runnable holder is placed again when a more urgent task waits", async () => {
  const log: string[] = [];
  await runPriority((function* () {
    yield* new PriorityTask(
      (function* () {
        const lock = new PriorityLock();
        const held = new Event();
        const go = new Event();
        const holder = new PriorityTask(
          (function* () {
            using _ = yield* lock.acquire();
            held.set();
            yield* sleep(0); // runnable at 5, holding the lock
            log.push("holder");
          })(),
          { priority: 5 },
        );
        const other = new PriorityTask(
          (function* () {
            yield* go.wait();
            log.push("other");
          })(),
          { priority: 1 },
        );
        yield* held.wait();
        go.set(); // other is runnable at 1, ahead of holder at 5
        const urgent = new PriorityTask(
          (function* () {
            using _ = yield* lock.acquire();
            log.push("urgent");
          })(),
          { priority: -5 },
        );
        for (const t of [holder, other, urgent]) yield* t;
      })(),
      { priority: Priority.HIGH },
    );
  })());
  // Without inheritance "other" (1) would run before "holder" (5).
  assert.deepEqual(log, ["holder", "urgent", "other"]);
});

// ---- TestPosPriorityQueue ------------------------------------------------------

class Obj {
  constructor(public priority: number) {}
}
const key = (o: Obj) => o.priority;

Deno.test("PosPriorityQueue: append, appendPri, FIFO, iteration", () => {
  const q = new PosPriorityQueue(key);
  const [o1, o2, o3] = [new Obj(1), new Obj(2), new Obj(3)];
  for (let r = 0; r < 5; r++) {
    for (const o of shuffled([o1, o2, o3], r + 1)) q.append(o);
    assert.equal(q.length, 3);
    assert.deepEqual([...q], [o1, o2, o3]);
    assert.equal(q.popleft(), o1);
    assert.equal(q.popleft(), o2);
    assert.equal(q.popleft(), o3);
    assert.throws(() => q.popleft(), RangeError);
  }
  for (const [i, o] of shuffled([[0, o3], [1, o2], [2, o1]] as const)) {
    q.appendPri(o, i);
  }
  assert.deepEqual([q.popleft(), q.popleft(), q.popleft()], [o3, o2, o1]);
  const [a1, a2, a3] = [new Obj(1), new Obj(2), new Obj(3)];
  for (const o of shuffled([o1, o2, o3], 9)) q.append(o);
  for (const o of shuffled([a1, a2, a3], 4)) q.append(o);
  assert.deepEqual([...q], [o1, a1, o2, a2, o3, a3]);
});

Deno.test("PosPriorityQueue: insert at positions, once and twice", () => {
  const q = new PosPriorityQueue(key);
  const objs = [1, 2, 3].map((p) => new Obj(p));
  const [o4, o5] = [new Obj(4), new Obj(5)];
  for (let pos = 0; pos < 5; pos++) {
    for (let pos2 = 0; pos2 < 6; pos2++) {
      for (const o of shuffled(objs, pos * 7 + pos2)) q.append(o);
      q.insert(pos, o4);
      q.insert(pos2, o5);
      const expected = [...objs];
      expected.splice(pos, 0, o4);
      expected.splice(pos2, 0, o5);
      assert.deepEqual([...q], expected);
      q.clear();
    }
  }
});

Deno.test("PosPriorityQueue: find and remove", () => {
  const q = new PosPriorityQueue(key);
  const objs = [1, 2, 3, 4].map((p) => new Obj(p));
  const all = [...objs, ...[1, 2, 3, 4].map((p) => new Obj(p))];
  for (const o of shuffled(all)) q.append(o);
  const is = (o: Obj) => (k: Obj) => k === o;
  assert.equal(q.find(is(objs[0])), objs[0]);
  assert.equal(q.find(is(objs[2]), true), objs[2]);
  assert.equal(q.find(is(objs[2]), true), undefined);
  const p5 = new Obj(5);
  q.insert(1, p5);
  assert.deepEqual([...q].slice(0, 2).map(key), [1, 5]);
  assert.equal(q.find(is(p5), true), p5);
  assert.deepEqual([...q].map(key), [1, 1, 2, 2, 3, 4, 4]);
  for (const o of [...q]) assert.equal(q.find(is(o), true), o);
  assert.equal(q.length, 0);
});

Deno.test("PosPriorityQueue: reschedule and rescheduleAll", () => {
  const q = new PosPriorityQueue(key);
  const objs = [1, 2, 3, 4].map((p) => new Obj(p));
  for (const o of shuffled(objs)) q.append(o);
  for (const o of objs) q.append(new Obj(o.priority));
  const o3 = objs[2];
  const is = (o: Obj) => (k: Obj) => k === o;
  assert.equal([...q][4], o3);
  q.reschedule(is(o3), 7);
  assert.equal([...q].at(-1), o3);
  assert.equal(q.reschedule(is(o3), -1), o3);
  assert.equal([...q][0], o3);
  q.reschedule(is(o3), 3);
  assert.deepEqual([...q].map(key), [1, 1, 2, 2, 3, 3, 4, 4]);
  const first = q.popleft();
  assert.equal(q.reschedule(is(first), 3), undefined);

  const r = new PosPriorityQueue(key);
  const many = range(50).map((i) => new Obj((i * 7) % 6));
  for (const o of many) r.append(o);
  const sorted = many.map(key).sort((a, b) => a - b);
  assert.deepEqual([...r].map(key), sorted);
  for (const o of many) o.priority = -o.priority;
  r.rescheduleAll();
  assert.deepEqual([...r].map((o) => -o.priority), [...sorted].reverse());
  r.insert(0, new Obj(100)); // positional: stays first
  for (const o of many) o.priority = -o.priority;
  r.rescheduleAll();
  assert.deepEqual([...r].map(key), [100, ...sorted]);
});

Deno.test("PosPriorityQueue: maintenance is amortized O(1)", () => {
  let seed = 1;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  let nm = 0, tm = 0, total = 0;
  const q = new PosPriorityQueue(key);
  q.doMaintenance = () => {
    nm++;
    tm += q.length;
  };
  for (let i = 0; i < 1000; i++) {
    for (let k = 1 + Math.floor(rnd() * 19); k > 0; k--) {
      q.append(new Obj(rnd()));
      total++;
    }
    for (let k = 1 + Math.floor(rnd() * 19); k > 0; k--) {
      if (q.length) q.popleft();
    }
  }
  while (q.length) q.popleft();
  assert.ok(nm > 0);
  assert.ok(total * 0.5 < tm && tm < total * 1.5, `tm ${tm}, total ${total}`);
});

Deno.test("PosPriorityQueue: the priority boost lets every entry through", () => {
  const objs = new Set(range(100).map((i) => new Obj(((i * 37) % 100) / 100)));
  const q = new PosPriorityQueue(key);
  for (const o of objs) q.append(o);
  const found = new Set<Obj>();
  let i = 0;
  for (; i < 100_000; i++) {
    const o = q.popleft();
    found.add(o);
    if (found.size === objs.size) break;
    q.append(o);
  }
  assert.ok(i < 100_000);
  assert.equal(found.size, objs.size);
});

// ---- TestPriorityScheduling (on the PriorityEventLoop) -------------------------

function* awaitTasks(): Coroutine<void> {
  yield* new PriorityTask((function* () {})(), { priority: 1000 });
}

Deno.test("PriorityEventLoop: a plain task", async () => {
  const r = await runPriority((function* () {
    assert.ok(getRunningLoop() instanceof PriorityEventLoop);
    return yield* createTask((function* () {
      yield* sleep(1);
      yield* sleep(0);
      return 1;
    })());
  })());
  assert.equal(r, 1);
});

Deno.test("PriorityEventLoop: tasks run by priority, FIFO among equals", async () => {
  const finished: [number, number][] = [];
  await runPriority((function* () {
    for (let i = 0; i < 40; i++) {
      const pri = (i * 7) % 11 - 5;
      new PriorityTask(
        (function* () {
          finished.push([pri, i]);
        })(),
        { priority: pri },
      );
    }
    yield* awaitTasks();
  })());
  assert.equal(finished.length, 40);
  assert.deepEqual(
    finished,
    [...finished].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
  );
});

Deno.test("PriorityEventLoop: a task rescheduled ahead of, or behind, the others", async () => {
  const finished: [number, number][] = [];
  await runPriority((function* () {
    const all: PriorityTask<void>[] = [];
    for (let i = 0; i < 40; i++) {
      const pri = (i * 5) % 11 - 5;
      all.push(
        new PriorityTask(
          (function* () {
            finished.push([pri, i]);
          })(),
          { priority: pri },
        ),
      );
    }
    all[0].priorityValue = 10;
    all[0].propagatePriority(null);
    all[39].priorityValue = -10;
    all[39].propagatePriority(null);
    yield* awaitTasks();
  })());
  assert.equal(finished.shift()![1], 39);
  assert.equal(finished.pop()![1], 0);
  assert.deepEqual(
    finished,
    [...finished].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
  );
});

/** asynkit's priority-inversion scenario: who finished, at what priority. */
function inversionRig() {
  const rig = {
    finished: [] as string[],
    priorities: [] as number[],
    event: new Event(),
    record(name: string): void {
      rig.finished.push(name);
      rig.priorities.push(
        (currentTask() as PriorityTask<void>).effectivePriority(),
      );
    },
    /** Lets every task start, releases them, and waits for them all. */
    *release(ts: PriorityTask<void>[]): Coroutine<void> {
      yield* awaitTasks();
      rig.event.set();
      for (const t of ts) yield* t;
    },
    reset(): void {
      rig.event.clear();
      rig.finished = [];
      rig.priorities = [];
    },
    *medpri(): Coroutine<void> {
      yield* rig.event.wait();
      rig.record("med");
    },
    *highpri(lock: PriorityLock): Coroutine<void> {
      yield* rig.event.wait();
      using _ = yield* lock.acquire();
      rig.record("high");
    },
  };
  return rig;
}

Deno.test("PriorityEventLoop: priority inversion is resolved by inheritance", async () => {
  await runPriority((function* () {
    const rig = inversionRig();
    const lock = new PriorityLock();
    function* lowpri(): Coroutine<void> {
      using _ = yield* lock.acquire();
      yield* rig.event.wait();
      rig.record("low");
    }
    yield* rig.release([
      new PriorityTask(lowpri(), { priority: 1 }),
      new PriorityTask(rig.medpri(), { priority: 0 }),
    ]);
    assert.deepEqual(rig.finished, ["med", "low"]);
    assert.deepEqual(rig.priorities, [0, 1]);

    rig.reset();
    yield* rig.release([
      new PriorityTask(lowpri(), { priority: 1 }),
      new PriorityTask(rig.highpri(lock), { priority: -1 }),
      new PriorityTask(rig.medpri(), { priority: 0 }),
    ]);
    // low runs first: it inherits the priority of high, waiting on its lock.
    assert.deepEqual(rig.finished, ["low", "high", "med"]);
    assert.deepEqual(rig.priorities, [-1, -1, 0]);
  })());
});

Deno.test("PriorityEventLoop: inheritance through two locks", async () => {
  await runPriority((function* () {
    const rig = inversionRig();
    const lock1 = new PriorityLock();
    const lock2 = new PriorityLock();
    function* lowpri1(): Coroutine<void> {
      using _ = yield* lock2.acquire();
      yield* rig.event.wait();
      rig.record("low1");
    }
    function* lowpri2(): Coroutine<void> {
      using _ = yield* lock1.acquire();
      using _2 = yield* lock2.acquire(); // held by lowpri1
      rig.record("low2");
    }
    yield* rig.release([
      new PriorityTask(lowpri1(), { priority: 1 }),
      new PriorityTask(lowpri2(), { priority: 1 }),
      new PriorityTask(rig.medpri(), { priority: 0 }),
    ]);
    assert.deepEqual(rig.finished, ["med", "low1", "low2"]);
    assert.deepEqual(rig.priorities, [0, 1, 1]);

    // high → lock1 → low2 → lock2 → low1: the priority goes down the chain.
    rig.reset();
    yield* rig.release([
      new PriorityTask(lowpri1(), { priority: 1 }),
      new PriorityTask(lowpri2(), { priority: 1 }),
      new PriorityTask(rig.medpri(), { priority: 0 }),
      new PriorityTask(rig.highpri(lock1), { priority: -1 }),
    ]);
    assert.deepEqual(rig.finished, ["low1", "low2", "high", "med"]);
    assert.deepEqual(rig.priorities, [-1, -1, -1, 0]);
  })());
});

Deno.test("PriorityTask: options are checked", async () => {
  await run((function* () {
    assert.throws(
      () => new PriorityTask(sleep(0), { priority: "1" as never }),
      /options.priority must be a number/,
    );
    yield* sleep(0);
  })());
});

Deno.test("PriorityEventLoop: eager starts adopt their task wherever the queue put it", async () => {
  const r = await runPriority((function* () {
    const loop = getRunningLoop();
    // A low-priority entry queued last: the new task goes ahead of it.
    const low = new PriorityTask(sleep(0), { priority: Priority.LOW });
    const f = coroEager((function* () {
      yield* sleep(5);
      return "slept";
    })());
    loop.setTaskFactory((l, c, o) => new Task(c, { ...o, loop: l }));
    const log: string[] = [];
    const t = createTask(
      (function* () {
        log.push("eager");
        yield* sleep(0);
        return "resumed";
      })(),
      { eagerStart: true },
    );
    assert.deepEqual(log, ["eager"]);
    yield* low;
    return [yield* f, yield* t];
  })());
  assert.deepEqual(r, ["slept", "resumed"]);
});

Deno.test("taskInterrupt: a getter parked on a queue leaves it to the next one", async () => {
  await run((function* () {
    const q = new Queue<number>();
    const first = createTask((function* () {
      return yield* catching(q.get());
    })());
    const second = createTask(q.get());
    yield* sleep(0);
    assert.ok(taskIsBlocked(first));
    yield* taskInterrupt(first, new ZeroDivisionError());
    assert.ok(isZDE(yield* first));
    q.putNowait(7);
    assert.equal(yield* second, 7);
  })());
});

Deno.test("PriorityLock: a free lock is taken without a loop, as Lock's is", () => {
  const lock = new PriorityLock();
  const c = lock.acquire();
  const r = c.next();
  assert.equal(r.done, true);
  assert.equal(lock.locked(), true);
  (r.value as { release(): void }).release();
  assert.equal(lock.locked(), false);
});
