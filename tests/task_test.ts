// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
// Conformance tests for task.ts: asyncio §3.2–3.6 (creation, stepping,
// cancellation, sleep, gather), DESIGN §3/§4 (yield rules in TS terms,
// host interop), and the test_tasks names of Appendix A.
import assert from "node:assert/strict";
import {
  allTasks,
  CancelledError,
  Context,
  ContextVar,
  type Coroutine,
  createTask,
  currentTask,
  eager,
  eagerTaskFactory,
  ensureFuture,
  EventLoop,
  type ExceptionContext,
  fromPromise,
  Future,
  gather,
  getRunningLoop,
  KeyboardInterrupt,
  run,
  Runner,
  sleep,
  Task,
  TaskGroup,
  type TaskOptions,
  timeout,
  waitFor,
} from "../mod.ts";
import { mainVirtual } from "./_util.ts";

// ---------------------------------------------------------------- helpers

/** Runs a coroutine made by `fn` with `run()`. */
function go<T>(fn: () => Coroutine<T>): Promise<T> {
  return run(fn());
}

/** Awaits `x` and returns what it threw; fails if it did not throw. */
function* caught(x: Future<unknown> | Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* x;
  } catch (e) {
    return e;
  }
  throw new Error("expected the awaitable to throw");
}

/** Asserts `e` is a CancelledError with exactly `message`. */
function assertCancelled(e: unknown, message: string): void {
  assert.ok(e instanceof CancelledError, `not a CancelledError: ${e}`);
  assert.equal(e.message, message);
}

/** A coroutine that waits (practically) forever. */
function forever(): Coroutine<void> {
  return sleep(1_000_000);
}

/** The number in a `Task-N` name. */
function taskNumber(t: Task<unknown>): number {
  const m = /^Task-(\d+)$/.exec(t.getName());
  assert.ok(m, `not a default task name: ${t.getName()}`);
  return Number(m[1]);
}

// ------------------------------------------- §3.2 creation, names, registry

Deno.test("createTask: default names are Task-N from one global counter", async () => {
  const loop1 = new EventLoop();
  const loop2 = new EventLoop();
  const a = loop1.createTask(sleep(0));
  const b = loop2.createTask(sleep(0));
  const c = new Task(sleep(0), { loop: loop1 });
  assert.equal(taskNumber(b), taskNumber(a) + 1);
  assert.equal(taskNumber(c), taskNumber(b) + 1);
  await loop1.runUntilComplete(gatherOn(loop1, [a, c]));
  await loop2.runUntilComplete(b);
  loop1.close();
  loop2.close();
});

/** Waits for several futures of `loop` from outside a running loop. */
function gatherOn(loop: EventLoop, fs: Future<unknown>[]): Coroutine<void> {
  return (function* () {
    assert.equal(getRunningLoop(), loop);
    for (const f of fs) yield* f;
  })();
}

Deno.test("createTask: name option is used; setName converts to a string", async () => {
  await go(function* () {
    const t = createTask(sleep(0), { name: "job" });
    assert.equal(t.getName(), "job");
    t.setName(42);
    assert.equal(t.getName(), "42");
    const u = getRunningLoop().createTask(sleep(0), { name: "other" });
    assert.equal(u.getName(), "other");
    yield* t;
    yield* u;
  });
});

Deno.test("a task's first step runs on the next loop iteration, not in createTask", () => {
  const loop = new EventLoop();
  const log: string[] = [];
  const t = loop.createTask((function* () {
    log.push("body");
  })());
  assert.deepEqual(log, []);
  assert.equal(t.done(), false);
  assert.equal(loop.readyLen(), 1);
  loop._runSync(1);
  assert.deepEqual(log, ["body"]);
  assert.equal(t.done(), true);
  loop.close();
});

Deno.test("allTasks holds the pending tasks; currentTask is the stepping task", async () => {
  await go(function* () {
    const main = currentTask();
    assert.ok(main instanceof Task);
    let seen: Task<unknown> | null = null;
    const t = createTask((function* () {
      seen = currentTask();
      yield* sleep(1);
    })());
    assert.deepEqual(allTasks(), new Set([main, t]));
    yield* sleep(0);
    assert.equal(seen, t);
    assert.equal(currentTask(), main);
    yield* t;
    assert.equal(t.done(), true);
    assert.deepEqual(allTasks(), new Set([main]));
  });
});

Deno.test("currentTask is null in a plain callback; currentTask(loop)/allTasks(loop) work off-loop", async () => {
  const loop = new EventLoop();
  let inCallback: unknown = "unset";
  loop.callSoon(() => {
    inCallback = currentTask();
  });
  const t = loop.createTask(sleep(0));
  assert.equal(currentTask(loop), null);
  assert.deepEqual(allTasks(loop), new Set([t]));
  // allTasks returns a new set each time.
  allTasks(loop).clear();
  assert.equal(allTasks(loop).size, 1);
  await loop.runUntilComplete(t);
  assert.equal(inCallback, null);
  assert.equal(allTasks(loop).size, 0);
  loop.close();
});

Deno.test("createTask, currentTask and allTasks without a running loop: 'no running event loop'", () => {
  assert.throws(() => createTask(sleep(0)), /no running event loop/);
  assert.throws(() => currentTask(), /no running event loop/);
  assert.throws(() => allTasks(), /no running event loop/);
});

Deno.test("createTask with a non-coroutine: TypeError 'a coroutine was expected'", async () => {
  const loop = new EventLoop();
  const bad: unknown[] = [
    1,
    null,
    undefined,
    "x",
    {},
    () => {},
    Promise.resolve(1),
    [1, 2],
    loop.createFuture(),
  ];
  for (const x of bad) {
    const c = x as Coroutine<unknown>;
    assert.throws(() => loop.createTask(c), (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /a coroutine was expected/);
      return true;
    });
    assert.throws(() => new Task(c, { loop }), TypeError);
  }
  await go(function* () {
    assert.throws(
      () => createTask(5 as unknown as Coroutine<void>),
      /a coroutine was expected, got 5/,
    );
  });
  assert.equal(allTasks(loop).size, 0);
  loop.close();
});

Deno.test("createTask with an uncalled generator function names it as a generator function", () => {
  const loop = new EventLoop();
  function* worker(): Coroutine<void> {}
  assert.throws(
    () => loop.createTask(worker as unknown as Coroutine<void>),
    (e: unknown) => {
      assert.ok(e instanceof TypeError);
      assert.match(e.message, /a coroutine was expected/);
      assert.match(e.message, /generator function/);
      assert.match(e.message, /worker/);
      return true;
    },
  );
  loop.close();
});

Deno.test("createTask on a closed loop: 'Event loop is closed'", () => {
  const loop = new EventLoop();
  loop.close();
  assert.throws(() => loop.createTask(sleep(0)), /Event loop is closed/);
  assert.throws(() => new Task(sleep(0), { loop }), /Event loop is closed/);
});

Deno.test("Task.setResult / Task.setException throw (asyncio's RuntimeError)", async () => {
  const loop = new EventLoop();
  const t = loop.createTask((function* () {
    return 1;
  })());
  assert.throws(
    () => t.setResult(2),
    /Task does not support set_result operation/,
  );
  assert.throws(
    () => t.setException(new Error("x")),
    /Task does not support set_exception operation/,
  );
  assert.equal(await loop.runUntilComplete(t), 1);
  assert.throws(() => t.setResult(2), /does not support set_result/);
  loop.close();
});

