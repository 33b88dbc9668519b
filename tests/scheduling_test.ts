// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
import assert from "node:assert/strict";
import {
  allTasks,
  type Context,
  copyContext,
  type Coroutine,
  createTask,
  currentTask,
  EventLoop,
  type Future,
  getRunningLoop,
  run,
  sleep,
  type Task,
} from "../mod.ts";
import { coroEager, GeneratorExit } from "../eager.ts";
import { GeneratorObject } from "../monitor.ts";
import { PriorityEventLoop } from "../experimental.ts";
import { catching } from "./_util.ts";
import {
  aiterSync,
  awaitSync,
  blockedTasks,
  coroDrive,
  createTaskDescend,
  createTaskStart,
  driveAsync,
  enterAsync,
  getReadyQueue,
  inSyncDrive,
  leaveSync,
  readyFind,
  readyRemove,
  readyTasks,
  requireSyncDrive,
  runnableTasks,
  sleepInsert,
  SyncDriveRequiredError,
  SynchronousAbort,
  SynchronousError,
  taskFromHandle,
  taskIsBlocked,
  taskIsRunnable,
  taskReinsert,
  taskSwitch,
} from "../scheduling.ts";

type Log = (string | number)[];

function* rejects(
  body: Coroutine<unknown>,
  check: (e: unknown) => void,
): Coroutine<void> {
  try {
    yield* body;
  } catch (e) {
    check(e);
    return;
  }
  assert.fail("expected an exception");
}

/** n tasks that log their index once and finish. */
function makeTasks(n: number, log: Log): Task<void>[] {
  const out: Task<void>[] = [];
  for (let i = 0; i < n; i++) {
    out.push(createTask((function* () {
      log.push(i);
    })()));
  }
  return out;
}

function identityHolds(): void {
  const all = allTasks();
  const union = new Set([...runnableTasks(), ...blockedTasks()]);
  const cur = currentTask();
  if (cur !== null) union.add(cur);
  assert.deepEqual(all, union);
}

// asynkit runs its whole test_loop.py on its priority loop too: so do the
// ports below (loopTest registers each on both loops).
const LOOPS: [string, () => EventLoop][] = [
  ["EventLoop", () => new EventLoop()],
  ["PriorityEventLoop", () => new PriorityEventLoop()],
];
let loopFactory: () => EventLoop = LOOPS[0][1];

function loopTest(name: string, fn: () => void | Promise<void>): void {
  for (const [label, factory] of LOOPS) {
    Deno.test(`${name} [${label}]`, () => {
      loopFactory = factory;
      return fn();
    });
  }
}

/** `run` on the loop of the test being run. */
function runOn<T>(coro: Coroutine<T>): Promise<T> {
  return run(coro, { loopFactory });
}

loopTest("loopTest runs each test on the loop it names", async () => {
  const expected = loopFactory().constructor;
  await runOn((function* () {
    assert.equal(getRunningLoop().constructor, expected);
  })());
});

// ---- callInsert (asynkit TestCallInsertReady) ------------------------------

function perms(n: number): number[][] {
  const range = [...Array(n).keys()];
  const half = Math.floor(n / 2);
  return [
    range,
    [...range].reverse(),
    [...range.slice(half).reverse(), ...range.slice(0, half).reverse()],
  ];
}

loopTest(
  "callInsert behaves like Array insert on the ready queue",
  async () => {
    for (const n of [1, 2, 6]) {
      for (const perm of perms(n)) {
        await runOn((function* () {
          const log: number[] = [];
          const expect: number[] = [];
          const loop = getRunningLoop();
          perm.forEach((pos, i) => {
            loop.callInsert(pos, () => log.push(i));
            expect.splice(pos, 0, i);
          });
          yield* sleep(0);
          assert.deepEqual(log, expect, `n=${n} perm=${perm}`);
        })());
      }
    }
  },
);

// ---- ready queue sizes and tasks ---------------------------------------------

for (const n of [2, 6]) {
  loopTest(
    `readyLen counts every handle; runnableTasks only tasks [${n}]`,
    async () => {
      await runOn((function* () {
        const loop = getRunningLoop();
        const log: Log = [];
        const tasks = makeTasks(n, log);
        assert.equal(loop.readyLen(), n);
        assert.deepEqual(runnableTasks(), new Set(tasks));
        assert.deepEqual(readyTasks(), tasks);
        identityHolds();
        yield* sleep(0);
        loop.callSoon(() => {});
        class NotATask {
          method(): void {}
        }
        const o = new NotATask();
        loop.callSoon(() => o.method());
        assert.equal(loop.readyLen(), 2);
        assert.deepEqual(runnableTasks(), new Set());
        yield* sleep(0);
      })());
    },
  );
}

