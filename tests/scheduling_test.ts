// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
import assert from "node:assert/strict";
import {
  allTasks,
  type Coroutine,
  createTask,
  currentTask,
  type Future,
  getRunningLoop,
  run,
  sleep,
  type Task,
} from "../mod.ts";
import { coroEager, GeneratorExit } from "../eager.ts";
import {
  awaitSync,
  blockedTasks,
  coroDrive,
  createTaskDescend,
  createTaskStart,
  readyFind,
  readyRemove,
  readyTasks,
  runnableTasks,
  sleepInsert,
  SynchronousAbort,
  SynchronousError,
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

Deno.test("callInsert behaves like Array insert on the ready queue", async () => {
  for (const n of [1, 2, 6]) {
    for (const perm of perms(n)) {
      await run((function* () {
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
});

// ---- ready queue sizes and tasks ---------------------------------------------

for (const n of [2, 6]) {
  Deno.test(`readyLen counts every handle; runnableTasks only tasks [${n}]`, async () => {
    await run((function* () {
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
  });
}

// ---- sleepInsert / taskReinsert / taskSwitch (asynkit.md §5.6) -----------

for (const pos of [0, 1, 3]) {
  Deno.test(`sleepInsert(${pos})`, async () => {
    const log = await run((function* () {
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
  Deno.test(`taskReinsert(last, ${pos})`, async () => {
    const log = await run((function* () {
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

Deno.test("taskReinsert: a blocked task is not scheduled", async () => {
  await run((function* () {
    const t = createTask(sleep(50));
    yield* sleep(0);
    assert.throws(() => taskReinsert(t as Task<unknown>, 0), {
      name: "RangeError",
      message: "Task is not scheduled",
    });
    assert.throws(() => taskReinsert(t as Task<unknown>, 0.5), TypeError);
    t.cancel();
  })());
});

for (const pos of [0, 1, 3, 5]) {
  Deno.test(`taskSwitch(tasks[${pos}])`, async () => {
    const log = await run((function* () {
      const log: Log = [];
      const tasks = makeTasks(6, log);
      yield* taskSwitch(tasks[pos] as Task<unknown>);
      log.push("me");
      return log;
    })());
    const others = [0, 1, 2, 3, 4, 5].filter((i) => i !== pos);
    assert.deepEqual(log, [pos, ...others, "me"]);
  });

  Deno.test(`taskSwitch(tasks[${pos}], { insertPos: 1 })`, async () => {
    const log = await run((function* () {
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

Deno.test("taskSwitch: insertPos 0 runs the caller before the target", async () => {
  const log = await run((function* () {
    const log: Log = [];
    const tasks = makeTasks(3, log);
    yield* taskSwitch(tasks[2] as Task<unknown>, { insertPos: 0 });
    log.push("me");
    yield* sleep(0);
    return log;
  })());
  assert.deepEqual(log, ["me", 2, 0, 1]);
});

Deno.test("taskSwitch: a task taken out of the queue, or blocked, is an error", async () => {
  await run((function* () {
    const loop = getRunningLoop();
    const log: Log = [];
    const tasks = makeTasks(3, log);
    const h = readyFind(tasks[1] as Task<unknown>, { remove: true });
    assert.ok(h !== null);
    yield* rejects(taskSwitch(tasks[1] as Task<unknown>), (e) => {
      assert.ok(e instanceof RangeError);
      assert.equal((e as Error).message, "Task is not scheduled");
    });
    loop.readyInsert(0, h);
    const blocked = createTask(sleep(50));
    yield* sleep(0);
    yield* rejects(taskSwitch(blocked as Task<unknown>), (e) => {
      assert.equal((e as Error).message, "Task is not scheduled");
    });
    blocked.cancel();
    yield* sleep(0);
    assert.deepEqual(log, [1, 0, 2]);
  })());
});

Deno.test("sleepInsert outside a task is an error", async () => {
  await run((function* () {
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

Deno.test("readyFind / readyRemove", async () => {
  await run((function* () {
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
      message: "handle not in queue",
    });
    assert.equal(readyFind(tasks[1]), null);
    const loop = getRunningLoop();
    loop.readyInsert(0, h);
    loop.readyInsert(0, h1);
    yield* sleep(0);
    assert.deepEqual(log, [1, 0, 2]);
  })());
});

Deno.test("runnableTasks / blockedTasks and the identity", async () => {
  await run((function* () {
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

Deno.test("taskIsBlocked: sleep, cancel, done", async () => {
  await run((function* () {
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

Deno.test("taskIsBlocked: a future's result, exception or cancel wakes at once", async () => {
  for (const how of ["result", "exception", "cancel"] as const) {
    await run((function* () {
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
});

Deno.test("taskIsBlocked: A awaiting B stays blocked until B has finished", async () => {
  await run((function* () {
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
});

// ---- the seed README's legacy primitives: readyRotate, readyPop/readyInsert --

for (const n of [3, 5]) {
  for (let shift = -3; shift <= 3; shift++) {
    Deno.test(`readyRotate(${shift}) with ${n} tasks`, async () => {
      const log = await run((function* () {
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
  Deno.test(`readyPop(${source}) then readyInsert(${dest})`, async () => {
    const log = await run((function* () {
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

Deno.test("createTaskDescend: the child runs first; the task is current in it", async () => {
  await run((function* () {
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
});

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
    yield* sleep(10);
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
  Deno.test(`depth-first tree log: depth ${depth}, ${method}`, async () => {
    const log: string[] = [];
    const leaves = await run(recursive(converters[method], Number(depth), log));
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