Deno.test("getCoro returns the generator; getContext the given or a captured context", async () => {
  const loop = new EventLoop();
  const coro = (function* () {
    return 1;
  })();
  const ctx = new Context();
  const t = loop.createTask(coro, { context: ctx });
  assert.equal(t.getCoro(), coro);
  assert.equal(t.getContext(), ctx);
  const u = loop.createTask(sleep(0));
  assert.ok(u.getContext() instanceof Context);
  assert.notEqual(u.getContext(), ctx);
  await loop.runUntilComplete(t);
  await loop.runUntilComplete(u);
  assert.equal(t.getCoro(), coro);
  loop.close();
});

Deno.test("task factory: setTaskFactory is used by createTask, gets the context, name applied", async () => {
  const loop = new EventLoop();
  assert.equal(loop.getTaskFactory(), null);
  const calls: { ctx: Context | undefined }[] = [];
  const factory = (
    l: EventLoop,
    coro: Coroutine<unknown>,
    opts?: { context?: Context },
  ): Task<unknown> => {
    calls.push({ ctx: opts?.context });
    return new Task(coro, { loop: l, context: opts?.context });
  };
  loop.setTaskFactory(factory);
  assert.equal(loop.getTaskFactory(), factory);
  const ctx = new Context();
  const t = loop.createTask(sleep(0, 1), { name: "made", context: ctx });
  assert.equal(t.getName(), "made");
  assert.equal(t.getContext(), ctx);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].ctx, ctx);
  assert.equal(await loop.runUntilComplete(t), 1);
  // runUntilComplete(coro) goes through the factory too.
  assert.equal(await loop.runUntilComplete(sleep(0, 2)), 2);
  assert.equal(calls.length, 2);
  assert.equal(calls[1].ctx, undefined);
  loop.setTaskFactory(null);
  assert.equal(loop.getTaskFactory(), null);
  await loop.runUntilComplete(sleep(0));
  assert.equal(calls.length, 2);
  assert.throws(
    () => loop.setTaskFactory(5 as unknown as null),
    TypeError,
  );
  loop.close();
});

// ------------------------------------------------------------ context tests

Deno.test("test_context_1: a child task sees the parent's values at creation, changes stay apart", async () => {
  const cvar = new ContextVar<string>("cvar", { default: "nope" });
  await go(function* () {
    assert.equal(cvar.get(), "nope");
    const sub = createTask((function* () {
      yield* sleep(1);
      assert.equal(cvar.get(), "nope");
      cvar.set("something else");
      return cvar.get();
    })());
    cvar.set("yes");
    assert.equal(cvar.get(), "yes");
    assert.equal(yield* sub, "something else");
    assert.equal(cvar.get(), "yes");
  });
});

Deno.test("test_context_2: the context is copied at createTask, not at the first step", async () => {
  const v = new ContextVar<string>("v", { default: "d" });
  const r = await go(function* () {
    v.set("before");
    const t = createTask((function* () {
      return v.get();
    })());
    v.set("after");
    return yield* t;
  });
  assert.equal(r, "before");
});

Deno.test("test_context_3: every step of a task runs in its own context", async () => {
  const v = new ContextVar<number>("v", { default: -1 });
  const seen: [number, number][] = [];
  function* worker(i: number): Coroutine<void> {
    v.set(i);
    for (let k = 0; k < 3; k++) {
      yield* sleep(k === 1 ? 1 : 0);
      seen.push([i, v.get()]);
    }
  }
  await go(function* () {
    yield* gather([worker(1), worker(2), worker(3)]);
    assert.equal(v.get(), -1);
  });
  assert.equal(seen.length, 9);
  for (const [i, got] of seen) assert.equal(got, i);
});

Deno.test("test_context_4: createTask({context}) runs in that context; its writes land there", async () => {
  const v = new ContextVar<string>("v", { default: "d" });
  await go(function* () {
    const ctx = new Context();
    const t = createTask(
      (function* () {
        assert.equal(v.get(), "d");
        v.set("in ctx");
        yield* sleep(0);
        return v.get();
      })(),
      { context: ctx },
    );
    assert.equal(yield* t, "in ctx");
    assert.equal(ctx.get(v), "in ctx");
    assert.equal(v.get(), "d");
  });
});

Deno.test("test_context_5: two tasks sharing one Context see each other's writes", async () => {
  const v = new ContextVar<number>("v", { default: 0 });
  await go(function* () {
    const ctx = new Context();
    const a = createTask(
      (function* () {
        v.set(1);
        yield* sleep(1);
        return v.get();
      })(),
      { context: ctx },
    );
    const b = createTask(
      (function* () {
        yield* sleep(0);
        assert.equal(v.get(), 1);
        v.set(2);
      })(),
      { context: ctx },
    );
    yield* b;
    assert.equal(yield* a, 2);
    assert.equal(ctx.get(v), 2);
  });
});

// ------------------------------------------------------- §3.3 task stepping

Deno.test("test_step_result_future: the task waits on the future and resumes next iteration", () => {
  const loop = new EventLoop();
  const fut = loop.createFuture<object>();
  let result: unknown = "unset";
  const t = loop.createTask((function* () {
    result = yield* fut;
  })());
  loop._runSync(1);
  assert.equal(t._futWaiter, fut);
  assert.ok(fut._callbacks !== null); // the task registered as a waiter
  assert.equal(t.done(), false);
  loop._runSync(1); // nothing to do: still waiting
  assert.equal(result, "unset");
  const res = {};
  fut.setResult(res);
  assert.equal(t.done(), false); // never resumed synchronously
  loop._runSync(1);
  assert.equal(result, res);
  assert.equal(t.done(), true);
  assert.equal(t.result(), undefined);
  loop.close();
});

Deno.test("an awaited future's exception is thrown into the coroutine at the yield*", async () => {
  const err = new Error("boom");
  const r = await go(function* () {
    const f = getRunningLoop().createFuture<number>();
    getRunningLoop().callSoon(() => f.setException(err));
    return yield* caught(f);
  });
  assert.equal(r, err);
});

Deno.test("a bare yield and sleep(0) each give up exactly one iteration: a1 b1 a2 b2", async () => {
  const log: string[] = [];
  await go(function* () {
    // @ts-expect-error a bare yield on purpose (at run time: one loop turn)
    yield* gather([
      (function* () {
        log.push("a1");
        yield;
        log.push("a2");
      })(),
      (function* () {
        log.push("b1");
        yield* sleep(0);
        log.push("b2");
      })(),
    ]);
  });
  assert.deepEqual(log, ["a1", "b1", "a2", "b2"]);
});

Deno.test("sleep(0) is the fast path: no future, no timer, one reschedule", () => {
  const loop = new EventLoop();
  const log: string[] = [];
  const t = loop.createTask((function* () {
    log.push("1");
    yield* sleep(0);
    log.push("2");
    yield* sleep(-5);
    log.push("3");
    return yield* sleep(-1, "v");
  })());
  loop._runSync(1);
  assert.deepEqual(log, ["1"]);
  assert.equal(t._futWaiter, null);
  assert.equal(loop._timers.length, 0);
  assert.equal(loop.readyLen(), 1);
  loop._runSync(1);
  assert.deepEqual(log, ["1", "2"]);
  loop._runSync(1);
  assert.deepEqual(log, ["1", "2", "3"]);
  assert.equal(t.done(), false);
  loop._runSync(1);
  assert.equal(t.result(), "v");
  loop.close();
});

Deno.test("yield fut (without star) throws 'yield was used instead of yield*' into the coroutine", async () => {
  // @ts-expect-error yields a non-Suspend on purpose (the run-time yield rule)
  const r = await go(function* () {
    const f = getRunningLoop().createFuture<number>();
    let msg = "";
    try {
      yield f;
    } catch (e) {
      msg = (e as Error).message;
    }
    assert.equal(f.done(), false);
    f.setResult(3);
    return [msg, yield* f] as const;
  });
  assert.match(r[0], /yield was used instead of yield\*/);
  assert.equal(r[1], 3);
});