// ---- sleepInsert / taskReinsert / taskSwitch (asynkit.md §5.6) -----------

for (const pos of [0, 1, 3]) {
  loopTest(`sleepInsert(${pos})`, async () => {
    const log = await runOn((function* () {
      const loop = getRunningLoop();
      const log: Log = [];
      makeTasks(6, log);
      assert.equal(loop.readyLen(), 6);
      yield* sleepInsert(pos);
      assert.equal(loop.readyLen(), 6 - pos);
      log.push("me");
      yield* sleep(0);
      return log;
    })());
    const expect: Log = [0, 1, 2, 3, 4, 5];
    expect.splice(pos, 0, "me");
    assert.deepEqual(log, expect);
  });
}

for (const pos of [0, 1, 6]) {
  loopTest(`taskReinsert(last, ${pos})`, async () => {
    const log = await runOn((function* () {
      const log: Log = [];
      const tasks = makeTasks(6, log);
      taskReinsert(tasks[5], pos);
      yield* sleep(0);
      return log;
    })());
    const expect: Log = [0, 1, 2, 3, 4];
    expect.splice(pos, 0, 5);
    assert.deepEqual(log, expect);
  });
}

loopTest("taskReinsert: a blocked task is not scheduled", async () => {
  await runOn((function* () {
    const t = createTask(sleep(50));
    yield* sleep(0);
    assert.throws(() => taskReinsert(t as Task<unknown>, 0), {
      name: "RangeError",
      message: /^taskReinsert\(\): Task is not scheduled: <Task pending/,
    });
    assert.throws(() => taskReinsert(t as Task<unknown>, 0.5), TypeError);
    t.cancel();
  })());
});

for (const pos of [0, 1, 3, 5]) {
  loopTest(`taskSwitch(tasks[${pos}])`, async () => {
    const log = await runOn((function* () {
      const log: Log = [];
      const tasks = makeTasks(6, log);
      yield* taskSwitch(tasks[pos] as Task<unknown>);
      log.push("me");
      return log;
    })());
    const others = [0, 1, 2, 3, 4, 5].filter((i) => i !== pos);
    assert.deepEqual(log, [pos, ...others, "me"]);
  });

  loopTest(`taskSwitch(tasks[${pos}], { insertPos: 1 })`, async () => {
    const log = await runOn((function* () {
      const log: Log = [];
      const tasks = makeTasks(6, log);
      yield* taskSwitch(tasks[pos] as Task<unknown>, { insertPos: 1 });
      log.push("me");
      yield* sleep(0);
      return log;
    })());
    const others = [0, 1, 2, 3, 4, 5].filter((i) => i !== pos);
    assert.deepEqual(log, [pos, "me", ...others]);
  });
}

loopTest(
  "taskSwitch: insertPos 0 runs the caller before the target",
  async () => {
    const log = await runOn((function* () {
      const log: Log = [];
      const tasks = makeTasks(3, log);
      yield* taskSwitch(tasks[2] as Task<unknown>, { insertPos: 0 });
      log.push("me");
      yield* sleep(0);
      return log;
    })());
    assert.deepEqual(log, ["me", 2, 0, 1]);
  },
);

loopTest(
  "taskSwitch: a task taken out of the queue, or blocked, is an error",
  async () => {
    await runOn((function* () {
      const loop = getRunningLoop();
      const log: Log = [];
      const tasks = makeTasks(3, log);
      const h = readyFind(tasks[1] as Task<unknown>, { remove: true });
      assert.ok(h !== null);
      yield* rejects(taskSwitch(tasks[1] as Task<unknown>), (e) => {
        assert.ok(e instanceof RangeError);
        assert.match(
          (e as Error).message,
          /^taskSwitch\(\): Task is not scheduled/,
        );
      });
      loop.readyInsert(0, h);
      const blocked = createTask(sleep(50));
      yield* sleep(0);
      yield* rejects(taskSwitch(blocked as Task<unknown>), (e) => {
        assert.match(
          (e as Error).message,
          /^taskSwitch\(\): Task is not scheduled/,
        );
      });
      blocked.cancel();
      yield* sleep(0);
      assert.deepEqual(log, [1, 0, 2]);
    })());
  },
);

loopTest("sleepInsert outside a task is an error", async () => {
  await runOn((function* () {
    const loop = getRunningLoop();
    let err: unknown = null;
    loop.callSoon(() => {
      try {
        sleepInsert(0).next();
      } catch (e) {
        err = e;
      }
    });
    yield* sleep(0);
    assert.match(String(err), /sleepInsert\(\) must be called from a task/);
  })());
});

// ---- ready-queue lookups -----------------------------------------------------

loopTest("readyFind / readyRemove", async () => {
  await runOn((function* () {
    const log: Log = [];
    const tasks = makeTasks(3, log) as Task<unknown>[];
    assert.deepEqual(readyTasks().slice(-3), tasks);
    const h = readyFind(tasks[0], { remove: true });
    assert.ok(h !== null);
    assert.equal(readyFind(tasks[0]), null);
    assert.equal(readyFind(tasks[0], { remove: true }), null);
    const h1 = readyFind(tasks[1])!;
    readyRemove(h1);
    assert.throws(() => readyRemove(h1), {
      name: "RangeError",
      message: /^readyRemove\(\): handle not in queue/,
    });
    assert.equal(readyFind(tasks[1]), null);
    const loop = getRunningLoop();
    loop.readyInsert(0, h);
    loop.readyInsert(0, h1);
    yield* sleep(0);
    assert.deepEqual(log, [1, 0, 2]);
  })());
});

loopTest("runnableTasks / blockedTasks and the identity", async () => {
  await runOn((function* () {
    const runners = [0, 1, 2].map(() =>
      createTask((function* () {
        yield* sleep(0);
        yield* sleep(0);
      })())
    );
    assert.deepEqual(runnableTasks(), new Set(runners));
    identityHolds();
    yield* sleep(0);
    assert.deepEqual(runnableTasks(), new Set(runners)); // they sleep(0)
    identityHolds();
    yield* sleep(0);
    yield* sleep(0);
    assert.deepEqual(runnableTasks(), new Set());

    const sleepers = [0, 1, 2].map(() => createTask(sleep(100)));
    yield* sleep(0);
    for (const s of sleepers) assert.ok(blockedTasks().has(s));
    assert.deepEqual(runnableTasks(), new Set());
    identityHolds();
    for (const s of sleepers) s.cancel();
    identityHolds();
    assert.deepEqual(runnableTasks(), new Set(sleepers));
    yield* sleep(0);
    identityHolds();
  })());
});

// ---- taskIsBlocked / taskIsRunnable (asynkit TestTaskIsBlocked) ------------

loopTest("taskIsBlocked: sleep, cancel, done", async () => {
  await runOn((function* () {
    const t = createTask(sleep(100)) as Task<unknown>;
    assert.equal(taskIsRunnable(t), true);
    assert.equal(taskIsBlocked(t), false);
    yield* sleep(0);
    assert.equal(taskIsBlocked(t), true);
    assert.equal(taskIsRunnable(t), false);
    t.cancel();
    assert.equal(taskIsBlocked(t), false);
    assert.equal(taskIsRunnable(t), true);
    yield* sleep(0);
    assert.equal(t.done(), true);
    assert.equal(taskIsBlocked(t), false);
    assert.equal(taskIsRunnable(t), false);
  })());
});

loopTest(
  "taskIsBlocked: a future's result, exception or cancel wakes at once",
  async () => {
    for (const how of ["result", "exception", "cancel"] as const) {
      await runOn((function* () {
        const fut = getRunningLoop().createFuture<number>();
        const t = createTask((function* () {
          try {
            return yield* fut;
          } catch {
            return -1;
          }
        })()) as Task<unknown>;
        yield* sleep(0);
        assert.equal(taskIsBlocked(t), true);
        assert.equal(readyFind(t), null);
        if (how === "result") fut.setResult(1);
        else if (how === "exception") fut.setException(new Error());
        else fut.cancel();
        assert.equal(taskIsBlocked(t), false);
        assert.notEqual(readyFind(t), null);
        yield* t;
      })());
    }
  },
);

loopTest(
  "taskIsBlocked: A awaiting B stays blocked until B has finished",
  async () => {
    await runOn((function* () {
      const b = createTask(sleep(100)) as Task<unknown>;
      const a = createTask((function* () {
        try {
          yield* b;
        } catch {
          // cancelled
        }
      })()) as Task<unknown>;
      yield* sleep(0);
      assert.equal(taskIsBlocked(a), true);
      assert.equal(taskIsBlocked(b), true);
      b.cancel();
      assert.equal(taskIsBlocked(b), false);
      assert.equal(taskIsBlocked(a), true);
      yield* sleep(0);
      assert.equal(b.done(), true);
      assert.equal(taskIsBlocked(a), false);
      yield* a;
    })());
  },
);