Deno.test("yield of a generator object (without star) is an error thrown into the coroutine", async () => {
  // @ts-expect-error yields a non-Suspend on purpose (the run-time yield rule)
  const msg = await go(function* () {
    try {
      yield sleep(5);
    } catch (e) {
      return (e as Error).message;
    }
    return "no error";
  });
  assert.match(msg, /yield was used instead of yield\* for generator/);
});

Deno.test("yield 1: 'Task got bad yield: 1' is thrown in at the next step and can be caught", () => {
  const loop = new EventLoop();
  const log: string[] = [];
  // @ts-expect-error yields a non-Suspend on purpose (the run-time yield rule)
  const t = loop.createTask((function* () {
    try {
      yield 1;
      log.push("resumed normally");
    } catch (e) {
      log.push((e as Error).message);
    }
    return "recovered";
  })());
  loop._runSync(1);
  assert.deepEqual(log, []); // not thrown in during the same step
  assert.equal(t.done(), false);
  loop._runSync(1);
  assert.deepEqual(log, ["Task got bad yield: 1"]);
  assert.equal(t.result(), "recovered");
  loop.close();
});

Deno.test("bad yields of other values fail an uncatching task with 'Task got bad yield'", async () => {
  const loop = new EventLoop();
  function f() {}
  const values: [unknown, RegExp][] = [
    ["x", /^Task got bad yield: "x"$/],
    [f, /^Task got bad yield: function f$/],
    [{ a: 1 }, /^Task got bad yield: /],
    [null, /^Task got bad yield: null$/],
  ];
  for (const [value, re] of values) {
    // @ts-expect-error yields a non-Suspend on purpose (the run-time yield rule)
    const t = loop.createTask((function* () {
      yield value;
      return "not reached";
    })());
    const e = await loop.runUntilComplete(t).then(
      () => null,
      (err: unknown) => err,
    );
    assert.ok(e instanceof Error);
    assert.match(e.message, re);
    assert.equal(t.cancelled(), false);
  }
  loop.close();
});

Deno.test("test_task_awaits_on_itself: 'Task cannot await on itself'", async () => {
  const msg = await go(function* () {
    const self = currentTask()!;
    const e = yield* caught(self);
    yield* sleep(0); // the task keeps working afterwards
    return (e as Error).message;
  });
  assert.match(msg, /^Task cannot await on itself/);
});

Deno.test("test_other_loop_future: a future of another loop is 'attached to a different loop'", async () => {
  const other = new EventLoop();
  const f = other.createFuture<number>();
  try {
    const msg = await go(function* () {
      const e = yield* caught(f);
      return (e as Error).message;
    });
    assert.match(msg, /got Future .* attached to a different loop/);
    assert.equal(f.done(), false);
  } finally {
    other.close();
  }
});

Deno.test("a coroutine that throws fails its task; the loop keeps running others", async () => {
  const err = new Error("bad");
  await go(function* () {
    const bad = createTask((function* () {
      yield* sleep(0);
      throw err;
    })());
    const good = createTask(sleep(5, "fine"));
    assert.equal(yield* caught(bad), err);
    assert.equal(bad.exception(), err);
    assert.equal(bad.cancelled(), false);
    assert.equal(yield* good, "fine");
  });
});

Deno.test("a coroutine that throws CancelledError itself ends cancelled though nobody cancelled it", async () => {
  await go(function* () {
    const own = new CancelledError("mine");
    const t = createTask((function* () {
      yield* sleep(0);
      throw own;
    })());
    const e = yield* caught(t);
    assert.equal(t.cancelled(), true);
    assert.equal(t.cancelling(), 0);
    assert.equal(e, own); // the first awaiter gets the original
  });
});

Deno.test("KeyboardInterrupt thrown by a task escapes containment and stops the loop", async () => {
  const loop = new EventLoop();
  const ki = new KeyboardInterrupt();
  const t = loop.createTask((function* () {
    yield* sleep(0);
    throw ki;
  })());
  const main = loop.createTask(sleep(50));
  await assert.rejects(loop.runUntilComplete(main), (e) => e === ki);
  assert.equal(t.exception(), ki);
  assert.equal(main.done(), false);
  main.cancel();
  await loop.runUntilComplete(main).catch(() => {});
  loop.close();
});

// ------------------------------------------------------ §3.4 cancellation

Deno.test("test_cancelling: cancel() counts every call; the count survives completion", async () => {
  const loop = new EventLoop();
  const t = loop.createTask(forever());
  loop._runSync(1);
  assert.equal(t.cancelling(), 0);
  assert.equal(t.cancel(), true);
  assert.equal(t.cancelling(), 1);
  assert.equal(t.cancel(), true);
  assert.equal(t.cancelling(), 2);
  assert.match(String(t), /cancelling/);
  await assert.rejects(loop.runUntilComplete(t), CancelledError);
  assert.equal(t.cancelled(), true);
  assert.equal(t.cancelling(), 2);
  assert.equal(t.cancel(), false); // done: refused and not counted
  assert.equal(t.cancelling(), 2);
  loop.close();
});

Deno.test("test_uncancel_basic: uncancel decrements and never goes below 0", async () => {
  const loop = new EventLoop();
  const t = loop.createTask((function* () {
    try {
      yield* forever();
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      const self = currentTask()!;
      assert.equal(self.cancelling(), 1);
      assert.equal(self.uncancel(), 0);
      assert.equal(self.uncancel(), 0);
      return "uncancelled";
    }
  })());
  loop._runSync(1);
  t.cancel();
  assert.equal(await loop.runUntilComplete(t), "uncancelled");
  assert.equal(t.cancelled(), false);
  assert.equal(t.cancelling(), 0);
  loop.close();
});

Deno.test("uncancel does not clear a pending cancel (3.11): the next sleep(0) still raises", async () => {
  const r = await go(function* () {
    const t = currentTask()!;
    t.cancel();
    t.cancel();
    assert.equal(t.uncancel(), 1);
    assert.equal(t.uncancel(), 0);
    const e = yield* caught(sleep(0));
    assert.ok(e instanceof CancelledError);
    yield* sleep(0); // only one CancelledError was pending
    return "survived";
  });
  assert.equal(r, "survived");
});

Deno.test("test_cancel_with_message_then_future_result: first awaiter gets the original, later calls a fresh one", async () => {
  await go(function* () {
    let thrownIn: unknown = null;
    const t = createTask((function* () {
      try {
        yield* forever();
      } catch (e) {
        thrownIn = e;
        throw e;
      }
    })());
    yield* sleep(0);
    assert.equal(t.cancel("my message"), true);
    const first = yield* caught(t);
    assertCancelled(first, "my message");
    assert.equal(first, thrownIn);
    assertCancelled(thrownIn, "my message");
    let later: unknown = null;
    try {
      t.result();
    } catch (e) {
      later = e;
    }
    assertCancelled(later, "");
    assert.notEqual(later, first);
  });
});

Deno.test("test_cancel_with_message_then_future_exception: exception() throws CancelledError too", () => {
  const loop = new EventLoop();
  const t = loop.createTask(forever());
  loop._runSync(1);
  t.cancel("my message");
  loop._runSync(2);
  assert.equal(t.cancelled(), true);
  let first: unknown = null;
  try {
    t.exception();
  } catch (e) {
    first = e;
  }
  assertCancelled(first, "my message"); // the saved original, once
  assert.throws(() => t.exception(), (e) => {
    assertCancelled(e, "");
    return true;
  });
  loop.close();
});