// ---- the seed README's legacy primitives: readyRotate, readyPop/readyInsert --

for (const n of [3, 5]) {
  for (let shift = -3; shift <= 3; shift++) {
    loopTest(`readyRotate(${shift}) with ${n} tasks`, async () => {
      const log = await runOn((function* () {
        const log: Log = [];
        makeTasks(n, log);
        getRunningLoop().readyRotate(shift);
        yield* sleep(0);
        return log;
      })());
      // deque.rotate(shift): positive moves tail items to the front
      const expect = [...Array(n).keys()];
      const k = ((shift % n) + n) % n;
      assert.deepEqual(log, [
        ...expect.slice(n - k),
        ...expect.slice(0, n - k),
      ]);
    });
  }
}

for (const [source, dest] of [[0, 4], [-1, 2], [3, 3], [-2, 2]]) {
  loopTest(`readyPop(${source}) then readyInsert(${dest})`, async () => {
    const log = await runOn((function* () {
      const log: Log = [];
      makeTasks(5, log);
      const loop = getRunningLoop();
      loop.readyInsert(dest, loop.readyPop(source));
      yield* sleep(0);
      return log;
    })());
    const expect: Log = [0, 1, 2, 3, 4];
    const [x] = expect.splice(source < 0 ? source + 5 : source, 1);
    expect.splice(dest, 0, x);
    assert.deepEqual(log, expect);
  });
}

// ---- createTaskStart / createTaskDescend -------------------------------------

loopTest(
  "createTaskDescend: the child runs first; the task is current in it",
  async () => {
    await runOn((function* () {
      let inChild: unknown = null;
      const log: string[] = [];
      const t = yield* createTaskDescend(
        (function* () {
          inChild = currentTask();
          log.push("child");
          yield* sleep(1);
        })(),
        { name: "kid" },
      );
      log.push("parent");
      assert.equal(inChild, t);
      assert.equal(t.getName(), "kid");
      yield* t;
      assert.deepEqual(log, ["child", "parent"]);
      const t2 = yield* createTaskStart(
        (function* () {
          log.push("started");
        })(),
        { name: "s" },
      );
      assert.deepEqual(log.at(-1), "started");
      assert.equal(t2.getName(), "s");
    })());
  },
);

// ---- depth-first tree logs (asynkit.md §7.4) ---------------------------------

type Convert = (
  c: Coroutine<string[]>,
) => Coroutine<Future<string[]> | Coroutine<string[]>>;

const converters: Record<string, Convert> = {
  *nostart(c) {
    return c;
  },
  *start(c) {
    return yield* createTaskStart(c);
  },
  *descend(c) {
    return yield* createTaskDescend(c);
  },
  *eager(c) {
    return coroEager(c);
  },
};

/** One future per loop that every leaf waits on, opened `ms` after the first. */
const gates = new WeakMap<object, Future<void>>();
function leafGate(ms: number): Future<void> {
  const loop = getRunningLoop();
  let gate = gates.get(loop);
  if (gate === undefined) {
    const g = loop.createFuture<void>();
    loop.callLater(ms, () => g.setResult());
    gates.set(loop, gate = g);
  }
  return gate;
}

function* recursive(
  convert: Convert,
  maxDepth: number,
  log: string[],
  depth = 0,
  label = "0",
): Coroutine<string[]> {
  log.push(label + "a");
  try {
    if (depth < maxDepth) {
      const a = yield* convert(
        recursive(convert, maxDepth, log, depth + 1, label + ":0"),
      );
      const b = yield* convert(
        recursive(convert, maxDepth, log, depth + 1, label + ":1"),
      );
      log.push(label + "b");
      return [...(yield* a), ...(yield* b)];
    }
    log.push(label + "B");
    // asynkit's leaves all sleep the same time and wake in one batch, in
    // creation order; one gate that a timer opens gives exactly that on a
    // loaded machine too (separate real-time timers can split the batch).
    yield* leafGate(100);
    return [label];
  } finally {
    log.push(label + "c");
  }
}

const treeLogs: Record<string, string> = {
  "1 nostart": "0a 0b 0:0a 0:0B 0:0c 0:1a 0:1B 0:1c 0c",
  "1 start": "0a 0:0a 0:0B 0:1a 0:1B 0b 0:0c 0:1c 0c",
  "1 descend": "0a 0:0a 0:0B 0:1a 0:1B 0b 0:0c 0:1c 0c",
  "1 eager": "0a 0:0a 0:0B 0:1a 0:1B 0b 0:0c 0:1c 0c",
  "2 nostart":
    "0a 0b 0:0a 0:0b 0:0:0a 0:0:0B 0:0:0c 0:0:1a 0:0:1B 0:0:1c 0:0c 0:1a 0:1b 0:1:0a 0:1:0B 0:1:0c 0:1:1a 0:1:1B 0:1:1c 0:1c 0c",
  "2 start":
    "0a 0:0a 0:0:0a 0:0:0B 0:1a 0b 0:0:1a 0:0:1B 0:0b 0:1:0a 0:1:0B 0:1:1a 0:1:1B 0:1b 0:0:0c 0:0:1c 0:1:0c 0:1:1c 0:0c 0:1c 0c",
  "2 descend":
    "0a 0:0a 0:0:0a 0:0:0B 0:0:1a 0:0:1B 0:0b 0:1a 0:1:0a 0:1:0B 0:1:1a 0:1:1B 0:1b 0b 0:0:0c 0:0:1c 0:1:0c 0:1:1c 0:0c 0:1c 0c",
  "2 eager":
    "0a 0:0a 0:0:0a 0:0:0B 0:0:1a 0:0:1B 0:0b 0:1a 0:1:0a 0:1:0B 0:1:1a 0:1:1B 0:1b 0b 0:0:0c 0:0:1c 0:1:0c 0:1:1c 0:0c 0:1c 0c",
};

for (const [key, want] of Object.entries(treeLogs)) {
  const [depth, method] = key.split(" ");
  loopTest(`depth-first tree log: depth ${depth}, ${method}`, async () => {
    const log: string[] = [];
    const leaves = await runOn(
      recursive(converters[method], Number(depth), log),
    );
    assert.equal(log.join(" "), want);
    assert.equal(leaves.length, 2 ** Number(depth));
  });
}

// ---- coroDrive / awaitSync (asynkit TestCoroDrive, TestCoroRun) -----------

Deno.test("coroDrive: callback values go in; callback errors are thrown in", () => {
  assert.equal(
    coroDrive(
      (function* () {
        return ((yield "need-value") as number) + 1;
      })(),
      (y) => {
        assert.equal(y, "need-value");
        return 41;
      },
    ),
    42,
  );
  assert.equal(
    coroDrive(
      (function* () {
        try {
          yield 1;
        } catch (e) {
          return (e as Error).message;
        }
        return "none";
      })(),
      () => {
        throw new Error("handled");
      },
    ),
    "handled",
  );
  assert.throws(
    () =>
      coroDrive(
        (function* () {
          yield 1;
        })(),
        () => {
          throw new EvalError("unhandled");
        },
      ),
    EvalError,
  );
});

Deno.test("coroDrive: GeneratorExit from the callback closes the coroutine", () => {
  const log: string[] = [];
  assert.throws(
    () =>
      coroDrive(
        (function* () {
          try {
            yield 1;
          } catch (e) {
            if (e instanceof GeneratorExit) log.push("close");
            throw e;
          }
        })(),
        () => {
          throw new GeneratorExit();
        },
      ),
    GeneratorExit,
  );
  assert.deepEqual(log, ["close"]);
});

Deno.test("awaitSync: simple, nullsleep, strict mode", () => {
  assert.equal(
    awaitSync((function* () {
      return "simple";
    })()),
    "simple",
  );
  function* nullsleep(): Coroutine<string> {
    yield* sleep(0);
    return "nullsleep";
  }
  assert.equal(awaitSync(nullsleep()), "nullsleep");
  assert.throws(() => awaitSync(nullsleep(), { ignoreNullsleep: false }), {
    name: "SynchronousError",
    message: /^coroutine failed to complete synchronously/,
  });
  function* cleanup(): Coroutine<void> {
    try {
      yield* sleep(0);
    } finally {
      yield* sleep(0);
    }
  }
  assert.equal(awaitSync(cleanup()), undefined);
  assert.throws(
    () => awaitSync(cleanup(), { ignoreNullsleep: false }),
    SynchronousError,
  );
});