Deno.test("test_cancel_with_message_before_starting_task: the body never runs", async () => {
  await go(function* () {
    let ran = false;
    const t = createTask((function* () {
      ran = true;
      yield* sleep(0);
    })());
    assert.equal(t.cancel("early"), true);
    const e = yield* caught(t);
    assertCancelled(e, "early");
    assert.equal(ran, false);
    assert.equal(t.cancelled(), true);
    assert.equal(t.cancelling(), 1);
  });
});

// The cancelled waiter's own CancelledError (the first message) is thrown in,
// not a new one built from the second cancel's message.
Deno.test({
  name: "cancel twice: the first message wins once the waiter is cancelled",
  fn: async () => {
    await go(function* () {
      let seen: unknown = null;
      const t = createTask((function* () {
        try {
          yield* forever();
        } catch (e) {
          seen = e;
        }
      })());
      yield* sleep(0);
      t.cancel("m1");
      t.cancel("m2");
      yield* t;
      assertCancelled(seen, "m1");
      assert.equal(t.cancelling(), 2);
    });
  },
});

Deno.test("cancelling a task blocked on another task cancels the inner one; awaiters see O, then ''", async () => {
  await go(function* () {
    const inner = createTask(forever());
    const outer = createTask((function* () {
      return yield* caught(inner);
    })());
    const second = createTask((function* () {
      yield* sleep(0); // start waiting after outer
      return yield* caught(inner);
    })());
    yield* sleep(0);
    yield* sleep(0);
    assert.equal(outer._futWaiter, inner);
    assert.equal(outer.cancel("O"), true);
    const seenByOuter = yield* outer;
    const seenBySecond = yield* second;
    assert.equal(inner.cancelled(), true);
    assertCancelled(seenByOuter, "O");
    assertCancelled(seenBySecond, "");
    // outer caught the error and returned: not cancelled.
    assert.equal(outer.cancelled(), false);
    assert.equal(outer.cancelling(), 1);
    assert.equal(inner.cancelling(), 1);
  });
});

Deno.test("test_cancel_current_task: self-cancel raises at the next suspension", async () => {
  await go(function* () {
    const log: string[] = [];
    const t = createTask((function* () {
      log.push("start");
      assert.equal(currentTask()!.cancel(), true);
      log.push("after cancel"); // cancel() itself does not throw
      yield* sleep(0);
      log.push("not reached");
    })());
    const e = yield* caught(t);
    assert.ok(e instanceof CancelledError);
    assert.deepEqual(log, ["start", "after cancel"]);
    assert.equal(t.cancelled(), true);
    assert.equal(t.cancelling(), 1);
  });
});

Deno.test("test_cancel_task_catching: catching the cancel and returning a value is not cancelled", async () => {
  await go(function* () {
    const t = createTask((function* () {
      try {
        yield* forever();
      } catch (e) {
        assert.ok(e instanceof CancelledError);
        return 42;
      }
      return 0;
    })());
    yield* sleep(0);
    t.cancel();
    assert.equal(yield* t, 42);
    assert.equal(t.cancelled(), false);
    assert.equal(t.result(), 42);
    assert.equal(t.cancelling(), 1);
  });
});

Deno.test("test_cancel_task_ignoring: a task may ignore the cancel and keep awaiting", async () => {
  await go(function* () {
    const loop = getRunningLoop();
    const fut1 = loop.createFuture<number>();
    const fut2 = loop.createFuture<number>();
    const t = createTask((function* () {
      try {
        yield* fut1;
      } catch {
        // ignored on purpose
      }
      return yield* fut2;
    })());
    yield* sleep(0);
    t.cancel();
    assert.equal(fut1.cancelled(), true);
    yield* sleep(0);
    yield* sleep(0);
    assert.equal(t.done(), false);
    fut2.setResult(7);
    assert.equal(yield* t, 7);
    assert.equal(t.cancelled(), false);
  });
});

Deno.test("test_cancel_at_end: a cancel requested during the final step wins", async () => {
  await go(function* () {
    const t = createTask((function* () {
      currentTask()!.cancel("end");
      return 12;
    })());
    const e = yield* caught(t);
    assertCancelled(e, "end");
    assert.equal(t.cancelled(), true);
  });
});

Deno.test("test_task_cancel_waiter_future: cancelling the task cancels the future it waits on", () => {
  const loop = new EventLoop();
  const fut = loop.createFuture<number>();
  const t = loop.createTask((function* () {
    return yield* fut;
  })());
  loop._runSync(1);
  assert.equal(t.cancel("w"), true);
  assert.equal(fut.cancelled(), true); // at once, via _futWaiter
  assert.equal(t.done(), false);
  loop._runSync(1);
  assert.equal(t.cancelled(), true);
  assert.throws(() => t.result(), (e) => {
    assertCancelled(e, "w");
    return true;
  });
  loop.close();
});

Deno.test("test_cancel_both_task_and_inner_future: the task still ends cancelled", () => {
  const loop = new EventLoop();
  const fut = loop.createFuture<number>();
  const t = loop.createTask((function* () {
    return yield* fut;
  })());
  loop._runSync(1);
  fut.cancel();
  assert.equal(t.cancel(), true); // waiter already done: _mustCancel
  loop._runSync(1);
  assert.equal(t.cancelled(), true);
  assert.equal(fut.cancelled(), true);
  loop.close();
});

Deno.test("a cancel after the awaited future finished, before the task resumed, replaces the result", () => {
  const loop = new EventLoop();
  const fut = loop.createFuture<number>();
  let got: unknown = "unset";
  const t = loop.createTask((function* () {
    try {
      got = yield* fut;
    } catch (e) {
      got = e;
    }
    return "end";
  })());
  loop._runSync(1);
  fut.setResult(1);
  assert.equal(t.cancel("late"), true);
  loop._runSync(1);
  assertCancelled(got, "late");
  assert.equal(t.result(), "end");
  loop.close();
});

Deno.test("test_cancel_yield: a task in a bare-yield loop is cancelled at its next step", () => {
  const loop = new EventLoop();
  let steps = 0;
  // @ts-expect-error a bare yield on purpose (at run time: one loop turn)
  const t = loop.createTask((function* () {
    for (;;) {
      steps++;
      yield;
    }
  })());
  loop._runSync(1);
  assert.equal(steps, 1);
  t.cancel();
  loop._runSync(1);
  assert.equal(t.cancelled(), true);
  assert.equal(steps, 1);
  loop.close();
});

Deno.test("after a bare yield, the next step is the task's own, with what comes next handled in full", async () => {
  await go(function* () {
    const loop = getRunningLoop();
    const fut = loop.createFuture<string>();
    const seen: unknown[] = [];
    const boom = new Error("boom");
    // Each resumed from sleep(0): waits on a future, returns, throws, and
    // yields bare again; each is the current task while it runs.
    let waits: Task<string> | null = null;
    waits = createTask((function* () {
      yield* sleep(0);
      seen.push(currentTask() === waits);
      loop.callSoon(() => fut.setResult("v"));
      const v = yield* fut;
      yield* sleep(0);
      return v;
    })());
    const returns = createTask((function* () {
      yield* sleep(0);
      return 7;
    })());
    const throws = createTask((function* () {
      yield* sleep(0);
      throw boom;
    })());
    // Cancelled from outside while it waits for its bare-yield turn, and
    // cancelling itself in the middle of a step that then yields bare.
    const outside = createTask((function* () {
      for (;;) yield* sleep(0);
    })());
    const itself = createTask((function* () {
      yield* sleep(0);
      currentTask()!.cancel("self");
      yield* sleep(0);
      seen.push("not reached");
    })());
    yield* sleep(0);
    yield* sleep(0);
    outside.cancel("outside");
    assert.equal(yield* waits!, "v");
    assert.equal(yield* returns, 7);
    assert.equal(yield* caught(throws), boom);
    const eOutside = yield* caught(outside);
    const eItself = yield* caught(itself);
    assert.ok(eOutside instanceof CancelledError);
    assert.equal(eOutside.message, "outside");
    assert.ok(eItself instanceof CancelledError);
    assert.equal(eItself.message, "self");
    assert.deepEqual(seen, [true]);
    assert.equal(currentTask()!.done(), false);
  });
});

Deno.test("a pending self-cancel is passed to the next future the task awaits", async () => {
  await go(function* () {
    const fut = getRunningLoop().createFuture<number>();
    const t = createTask((function* () {
      currentTask()!.cancel("pass");
      return yield* fut;
    })());
    const e = yield* caught(t);
    assertCancelled(e, "pass");
    assert.equal(fut.cancelled(), true);
  });
});

Deno.test("test_yield_future_passes_cancel: the cancel reaches the innermost await", async () => {
  let proof = 0;
  await go(function* () {
    const waiter = getRunningLoop().createFuture<void>();
    function* inner(): Coroutine<void> {
      try {
        yield* waiter;
      } catch (e) {
        proof += 1;
        throw e;
      }
      assert.fail("inner should not finish");
    }
    const f = createTask((function* () {
      try {
        yield* inner();
      } catch (e) {
        assert.ok(e instanceof CancelledError);
        proof += 100;
        return;
      }
      proof += 10;
    })());
    yield* sleep(0);
    f.cancel();
    yield* f;
    assert.equal(proof, 101);
    assert.equal(waiter.cancelled(), true);
  });
});

Deno.test("test_cancel_awaited_task: cancelling the awaited task cancels its awaiter too", async () => {
  await go(function* () {
    const inner = createTask(forever());
    const outer = createTask((function* () {
      yield* inner;
    })());
    yield* sleep(0);
    yield* sleep(0);
    inner.cancel("inner");
    const e = yield* caught(outer);
    assertCancelled(e, "inner");
    assert.equal(outer.cancelled(), true);
    assert.equal(outer.cancelling(), 0);
    assert.equal(inner.cancelling(), 1);
  });
});

Deno.test("cancellation is a throw, not return(): a finally that yield*s keeps running", async () => {
  const log: string[] = [];
  await go(function* () {
    const t = createTask((function* () {
      try {
        yield* forever();
      } finally {
        log.push("cleanup start");
        yield* sleep(2);
        log.push("cleanup mid");
        yield* fromPromise(Promise.resolve());
        log.push("cleanup end");
      }
    })());
    yield* sleep(0);
    t.cancel("stop");
    const e = yield* caught(t);
    assertCancelled(e, "stop");
    assert.equal(t.cancelled(), true);
  });
  assert.deepEqual(log, ["cleanup start", "cleanup mid", "cleanup end"]);
});

Deno.test("cancelling a task deep in a yield* chain unwinds every frame, innermost first", async () => {
  const log: string[] = [];
  function* level(n: number): Coroutine<void> {
    try {
      if (n === 0) yield* forever();
      else yield* level(n - 1);
    } finally {
      log.push(`finally ${n}`);
    }
  }
  await go(function* () {
    const t = createTask(level(2));
    yield* sleep(0);
    t.cancel();
    yield* caught(t);
  });
  assert.deepEqual(log, ["finally 0", "finally 1", "finally 2"]);
});

Deno.test("a cancelled task: runUntilComplete rejects; result()/exception() throw", async () => {
  const loop = new EventLoop();
  const t = loop.createTask(forever());
  loop.callSoon(() => t.cancel("bye"));
  await assert.rejects(loop.runUntilComplete(t), (e: unknown) => {
    assertCancelled(e, "bye");
    return true;
  });
  assert.throws(() => t.result(), CancelledError);
  assert.throws(() => t.exception(), CancelledError);
  assert.equal(t.done(), true);
  loop.close();
});

Deno.test("test_cancel_gather_1: cancelling a task that awaits gather cancels the children", async () => {
  await go(function* () {
    const a = createTask(forever());
    const b = createTask(forever());
    const t = createTask((function* () {
      return yield* gather([a, b]);
    })());
    yield* sleep(0);
    t.cancel("g");
    const e = yield* caught(t);
    assert.ok(e instanceof CancelledError);
    assert.equal(t.cancelled(), true);
    assert.equal(a.cancelled(), true);
    assert.equal(b.cancelled(), true);
  });
});

// ---------------------------------------------------------------- §3.5 sleep

Deno.test("sleep(ms, value) returns value; timers finish in deadline order", async () => {
  const log: string[] = [];
  const r = await mainVirtual(function* () {
    return yield* gather([
      (function* () {
        const v = yield* sleep(20, "slow");
        log.push(v);
        return v;
      })(),
      (function* () {
        const v = yield* sleep(1, "fast");
        log.push(v);
        return v;
      })(),
    ]);
  });
  assert.deepEqual(r, ["slow", "fast"]);
  assert.deepEqual(log, ["fast", "slow"]);
});

Deno.test("cancelling a sleeping task cancels its timer", async () => {
  const loop = new EventLoop();
  const t = loop.createTask(sleep(100_000));
  loop._runSync(1);
  assert.equal(loop._timers.length, 1);
  assert.ok(loop._nextDeadline() !== undefined);
  t.cancel();
  await assert.rejects(loop.runUntilComplete(t), CancelledError);
  assert.equal(loop._nextDeadline(), undefined);
  loop.close();
});

Deno.test("sleep argument checks: NaN → RangeError, non-number → TypeError", () => {
  assert.throws(
    () => sleep(NaN),
    (e) =>
      e instanceof RangeError &&
      e.message === "sleep(): ms must be a number, got NaN",
  );
  assert.throws(() => sleep("1" as unknown as number), TypeError);
  assert.throws(() => sleep(undefined as unknown as number), TypeError);
});

// --------------------------------------------------------------- §3.6 gather

Deno.test("gather: results follow argument order, not completion order", async () => {
  const r = await mainVirtual(function* () {
    return yield* gather([sleep(30, 1), sleep(10, 2), sleep(20, 3)]);
  });
  assert.deepEqual(r, [1, 2, 3]);
});

Deno.test("gather: the same object twice runs once and appears twice ['F','F',4]", async () => {
  let runs = 0;
  const r = await go(function* () {
    const c = (function* () {
      runs++;
      yield* sleep(1);
      return "F";
    })();
    const fut = getRunningLoop().createFuture<number>();
    getRunningLoop().callSoon(() => fut.setResult(4));
    return yield* gather([c, c, fut]);
  });
  assert.deepEqual(r, ["F", "F", 4]);
  assert.equal(runs, 1);
});

Deno.test("gather: with returnExceptions failures are placed in the results", async () => {
  const err = new Error("two");
  const r = await go(function* () {
    return yield* gather([
      sleep(1, 1),
      (function* () {
        yield* sleep(0);
        throw err;
      })(),
      sleep(2, 3),
    ], { returnExceptions: true });
  });
  assert.deepEqual(r, [1, err, 3]);
  assert.equal(r[1], err);
});

Deno.test("gather: without returnExceptions the first failure fails it at once; others keep running", async () => {
  const err = new Error("first");
  await mainVirtual(function* () {
    const slow = createTask(sleep(20, "slow"));
    const g = gather([
      slow,
      (function* () {
        yield* sleep(1);
        throw err;
      })(),
      (function* () {
        yield* sleep(5);
        throw new Error("second");
      })(),
    ]);
    const e = yield* caught(g);
    assert.equal(e, err);
    assert.equal(slow.done(), false);
    assert.equal(g.cancelled(), false);
    assert.equal(yield* slow, "slow"); // not cancelled
    yield* sleep(10); // let "second" fail; it is marked retrieved
  });
});