Deno.test("awaitSync: blocking raises SynchronousError; handled abort returns", async () => {
  function* blocks(): Coroutine<string> {
    // @ts-expect-error yields a string on purpose: awaitSync sees it as blocking
    yield "blocked";
    return "never";
  }
  assert.throws(() => awaitSync(blocks()), (e: unknown) => {
    assert.ok(e instanceof SynchronousError);
    assert.ok((e as Error).cause instanceof SynchronousAbort);
    assert.match((e as Error).message, /blocked on "blocked"/);
    return true;
  });
  assert.equal(
    // @ts-expect-error yields a string on purpose: awaitSync sees it as blocking
    awaitSync((function* () {
      try {
        yield "blocked";
      } catch (e) {
        if (e instanceof SynchronousAbort) return "handled";
      }
      return "no";
    })()),
    "handled",
  );
  // swallows everything but GeneratorExit and keeps blocking
  assert.throws(
    () =>
      // @ts-expect-error yields a string on purpose: awaitSync sees it as blocking
      awaitSync((function* () {
        for (;;) {
          try {
            yield "blocked";
          } catch (e) {
            if (e instanceof GeneratorExit) throw e;
          }
        }
      })()),
    SynchronousError,
  );
  // inside a running loop, a real wait cannot complete synchronously
  await run((function* () {
    assert.throws(() => awaitSync(sleep(10)), SynchronousError);
  })());
});

Deno.test("awaitSync: not a coroutine is a TypeError", () => {
  assert.throws(() => awaitSync(42 as never), TypeError);
});

// ---- getReadyQueue / taskFromHandle (asynkit loop.extensions) -------------

loopTest(
  "getReadyQueue and taskFromHandle: tasks and plain callbacks",
  async () => {
    await runOn((function* () {
      const loop = getRunningLoop();
      const a = createTask(sleep(0));
      const h = loop.callSoon(() => {});
      const b = createTask(sleep(0));
      const q = getReadyQueue();
      assert.equal(q.length, 3);
      assert.deepEqual(q.map(taskFromHandle), [a, null, b]);
      assert.equal(q[1], h);
      // The handles are the queue's own: readyRemove and readyInsert take them.
      readyRemove(q[2]);
      assert.deepEqual(readyTasks(), [a]);
      loop.readyInsert(0, q[2]);
      assert.deepEqual(readyTasks(), [b, a]);
      assert.equal(getReadyQueue(loop).length, 3);
      // A cancelled handle stands for no task.
      h.cancel();
      assert.equal(taskFromHandle(h), null);
      assert.throws(
        () => taskFromHandle(a as never),
        /taskFromHandle\(\): handle must be a Handle/,
      );
      yield* a;
      yield* b;
    })());
  },
);

// ---- the sync-drive family (asynkit test_coro.py: leavesync, enterasync,
// drive_async, in_sync_drive, require_sync_drive, aiter_sync) ---------------

const SYNC_DRIVEN = /synchronously driven/;

Deno.test("leaveSync inside awaitSync", () => {
  const syncMethod = () => "foo";
  const syncMethod2 = leaveSync(() => "bar");
  function* wrapper(): Coroutine<string> {
    return yield* leaveSync(syncMethod)();
  }
  assert.equal(awaitSync(wrapper()), "foo");
  assert.equal(awaitSync(syncMethod2()), "bar");
});

Deno.test("leaveSync outside a sync drive: a real loop", async () => {
  await run((function* () {
    const syncMethod2 = leaveSync(() => "bar");
    const c = leaveSync(() => "foo")(); // the check is at await time
    yield* sleep(0);
    let e = yield* catching(c);
    assert.ok(e instanceof SyncDriveRequiredError);
    assert.match(e.message, SYNC_DRIVEN);
    e = yield* catching(syncMethod2());
    assert.ok(e instanceof SyncDriveRequiredError);
  })());
});

Deno.test("leaveSync as a method: bound and unbound, inside and outside a drive", async () => {
  class Client {
    payload = "payload";
    blockingRead(): string {
      return this.payload;
    }
    ablockingRead = leaveSync(Client.prototype.blockingRead);
  }
  const client = new Client();
  assert.equal(client.ablockingRead.name, "blockingRead");
  function* fetch(): Coroutine<string> {
    return yield* new Client().ablockingRead();
  }
  assert.equal(awaitSync(fetch()), "payload");
  function* fetchUnbound(c: Client): Coroutine<string> {
    return yield* client.ablockingRead.call(c);
  }
  assert.equal(awaitSync(fetchUnbound(new Client())), "payload");
  await run((function* () {
    const e = yield* catching(client.ablockingRead());
    assert.ok(e instanceof SyncDriveRequiredError);
    assert.match((e as Error).message, SYNC_DRIVEN);
  })());
});