Deno.test("gather: a cancelled child fails it with CancelledError(msg) but it is not cancelled()", async () => {
  await go(function* () {
    const child = createTask(forever());
    const other = createTask(sleep(5, 1));
    const g = gather([child, other]);
    yield* sleep(0);
    child.cancel("child-msg");
    const e = yield* caught(g);
    assertCancelled(e, "child-msg");
    assert.equal(g.cancelled(), false);
    assert.equal(g.done(), true);
    yield* other;
  });
});

Deno.test("gather: with returnExceptions a cancelled child becomes CancelledError('' or msg)", async () => {
  const r = await go(function* () {
    const a = createTask(forever());
    const b = getRunningLoop().createFuture<void>();
    // A task that ends cancelled keeps no message (asyncio's Future.cancel()
    // without msg in __step), so gather reports ''.
    const c = createTask(forever());
    const g = gather([a, b, c, sleep(1, "ok")], { returnExceptions: true });
    yield* sleep(0);
    a.cancel();
    b.cancel("bee");
    c.cancel("tee");
    return yield* g;
  });
  assert.equal(r.length, 4);
  assertCancelled(r[0], "");
  assertCancelled(r[1], "bee");
  assertCancelled(r[2], "");
  assert.equal(r[3], "ok");
});

Deno.test("gather: cancelling the outer cancels the children and ends with CancelledError even with returnExceptions", async () => {
  for (const returnExceptions of [false, true]) {
    await go(function* () {
      const a = createTask(forever());
      const b = createTask(forever());
      const g = gather([a, b], { returnExceptions });
      yield* sleep(0);
      assert.equal(g.cancel("outer"), true);
      assert.equal(g.done(), false); // waits for the children
      const e = yield* caught(g);
      assert.ok(
        e instanceof CancelledError,
        `returnExceptions=${returnExceptions}`,
      );
      assert.equal(g.cancelled(), false);
      assert.equal(a.cancelled(), true);
      assert.equal(b.cancelled(), true);
      assert.equal(g.cancel(), false); // already done
    });
  }
});

Deno.test("gather: an empty list gives a done future with []", async () => {
  await go(function* () {
    const g = gather([]);
    assert.equal(g.done(), true);
    assert.deepEqual(g.result(), []);
    assert.deepEqual(yield* g, []);
  });
});

Deno.test("gather: rejects a non-iterable or a bare coroutine with TypeError", async () => {
  await go(function* () {
    assert.throws(() => gather(5 as unknown as []), TypeError);
    assert.throws(() => gather(null as unknown as []), TypeError);
    const c = sleep(0);
    assert.throws(() => gather(c as unknown as []), TypeError);
    yield* sleep(0);
  });
});

// --------------------------------------------- fromPromise and ensureFuture

Deno.test("fromPromise: a resolved promise gives its value; a rejected one throws its reason", async () => {
  const err = new Error("rejected");
  const r = await go(function* () {
    const v = yield* fromPromise(Promise.resolve("host"));
    const e = yield* caught(fromPromise(Promise.reject(err)));
    return [v, e];
  });
  assert.equal(r[0], "host");
  assert.equal(r[1], err);
});

Deno.test("fromPromise: settled later by the host while the loop idles, it is adopted", async () => {
  const r = await go(function* () {
    const p = new Promise<string>((resolve) =>
      setTimeout(() => resolve("late"), 5)
    );
    const f = fromPromise(p);
    assert.equal(f.done(), false);
    return yield* f;
  });
  assert.equal(r, "late");
});

Deno.test("fromPromise: {loop} works off-loop; a loop closed before settling drops the result", async () => {
  assert.throws(() => fromPromise(Promise.resolve(1)), /no running event loop/);
  const loop = new EventLoop();
  const f = fromPromise(Promise.resolve(1), { loop });
  assert.equal(f.getLoop(), loop);
  assert.equal(await loop.runUntilComplete(f), 1);
  let resolve!: (v: number) => void;
  const g = fromPromise(new Promise<number>((r) => (resolve = r)), { loop });
  loop.close();
  resolve(2);
  await new Promise((r) => setTimeout(r, 1));
  assert.equal(g.done(), false);
});

Deno.test("fromPromise accepts a plain thenable", async () => {
  const thenable: PromiseLike<number> = {
    then<R1, R2>(onOk?: ((v: number) => R1 | PromiseLike<R1>) | null) {
      onOk?.(9);
      return Promise.resolve() as unknown as PromiseLike<R1 | R2>;
    },
  };
  assert.equal(
    await go(function* () {
      return yield* fromPromise(thenable);
    }),
    9,
  );
});

Deno.test("ensureFuture: Future passes through, coroutine becomes a Task, thenable a Future", async () => {
  await go(function* () {
    const loop = getRunningLoop();
    const f = loop.createFuture<number>();
    assert.equal(ensureFuture(f), f);
    assert.equal(ensureFuture(f, loop), f);
    const t = ensureFuture((function* () {
      return 1;
    })());
    assert.ok(t instanceof Task);
    assert.equal(t.getLoop(), loop);
    assert.equal(yield* t, 1);
    const p = ensureFuture(Promise.resolve(2));
    assert.ok(p instanceof Future);
    assert.ok(!(p instanceof Task));
    assert.equal(yield* p, 2);
    f.cancel();
  });
});

Deno.test("ensureFuture: errors for non-awaitables, generator functions and loop mismatch", async () => {
  const other = new EventLoop();
  try {
    await go(function* () {
      assert.throws(
        () => ensureFuture(1 as unknown as Future<number>),
        TypeError,
      );
      function* gen(): Coroutine<void> {}
      assert.throws(
        () => ensureFuture(gen as unknown as Future<void>),
        (e: unknown) =>
          e instanceof TypeError && /generator function/.test(e.message),
      );
      const f = other.createFuture<number>();
      assert.throws(
        () => ensureFuture(f, getRunningLoop()),
        (e: unknown) =>
          e instanceof TypeError && /different loop/.test(e.message),
      );
      yield* sleep(0);
    });
  } finally {
    other.close();
  }
});

// ---------------------------------------------- Task as PromiseLike (host)

Deno.test("native code can await a task (PromiseLike): value, error and cancellation", async () => {
  const err = new Error("nope");
  const r = await go(function* () {
    const ok = createTask(sleep(1, "v"));
    const bad = createTask((function* () {
      yield* sleep(1);
      throw err;
    })());
    const cancelled = createTask(forever());
    const native = (async () => {
      const v = await ok;
      const e1 = await bad.then(() => null, (e: unknown) => e);
      const e2 = await cancelled.then(() => null, (e: unknown) => e);
      return [v, e1, e2] as const;
    })();
    yield* sleep(0);
    cancelled.cancel("c");
    return yield* fromPromise(native);
  });
  assert.equal(r[0], "v");
  assert.equal(r[1], err);
  assertCancelled(r[2], "c");
});

// ------------------------------------ "Task exception was never retrieved"

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.log(
    "task_test: skipping the 'never retrieved' tests: globalThis.gc is missing (run with --v8-flags=--expose-gc)",
  );
}

/** Runs a task that fails with `err` and returns nothing that holds it. */
async function failUnreferenced(
  loop: EventLoop,
  err: Error,
  retrieve: boolean,
): Promise<void> {
  let t: Task<void> | null = loop.createTask((function* () {
    yield* sleep(0);
    throw err;
  })());
  await loop.runUntilComplete(sleep(2));
  assert.equal(t.done(), true);
  if (retrieve) assert.equal(t.exception(), err);
  t = null;
}

/** Collects garbage until `until()` or a bound; finalizers run as host tasks. */
async function collect(until: () => boolean): Promise<void> {
  for (let i = 0; i < 30 && !until(); i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 1));
  }
}

Deno.test({
  name:
    "an unretrieved task exception is reported as 'Task exception was never retrieved'",
  ignore: gc === undefined,
  fn: async () => {
    const loop = new EventLoop();
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    const err = new Error("lost");
    await failUnreferenced(loop, err, false);
    await collect(() => reports.length > 0);
    loop.close();
    const mine = reports.filter((r) => r.exception === err);
    assert.equal(mine.length, 1, `reports: ${reports.map((r) => r.message)}`);
    assert.equal(mine[0].message, "Task exception was never retrieved");
  },
});

Deno.test({
  name: "a retrieved task exception is not reported after collection",
  ignore: gc === undefined,
  fn: async () => {
    const loop = new EventLoop();
    const reports: ExceptionContext[] = [];
    loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
    const err = new Error("seen");
    await failUnreferenced(loop, err, true);
    // A control task that is not retrieved proves finalizers did run.
    const control = new Error("control");
    await failUnreferenced(loop, control, false);
    await collect(() => reports.some((r) => r.exception === control));
    loop.close();
    assert.ok(
      reports.some((r) => r.exception === control),
      "finalizers did not run",
    );
    assert.equal(reports.filter((r) => r.exception === err).length, 0);
  },
});

Deno.test("eagerStart: the first step runs inside the constructor, as the current task", async () => {
  await go(function* () {
    const log: string[] = [];
    const loop = getRunningLoop();
    const parent = currentTask();
    let seenCurrent: Task<unknown> | null = null;
    const t = new Task(
      (function* () {
        log.push("child start");
        seenCurrent = currentTask();
        yield* sleep(0);
        log.push("child resumed");
        return 7;
      })(),
      { eagerStart: true, loop },
    );
    log.push("after constructor");
    assert.equal(seenCurrent, t);
    assert.equal(currentTask(), parent);
    assert.equal(yield* t, 7);
    assert.deepEqual(log, [
      "child start",
      "after constructor",
      "child resumed",
    ]);
  });
});

Deno.test("eagerStart: a coroutine that returns at once gives a task that is done", async () => {
  await go(function* () {
    const t = new Task(
      (function* () {
        return "now";
      })(),
      { eagerStart: true },
    );
    assert.equal(t.done(), true);
    assert.equal(t.result(), "now");
    assert.equal(allTasks().has(t), false);
    yield* sleep(0);
  });
});

Deno.test("eagerStart outside a running loop starts on the next iteration", async () => {
  const loop = new EventLoop();
  try {
    let started = false;
    const t = new Task(
      (function* () {
        started = true;
        yield* sleep(0);
      })(),
      { eagerStart: true, loop },
    );
    assert.equal(started, false);
    await loop.runUntilComplete(t);
    assert.equal(started, true);
  } finally {
    loop.close();
  }
});

Deno.test("sleep(0) finishes on the second plain next(), as a bare yield", () => {
  function* body(): Coroutine<string> {
    yield* sleep(0);
    yield* sleep(0, "v");
    return "done";
  }
  const c = body();
  assert.deepEqual(c.next(), { value: undefined, done: false });
  assert.deepEqual(c.next(), { value: undefined, done: false });
  assert.deepEqual(c.next(), { value: "done", done: true });
  // Driving sleep(0) itself, and two made before either is awaited.
  const s = sleep(0);
  assert.deepEqual(s.next(), { value: undefined, done: false });
  assert.deepEqual(s.next(), { value: undefined, done: true });
  function* twice(): Coroutine<number> {
    const a = sleep(0, 1);
    const b = sleep(0, 2);
    return (yield* a) + (yield* b);
  }
  const t = twice();
  assert.deepEqual(t.next(), { value: undefined, done: false });
  assert.deepEqual(t.next(), { value: undefined, done: false });
  assert.deepEqual(t.next(), { value: 3, done: true });
});

Deno.test("sleep(0) under a hand-written driver inside a task", async () => {
  const log: string[] = [];
  await run((function* () {
    const other = createTask((function* () {
      log.push("other");
    })());
    function* inner(): Coroutine<string> {
      yield* sleep(0);
      log.push("inner resumed");
      return "r";
    }
    const c = inner();
    assert.deepEqual(c.next(), { value: undefined, done: false });
    assert.deepEqual(c.next(), { value: "r", done: true });
    yield* sleep(0); // the task path still yields once
    log.push("outer resumed");
    yield* other;
  })());
  assert.deepEqual(log, ["inner resumed", "other", "outer resumed"]);
});

Deno.test("createTask(coro, { eagerStart: true }): with no factory and with any factory", async () => {
  for (
    const factory of [
      null,
      (l: EventLoop, c: Coroutine<unknown>, o?: TaskOptions) =>
        new Task(c, { ...o, loop: l }),
      // A factory that drops the options: eagerStart is still honoured.
      (l: EventLoop, c: Coroutine<unknown>) => new Task(c, { loop: l }),
    ]
  ) {
    const log: string[] = [];
    await run((function* () {
      getRunningLoop().setTaskFactory(factory);
      const t = createTask(
        (function* () {
          log.push(`child ${currentTask()!.getName()}`);
          yield* sleep(0);
          log.push("child resumes");
          return 1;
        })(),
        { eagerStart: true, name: "kid" },
      );
      log.push("parent");
      const quick = createTask(
        (function* () {
          return 2;
        })(),
        { eagerStart: true },
      );
      assert.equal(quick.done(), true);
      assert.equal((yield* t) + quick.result(), 3);
      // Without eagerStart the start is lazy, as usual.
      const lazy = createTask((function* () {
        log.push("lazy");
      })());
      log.push("after lazy");
      yield* lazy;
    })());
    assert.deepEqual(log, [
      "child kid",
      "parent",
      "child resumes",
      "after lazy",
      "lazy",
    ]);
  }
});

// ------------- issue 9 §1: failures nobody retrieves, made inside the task