Deno.test("the session ends when awaitSync or driveAsync throws", () => {
  function* fails(): Coroutine<void> {
    throw new RangeError("boom");
  }
  assert.throws(() => awaitSync(fails()), /boom/);
  assert.equal(inSyncDrive(), false);
  assert.throws(() => requireSyncDrive(), SyncDriveRequiredError);
  function* coro(): Generator<string, string> {
    yield "x";
    return "done";
  }
  assert.throws(
    () =>
      driveAsync(coro(), () => {
        throw new RangeError("callback boom");
      }),
    /callback boom/,
  );
  assert.equal(inSyncDrive(), false);
  assert.throws(() => requireSyncDrive(), SyncDriveRequiredError);
});

Deno.test("requireSyncDrive outside any drive", () => {
  assert.equal(inSyncDrive(), false);
  assert.throws(() => requireSyncDrive(), SYNC_DRIVEN);
});

Deno.test("driveAsync opens a session for the coroutine and the callback", () => {
  const seen: Record<string, boolean> = {};
  function* coro(): Generator<string, string> {
    seen.coro = inSyncDrive();
    yield "y";
    return "done";
  }
  assert.equal(
    driveAsync(coro(), (y) => {
      assert.equal(y, "y");
      seen.callback = inSyncDrive();
      requireSyncDrive();
      return undefined;
    }),
    "done",
  );
  assert.deepEqual(seen, { coro: true, callback: true });
});

Deno.test("coroDrive does not open a session", () => {
  function* coro(): Coroutine<string> {
    requireSyncDrive();
    return "done";
  }
  assert.throws(() => coroDrive(coro(), () => undefined), SYNC_DRIVEN);
});

Deno.test("a context copied during a drive is outside the session afterwards", () => {
  const captured: Context[] = [];
  function* coro(): Coroutine<string> {
    captured.push(copyContext());
    assert.doesNotThrow(() => captured[0].run(requireSyncDrive));
    return "done";
  }
  driveAsync(coro(), () => undefined);
  assert.throws(
    () => captured[0].run(requireSyncDrive),
    SyncDriveRequiredError,
  );
});

Deno.test("a task created during a drive runs outside it", async () => {
  const seen: boolean[] = [];
  await run((function* () {
    let t: Task<void> | undefined;
    awaitSync((function* () {
      seen.push(inSyncDrive());
      t = createTask((function* () {
        seen.push(inSyncDrive());
        yield* leaveSync(() => {})();
      })());
    })());
    const e = yield* catching(t!);
    assert.ok(e instanceof SyncDriveRequiredError);
  })());
  assert.deepEqual(seen, [true, false]);
});

Deno.test("sessions nest", () => {
  const flags: boolean[] = [];
  function* inner(): Coroutine<void> {
    flags.push(inSyncDrive());
  }
  function* outer(): Coroutine<void> {
    flags.push(inSyncDrive());
    awaitSync(inner());
    flags.push(inSyncDrive());
  }
  awaitSync(outer());
  assert.deepEqual(flags, [true, true, true]);
  assert.equal(inSyncDrive(), false);
});

Deno.test("enterAsync drives through awaitSync, as a function and a method", () => {
  const blockingRead = leaveSync(() => "payload");
  const fetch = enterAsync(function* () {
    return yield* blockingRead();
  });
  assert.equal(fetch(), "payload");
  class Client {
    suffix = "!";
    ablockingRead = leaveSync(function (this: Client, x: string) {
      return x + this.suffix;
    });
    *afetch(x: string): Coroutine<string> {
      return yield* this.ablockingRead(x);
    }
    fetch = enterAsync(Client.prototype.afetch);
    *blocks(): Coroutine<void> {
      yield* getRunningLoop().createFuture<void>();
    }
    methodBlocks = enterAsync(Client.prototype.blocks);
  }
  const c = new Client();
  assert.equal(c.fetch("a"), "a!");
  assert.equal(c.fetch.name, "afetch");
  // Stepped by hand, outside a session, the leave is refused.
  assert.throws(
    () => Client.prototype.afetch.call(c, "b").next(),
    SyncDriveRequiredError,
  );
  // Blocking: there is no running loop here, so the future cannot even be
  // made; inside a loop it is a SynchronousError.
  assert.throws(() => c.methodBlocks(), /no running event loop/);
});

Deno.test("enterAsync: a coroutine that blocks is a SynchronousError", async () => {
  function* blocks(): Coroutine<void> {
    yield* getRunningLoop().createFuture<void>();
  }
  const syncBlocks = enterAsync(blocks);
  await run((function* () {
    assert.throws(() => syncBlocks(), /failed to complete synchronously/);
  })());
  assert.throws(
    () => enterAsync(42 as never),
    /enterAsync\(\): fn must be a function/,
  );
  assert.throws(
    () => leaveSync(42 as never),
    /leaveSync\(\): fn must be a function/,
  );
});

Deno.test("aiterSync: iterates a GeneratorObjectIterator synchronously", () => {
  const g = new GeneratorObject<number>();
  const it = g.iterate((function* () {
    for (let i = 0; i < 5; i++) yield* g.ayield(i);
  })());
  assert.deepEqual([...aiterSync(it)], [0, 1, 2, 3, 4]);
});

Deno.test("aiterSync: a native async iterable is a TypeError saying why", () => {
  async function* agen() {
    yield 1;
  }
  assert.throws(
    () => aiterSync(agen() as never),
    (e) => e instanceof TypeError && /native async iterable/.test(e.message),
  );
  assert.throws(() => aiterSync(42 as never), /coroutine anext\(\)/);
});

Deno.test("aiterSync: a step that blocks is a SynchronousError", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    const it = g.iterate((function* () {
      yield* g.ayield(1);
      yield* sleep(5);
      yield* g.ayield(2);
    })());
    const gen = aiterSync(it);
    assert.deepEqual(gen.next(), { value: 1, done: false });
    assert.throws(() => gen.next(), SynchronousError);
  })());
});

// ---- asynkit test_loop.py TestTasks, on both loops -----------------------------

function* foo(ms = 0): Coroutine<void> {
  yield* sleep(ms);
}
const fourTasks = (ms = 0) => [0, 1, 2, 3].map(() => createTask(foo(ms)));

/** allTasks() = runnableTasks() ∪ blockedTasks() ∪ {currentTask()}. */
function identity(): void {
  const all2 = new Set([...runnableTasks(), ...blockedTasks(), currentTask()]);
  assert.deepEqual(allTasks(), all2);
}

loopTest("TestTasks: find, remove and put back a task's handle", async () => {
  await runOn((function* () {
    const loop = getRunningLoop();
    yield* sleep(0);
    const tasks = fourTasks();
    assert.deepEqual(readyTasks().slice(-tasks.length), tasks);
    const task = createTask(foo());
    const item = readyFind(task, { remove: true });
    assert.ok(item !== null);
    assert.equal(readyFind(task), null);
    assert.equal(readyFind(task, { remove: true }), null);
    loop.readyInsert(loop.readyLen(), item);
    assert.equal(readyFind(task), item);
    yield* task;
  })());
});

loopTest(
  "TestTasks: readyTasks and readyLen count tasks and callbacks",
  async () => {
    await runOn((function* () {
      const loop = getRunningLoop();
      yield* sleep(0);
      const initial = loop.readyLen();
      const tasks = fourTasks();
      assert.deepEqual(new Set(readyTasks()), new Set(tasks));
      assert.equal(loop.readyLen(), tasks.length + initial);
      loop.callSoon(() => {});
      assert.ok(loop.readyLen() > tasks.length + initial);
      assert.deepEqual(new Set(readyTasks()), new Set(tasks));
    })());
  },
);

loopTest(
  "TestTasks: runnableTasks, blockedTasks and the identity",
  async () => {
    await runOn((function* () {
      const tasks = fourTasks();
      assert.deepEqual(runnableTasks(), new Set(tasks));
      identity();
      yield* sleep(0); // settled on their sleep(0)
      assert.deepEqual(runnableTasks(), new Set(tasks));
      identity();
      yield* sleep(0);
      assert.deepEqual(runnableTasks(), new Set());

      const slow = fourTasks(100);
      identity();
      yield* sleep(0);
      assert.deepEqual(blockedTasks(), new Set(slow));
      assert.deepEqual(runnableTasks(), new Set());
      identity();
      for (const t of slow) t.cancel();
      identity();
    })());
  },
);

loopTest(
  "TestTasks: taskFromHandle finds a task in getReadyQueue",
  async () => {
    await runOn((function* () {
      const task = createTask(foo());
      assert.ok(getReadyQueue().some((h) => taskFromHandle(h) === task));
      yield* task;
    })());
  },
);

for (const count of [1, 2, 6]) {
  loopTest(`TestTasks: readyRemove a task's handle [${count}]`, async () => {
    await runOn((function* () {
      const loop = getRunningLoop();
      const tasks = Array.from({ length: count }, () => createTask(foo()));
      const handle = readyFind(tasks[0]);
      assert.ok(handle !== null);
      assert.ok(taskIsRunnable(tasks[0]));
      readyRemove(handle);
      assert.throws(() => readyRemove(handle), /handle not in queue/);
      assert.equal(readyFind(tasks[0]), null);
      loop.readyInsert(loop.readyLen(), handle);
      for (const t of tasks) yield* t;
    })());
  });
}