/** Collects until `until()` or a bound (finalizers run as host tasks). */
async function collectUntil(until: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !until(); i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A loop whose reports are recorded; `n(msg)` counts one message. */
function reportingLoop(): {
  loop: EventLoop;
  reports: ExceptionContext[];
  n: (message: string) => number;
} {
  const loop = new EventLoop();
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
  const n = (message: string) =>
    reports.filter((r) => r.message === message).length;
  return { loop, reports, n };
}

function* workerFails(i: number): Coroutine<void> {
  yield* sleep(0);
  throw new Error(`worker ${i} failed`);
}

Deno.test({
  name:
    "fire-and-forget tasks failing with errors made inside them are collected and reported once",
  ignore: gc === undefined,
  fn: async () => {
    const { loop, reports, n } = reportingLoop();
    const N = 200;
    await loop.runUntilComplete((function* () {
      for (let i = 0; i < N; i++) {
        createTask(workerFails(i), { name: `worker-${i}` });
      }
      yield* sleep(1);
    })());
    await collectUntil(() => reports.length >= N);
    const msg = "Task exception was never retrieved";
    assert.equal(n(msg), N, `${reports.length} reports`);
    const r = reports.find((r) =>
      (r.exception as Error).message === "worker 7 failed"
    )!;
    assert.equal(
      r.description,
      "<Task finished name='worker-7' exception=Error: worker 7 failed>",
    );
    loop.close(); // nothing twice
    assert.equal(reports.length, N);
  },
});

for (
  const [how, start] of [
    ["eagerTaskFactory", (loop: EventLoop, coro: Coroutine<void>) => {
      loop.setTaskFactory(eagerTaskFactory);
      createTask(coro);
    }],
    ["createTask(coro, { eagerStart: true })", (
      _loop: EventLoop,
      coro: Coroutine<void>,
    ) => createTask(coro, { eagerStart: true })],
  ] as const
) {
  Deno.test({
    name:
      `an eager task (${how}) failing in its first step is collected and reported once`,
    ignore: gc === undefined,
    fn: async () => {
      const { loop, reports, n } = reportingLoop();
      await loop.runUntilComplete((function* () {
        for (let i = 0; i < 50; i++) start(loop, workerFailsAtOnce(i));
        yield* sleep(0);
      })());
      await collectUntil(() => reports.length >= 50);
      assert.equal(n("Task exception was never retrieved"), 50);
      loop.close();
      assert.equal(reports.length, 50);
    },
  });
}

function* workerFailsAtOnce(i: number): Coroutine<void> {
  throw new Error(`eager ${i} failed`);
}

Deno.test({
  name:
    "futures failed by loop callbacks are collected and reported once, described as finished",
  ignore: gc === undefined,
  fn: async () => {
    const { loop, reports, n } = reportingLoop();
    const failOne = () =>
      loop.createFuture().setException(new TypeError("callback bug"));
    await loop.runUntilComplete((function* () {
      for (let i = 0; i < 100; i++) loop.callSoon(failOne);
      yield* sleep(1);
    })());
    await collectUntil(() => reports.length >= 100);
    assert.equal(n("Future exception was never retrieved"), 100);
    assert.equal(
      reports[0].description,
      "<Future finished exception=TypeError: callback bug>",
    );
    loop.close();
    assert.equal(reports.length, 100);
  },
});

// A failed task is collectable whatever library code it failed in: the
// error's captured frames keep the generators and receivers on the stack,
// and none of them may keep the task (a Timeout or a TaskGroup lets go of
// it at exit, an adopted coroutine's entry goes when the task is done).
for (
  const [how, start] of [
    ["timeout() expiring", () =>
      createTask(timeout(1, function* () {
        yield* sleep(10_000);
      }))],
    ["waitFor() timing out", () => createTask(waitFor(sleep(10_000), 1))],
    [
      "a TaskGroup child failing",
      () =>
        createTask(new TaskGroup().run(function* (tg) {
          tg.createTask(workerFails(0));
        })),
    ],
    [
      "a TaskGroup body failing",
      () =>
        createTask(new TaskGroup().run(function* () {
          yield* workerFails(0);
        })),
    ],
    ["eager() continuing as a task", () => eager(workerFails(0))],
  ] as const
) {
  Deno.test({
    name: `a task failing in ${how} is collected and reported once`,
    ignore: gc === undefined,
    fn: async () => {
      const { loop, reports, n } = reportingLoop();
      await loop.runUntilComplete((function* () {
        for (let i = 0; i < 50; i++) start();
        yield* sleep(20);
      })());
      await collectUntil(() => reports.length >= 50);
      assert.equal(n("Task exception was never retrieved"), 50);
      loop.close();
      assert.equal(reports.length, 50);
    },
  });
}

Deno.test("loop.close() reports every failure still unretrieved, once, before it returns", async () => {
  const { loop, reports } = reportingLoop();
  let kept: Task<void> | null = null;
  let fut: Future<void> | null = null;
  await loop.runUntilComplete((function* () {
    kept = createTask(workerFails(1), { name: "worker-1" });
    fut = loop.createFuture();
    loop.callSoon(() => fut!.setException(new RangeError("lost")));
    yield* sleep(1);
  })());
  assert.equal(reports.length, 0);
  loop.close();
  // In the order the failures happened.
  assert.deepEqual(reports.map((r) => [r.message, r.description]), [
    [
      "Future exception was never retrieved",
      "<Future finished exception=RangeError: lost>",
    ],
    [
      "Task exception was never retrieved",
      "<Task finished name='worker-1' exception=Error: worker 1 failed>",
    ],
  ]);
  assert.equal((reports[1].exception as Error).message, "worker 1 failed");
  loop.close();
  // Retrieved after the report: still once.
  assert.ok(kept!.exception() instanceof Error);
  assert.ok(fut!.exception() instanceof RangeError);
  assert.equal(reports.length, 2);
});

for (
  const [how, close] of [
    ["Runner.close()", async (r: Runner) => await r.close()],
    ["await using", async (r: Runner) => await r[Symbol.asyncDispose]()],
    ["using", (r: Runner) => r[Symbol.dispose]()],
  ] as const
) {
  Deno.test(`${how} reports a failed task nobody retrieved`, async () => {
    const reports: ExceptionContext[] = [];
    const runner = new Runner();
    runner.getLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
    let t: Task<void> | null = null;
    await runner.run((function* () {
      t = createTask(workerFails(2), { name: "worker-2" });
      yield* sleep(1);
    })());
    assert.ok(t!.done());
    await close(runner);
    assert.deepEqual(reports.map((r) => r.message), [
      "Task exception was never retrieved",
    ]);
    assert.equal(
      reports[0].description,
      "<Task finished name='worker-2' exception=Error: worker 2 failed>",
    );
  });
}

Deno.test("a retrieved failure is never reported (result, exception, yield*, await, then, gather, TaskGroup, waitFor)", async () => {
  const { loop, reports } = reportingLoop();
  await loop.runUntilComplete((function* () {
    const a = createTask(workerFails(1));
    const b = createTask(workerFails(2));
    const c = createTask(workerFails(3));
    const d = createTask(workerFails(4));
    const e = createTask(workerFails(5));
    const f = createTask(workerFails(6));
    const g = createTask(workerFails(7));
    yield* sleep(1);
    assert.throws(() => a.result(), /worker 1/);
    assert.ok(b.exception() instanceof Error);
    yield* caught(c);
    yield* fromPromise(d.then(() => {}, () => {}));
    yield* gather([e, f], { returnExceptions: true });
    yield* caught(waitFor(g, 1000));
    yield* caught(new TaskGroup().run(function* (tg) {
      tg.createTask(workerFails(8));
    }));
  })());
  await (async () => {
    const h = loop.createTask(workerFails(9));
    await loop.runUntilComplete(sleep(1));
    await h.then(() => {}, () => {});
  })();
  loop.close();
  assert.deepEqual(reports.map((r) => r.message), []);
});

// ------------------------------- issue 9 §5: messages that point at the fix

Deno.test("createTask() from host code says to hold the loop: runner.getLoop().createTask()", async () => {
  await using runner = new Runner();
  const loop = runner.getLoop();
  let hostError: unknown;
  let viaLoop: Task<string> | null = null;
  const main = runner.run((function* () {
    // A host callback (as a request handler is) runs outside the loop.
    yield* fromPromise(
      new Promise<void>((resolve) =>
        setTimeout(() => {
          try {
            createTask(sleep(0));
          } catch (e) {
            hostError = e;
          }
          viaLoop = loop.createTask(sleep(1, "ok"));
          resolve();
        }, 1)
      ),
    );
    return yield* viaLoop!;
  })());
  assert.equal(await main, "ok");
  assert.ok(hostError instanceof Error);
  assert.match(hostError.message, /^no running event loop/);
  assert.match(hostError.message, /runner\.getLoop\(\)\.createTask\(/);
});

Deno.test("yield of a promise: the bad-yield message says to use yield* fromPromise(promise)", async () => {
  const err = await go(function* () {
    try {
      // deno-lint-ignore no-explicit-any
      yield Promise.resolve(1) as any;
    } catch (e) {
      return e as Error;
    }
  });
  assert.match(err!.message, /^Task got bad yield: /);
  assert.match(err!.message, /use `yield\* fromPromise\(promise\)`/);
});
