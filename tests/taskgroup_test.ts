// deno-lint-ignore-file require-yield
// Ports of CPython's Lib/test/test_asyncio/test_taskgroups.py (3.11, with the
// 3.12 eager and 3.13 uncancel additions that apply). Seconds become small
// millisecond sleeps used only for ordering.

import assert from "node:assert/strict";
import {
  CancelledError,
  Context,
  ContextVar,
  copyContext,
  type Coroutine,
  createTask,
  currentTask,
  EventLoop,
  KeyboardInterrupt,
  run,
  sleep,
  type Task,
} from "../mod.ts";
import { eagerTaskGroup, TaskGroup, taskGroup } from "../taskgroup.ts";
import { VirtualTimeLoop } from "../testing.ts";

class MyExc extends Error {
  override name = "MyExc";
}

function errorTypes(e: unknown): Set<string> {
  assert.ok(e instanceof AggregateError, `expected AggregateError, got ${e}`);
  return new Set(e.errors.map((x: unknown) => (x as Error).constructor.name));
}

function* catching<T>(coro: Coroutine<T>) {
  try {
    yield* coro;
  } catch (e) {
    return e;
  }
  assert.fail("no error was thrown");
}

function* fail(ms: number, err: () => Error = () => new RangeError("boom")) {
  yield* sleep(ms);
  throw err();
}

// Tests that only wait for time run on a virtual clock: no real time.
const virtual = { loopFactory: () => new VirtualTimeLoop() };

Deno.test("taskgroup_01: results of the tasks", async () => {
  await run(
    (function* () {
      let t1!: Task<number>, t2!: Task<number>;
      yield* taskGroup(function* (g) {
        t1 = g.createTask(sleep(5, 42));
        t2 = g.createTask(sleep(10, 11));
      });
      assert.equal(t1.result(), 42);
      assert.equal(t2.result(), 11);
    })(),
    virtual,
  );
});

Deno.test("taskgroup_02: a task created after the body slept", async () => {
  await run((function* () {
    let t1!: Task<number>, t2!: Task<number>;
    yield* taskGroup(function* (g) {
      t1 = g.createTask(sleep(5, 42));
      yield* sleep(8);
      t2 = g.createTask(sleep(10, 11));
    });
    assert.equal(t1.result(), 42);
    assert.equal(t2.result(), 11);
  })());
});

Deno.test("taskgroup_03: the body returns its value", async () => {
  const r = await run((function* () {
    return yield* taskGroup(function* (g) {
      const t1 = g.createTask(sleep(5, 42));
      yield* sleep(8);
      const t2 = g.createTask(sleep(10, 11));
      return () => [t1.result(), t2.result()];
    });
  })());
  assert.deepEqual(r(), [42, 11]);
});

Deno.test("taskgroup_04: a failing task cancels its sibling", async () => {
  let num = 0;
  let t2Cancel = false;
  let t2!: Task<void>;
  function* foo2() {
    try {
      yield* sleep(1000);
    } catch (e) {
      if (e instanceof CancelledError) t2Cancel = true;
      throw e;
    }
    num += 1;
  }
  const err = await run((function* () {
    return yield* createTask(catching((function* () {
      yield* taskGroup(function* (g) {
        g.createTask(fail(5, () => new RangeError("div")));
        t2 = g.createTask(foo2());
      });
      num += 10;
    })()));
  })());
  assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
  assert.equal(num, 0);
  assert.ok(t2Cancel);
  assert.ok(t2.cancelled());
});

Deno.test("cancel_children_on_child_error", async () => {
  let num = 0;
  let t2Cancel = false;
  let runnerCancel = false;
  function* foo2() {
    try {
      yield* sleep(5000);
    } catch (e) {
      t2Cancel = true;
      throw e;
    }
    num += 1;
  }
  const err = await run((function* () {
    return yield* createTask(catching((function* () {
      yield* taskGroup(function* (g) {
        g.createTask(fail(5));
        g.createTask(fail(5));
        g.createTask(fail(5));
        g.createTask(foo2());
        try {
          yield* sleep(10_000);
        } catch (e) {
          runnerCancel = e instanceof CancelledError;
          throw e;
        }
      });
      num += 10;
    })()));
  })());
  assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
  // The three failures land in the same iteration: all are collected.
  assert.equal((err as AggregateError).errors.length, 3);
  assert.match(
    (err as AggregateError).message,
    /^unhandled errors in a TaskGroup \(3 sub-exceptions\): RangeError/,
  );
  assert.equal(num, 0);
  assert.ok(t2Cancel);
  assert.ok(runnerCancel);
});

Deno.test("cancellation: cancelling the parent cancels every task", async () => {
  let level = 0;
  function* foo() {
    level++;
    try {
      yield* sleep(10_000);
    } finally {
      level--;
    }
  }
  await run((function* () {
    const r = createTask(taskGroup(function* (g) {
      for (let i = 0; i < 5; i++) g.createTask(foo());
      yield* sleep(10_000);
    }));
    yield* sleep(5);
    assert.equal(r.done(), false);
    assert.equal(level, 5);
    r.cancel();
    yield* assertCancelled(r);
    assert.equal(level, 0);
  })());
});

function* assertCancelled(t: Task<unknown>) {
  try {
    yield* t;
  } catch (e) {
    assert.ok(e instanceof CancelledError, `expected CancelledError: ${e}`);
    return;
  }
  assert.fail("not cancelled");
}

Deno.test("taskgroup_07: the body and the tasks see the cancellation", async () => {
  let num = 0;
  function* foo() {
    try {
      yield* sleep(5000);
    } catch (e) {
      if (e instanceof CancelledError) num += 1;
      throw e;
    }
  }
  await run((function* () {
    const r = createTask(taskGroup(function* (g) {
      for (let i = 0; i < 5; i++) g.createTask(foo());
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) num += 10;
        throw e;
      }
    }));
    yield* sleep(5);
    r.cancel();
    yield* assertCancelled(r);
    assert.equal(num, 15);
  })());
});

Deno.test("taskgroup_08: tasks failing while cancelled win over the cancel", async () => {
  function* foo() {
    try {
      yield* sleep(10_000);
    } finally {
      // deno-lint-ignore no-unsafe-finally
      throw new RangeError("in finally");
    }
  }
  await run((function* () {
    const r = createTask(taskGroup(function* (g) {
      for (let i = 0; i < 5; i++) g.createTask(foo());
      yield* sleep(10_000);
    }));
    yield* sleep(5);
    assert.equal(r.done(), false);
    r.cancel();
    const err = yield* catching(r[Symbol.iterator]());
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.equal((err as AggregateError).errors.length, 5);
  })());
});

Deno.test("taskgroup_09: the body fails after a sleep; tasks cancelled", async () => {
  await run((function* () {
    let t1!: Task<number>, t2!: Task<number>;
    const err = yield* catching(taskGroup(function* (g) {
      t1 = g.createTask(sleep(1000, 42));
      t2 = g.createTask(sleep(2000, 11));
      yield* sleep(5);
      throw new RangeError("body");
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.ok(t1.cancelled());
    assert.ok(t2.cancelled());
  })());
});

Deno.test("taskgroup_10: the body fails at once; tasks never start", async () => {
  await run((function* () {
    let t1!: Task<number>, t2!: Task<number>;
    let started = false;
    const err = yield* catching(taskGroup(function* (g) {
      t1 = g.createTask((function* () {
        started = true;
        return yield* sleep(1000, 42);
      })());
      t2 = g.createTask(sleep(2000, 11));
      throw new RangeError("body");
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.ok(t1.cancelled());
    assert.ok(t2.cancelled());
    assert.equal(started, false);
  })());
});

function* failInFinally() {
  try {
    yield* sleep(10_000);
  } finally {
    // deno-lint-ignore no-unsafe-finally
    throw new RangeError("in finally");
  }
}

Deno.test("taskgroup_11: nested groups, inner tasks fail on cancel", async () => {
  await run((function* () {
    const r = createTask(taskGroup(function* () {
      yield* taskGroup(function* (g2) {
        for (let i = 0; i < 5; i++) g2.createTask(failInFinally());
        yield* sleep(10_000);
      });
    }));
    yield* sleep(5);
    r.cancel();
    const err = yield* catching(r[Symbol.iterator]());
    assert.deepEqual(errorTypes(err), new Set(["AggregateError"]));
    assert.deepEqual(
      errorTypes((err as AggregateError).errors[0]),
      new Set(["RangeError"]),
    );
  })());
});

Deno.test("taskgroup_12: nested groups with a task in the outer one", async () => {
  await run((function* () {
    const r = createTask(taskGroup(function* (g1) {
      g1.createTask(sleep(10_000));
      yield* taskGroup(function* (g2) {
        for (let i = 0; i < 5; i++) g2.createTask(failInFinally());
        yield* sleep(10_000);
      });
    }));
    yield* sleep(5);
    r.cancel();
    const err = yield* catching(r[Symbol.iterator]());
    assert.deepEqual(errorTypes(err), new Set(["AggregateError"]));
    assert.deepEqual(
      errorTypes((err as AggregateError).errors[0]),
      new Set(["RangeError"]),
    );
  })());
});

function* crashAfter(ms: number) {
  yield* sleep(ms);
  throw new TypeError(String(ms));
}

Deno.test("taskgroup_13: an outer task fails while the inner group waits", async () => {
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g1) {
      g1.createTask(crashAfter(5));
      yield* taskGroup(function* (g2) {
        g2.createTask(crashAfter(10_000));
      });
    }));
    // The inner group was cancelled from outside: it propagates the
    // CancelledError, which the outer group does not report.
    assert.deepEqual(errorTypes(err), new Set(["TypeError"]));
  })());
});

Deno.test("taskgroup_14: an inner task fails; the outer group wraps it", async () => {
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g1) {
      g1.createTask(crashAfter(10_000));
      yield* taskGroup(function* (g2) {
        g2.createTask(crashAfter(5));
      });
    }));
    assert.deepEqual(errorTypes(err), new Set(["AggregateError"]));
    assert.deepEqual(
      errorTypes((err as AggregateError).errors[0]),
      new Set(["TypeError"]),
    );
  })());
});

Deno.test("taskgroup_15: a task fails while the cancelled body cleans up", async () => {
  await run((function* () {
    const r = createTask(taskGroup(function* (g1) {
      g1.createTask(fail(20));
      try {
        yield* sleep(10_000);
      } catch (e) {
        yield* sleep(40);
        throw e;
      }
    }));
    yield* sleep(5);
    assert.equal(r.done(), false);
    r.cancel();
    const err = yield* catching(r[Symbol.iterator]());
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
  })());
});

Deno.test("taskgroup_16: the same through a nested task", async () => {
  await run((function* () {
    const nested = taskGroup(function* (g1) {
      g1.createTask(fail(20));
      try {
        yield* sleep(10_000);
      } catch (e) {
        yield* sleep(40);
        throw e;
      }
    });
    const r = createTask((function* () {
      const t = createTask(nested);
      yield* t;
    })());
    yield* sleep(5);
    r.cancel();
    const err = yield* catching(r[Symbol.iterator]());
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
  })());
});

Deno.test("taskgroup_17: an empty group propagates the cancellation", async () => {
  let num = 0;
  await run((function* () {
    const r = createTask(taskGroup(function* () {
      try {
        yield* sleep(10_000);
      } catch (e) {
        num += 10;
        throw e;
      }
    }));
    yield* sleep(5);
    r.cancel();
    yield* assertCancelled(r);
    assert.equal(num, 10);
  })());
});

Deno.test("taskgroup_18: the body turns the cancellation into an error", async () => {
  let num = 0;
  await run((function* () {
    const r = createTask(taskGroup(function* () {
      try {
        yield* sleep(10_000);
      } catch {
        num += 10;
        throw new MyExc();
      }
    }));
    yield* sleep(5);
    r.cancel();
    const err = yield* catching(r[Symbol.iterator]());
    assert.deepEqual(errorTypes(err), new Set(["MyExc"]));
    assert.equal(num, 10);
  })());
});

Deno.test("taskgroup_19: body error in finally plus task error, body's last", async () => {
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(fail(5));
      try {
        yield* sleep(10_000);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new MyExc();
      }
    }));
    assert.deepEqual(errorTypes(err), new Set(["MyExc", "RangeError"]));
    const errors = (err as AggregateError).errors;
    assert.ok(errors[errors.length - 1] instanceof MyExc);
  })());
});

Deno.test("taskgroup_20: KeyboardInterrupt in the body propagates as itself", async () => {
  let crashed = false;
  await assert.rejects(
    run(taskGroup(function* (g) {
      g.createTask((function* () {
        try {
          yield* sleep(10_000);
        } catch (e) {
          crashed = e instanceof CancelledError;
          throw e;
        }
      })());
      try {
        yield* sleep(5);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new KeyboardInterrupt();
      }
    })),
    KeyboardInterrupt,
  );
  assert.ok(crashed, "the task was cancelled before the interrupt propagated");
});

function ki21() {
  return taskGroup(function* (g) {
    g.createTask((function* () {
      yield* sleep(5);
      throw new KeyboardInterrupt();
    })());
    try {
      yield* sleep(10_000);
    } finally {
      // deno-lint-ignore no-unsafe-finally
      throw new TypeError();
    }
  });
}

Deno.test("taskgroup_21: KeyboardInterrupt in a task stops the loop as itself", async () => {
  const loop = new EventLoop();
  try {
    await assert.rejects(loop.runUntilComplete(ki21()), KeyboardInterrupt);
  } finally {
    loop.close();
  }
});

// Runner.close() re-raises the same KeyboardInterrupt while the leftovers
// unwind; run() reports it once, as itself.
Deno.test({
  name: "taskgroup_21 through run(): KeyboardInterrupt as itself",
  fn: async () => {
    await assert.rejects(run(ki21()), KeyboardInterrupt);
  },
});

Deno.test("taskgroup_21a: a plain error in a task plus one in the body", async () => {
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(fail(5, () => new MyExc()));
      try {
        yield* sleep(10_000);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new TypeError();
      }
    }));
    assert.deepEqual(errorTypes(err), new Set(["MyExc", "TypeError"]));
  })());
});

Deno.test("taskgroup_22: cancelled while waiting for the tasks at exit", async () => {
  await run((function* () {
    const r = createTask(taskGroup(function* (g) {
      g.createTask(sleep(1000, 42));
      g.createTask(sleep(2000, 11));
    }));
    yield* sleep(5);
    r.cancel();
    yield* assertCancelled(r);
  })());
});

Deno.test("taskgroup_23: finished tasks leave the group", async () => {
  await run(
    taskGroup(function* (g) {
      for (let count = 0; count < 10; count++) {
        yield* sleep(2);
        g.createTask(sleep(3));
        if (count === 5) assert.ok(g._tasks.size < 5);
      }
      yield* sleep(20);
      assert.equal(g._tasks.size, 0);
    }),
    virtual,
  );
});

Deno.test("taskgroup_24: tasks may add tasks while the group exits", async () => {
  let made = 0;
  await run(
    taskGroup(function* (g) {
      g.createTask((function* () {
        yield* sleep(5);
        g.createTask(sleep(5)).addDoneCallback(() => made++);
        g.createTask(sleep(10)).addDoneCallback(() => made++);
      })());
    }),
    virtual,
  );
  assert.equal(made, 2);
});

Deno.test("taskgroup_25: hydras and hercules", async () => {
  let nhydras = 0;
  function* hydra(g: TaskGroup): Coroutine<void> {
    nhydras++;
    yield* sleep(1);
    g.createTask(hydra(g));
    g.createTask(hydra(g));
  }
  function* hercules() {
    while (nhydras < 10) yield* sleep(2);
    throw new RangeError("slain");
  }
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(hydra(g));
      g.createTask(hercules());
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.ok(nhydras >= 10);
  })());
});

Deno.test("task_name", async () => {
  await run(taskGroup(function* (g) {
    const t = g.createTask(sleep(0), { name: "yolo" });
    assert.equal(t.getName(), "yolo");
  }));
});

Deno.test("task_context", async () => {
  const cvar = new ContextVar<number>("cvar");
  function* coro(val: number) {
    yield* sleep(0);
    cvar.set(val);
  }
  await run(taskGroup(function* (g) {
    const ctx = copyContext();
    assert.equal(ctx.get(cvar), undefined);
    const t1 = g.createTask(coro(1), { context: ctx });
    yield* t1;
    assert.equal(ctx.get(cvar), 1);
    const t2 = g.createTask(coro(2), { context: ctx });
    yield* t2;
    assert.equal(ctx.get(cvar), 2);
  }));
});

Deno.test("no_create_task_after_failure", async () => {
  let refused: unknown = null;
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(fail(1));
      g.createTask((function* () {
        try {
          yield* sleep(1000);
        } catch (e) {
          try {
            g.createTask(sleep(0));
          } catch (e2) {
            refused = e2;
          }
          throw e;
        }
      })());
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
  })());
  assert.ok(refused instanceof Error);
  assert.match(refused.message, /^TaskGroup <TaskGroup.*> is shutting down$/);
});

Deno.test("context_manager_exit_raises: the body's cleanup fails too", async () => {
  class CustomException extends Error {}
  await run((function* () {
    const task = currentTask()!;
    const err = yield* catching(taskGroup(function* (tg) {
      try {
        tg.createTask((function* () {
          throw new CustomException();
        })());
        yield* sleep(1000);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new CustomException();
      }
    }));
    assert.equal(task.cancelling(), 0);
    assert.equal((err as AggregateError).errors.length, 2);
    assert.deepEqual(errorTypes(err), new Set(["CustomException"]));
  })());
});

Deno.test("already_entered and double_enter", async () => {
  await run((function* () {
    const tg = new TaskGroup();
    yield* tg.run(function* () {
      const err = yield* catching(tg.run(function* () {}));
      assert.match(
        (err as Error).message,
        /^TaskGroup <TaskGroup entered> has already been entered$/,
      );
    });
    const err = yield* catching(tg.run(function* () {}));
    assert.match((err as Error).message, /has already been entered/);
  })());
});

Deno.test("finished: createTask after the group is done", async () => {
  let closed = false;
  await run((function* () {
    const tg = new TaskGroup();
    yield* tg.run(function* () {});
    const coro = (function* () {
      try {
        yield* sleep(0);
      } finally {
        closed = true;
      }
    })();
    assert.throws(
      () => tg.createTask(coro),
      { message: "TaskGroup <TaskGroup entered> is finished" },
    );
    assert.equal(coro.next().done, true, "the coroutine was closed");
  })());
  assert.equal(closed, false, "an unstarted coroutine closes without running");
});

Deno.test("not_entered", () => {
  const tg = new TaskGroup();
  assert.throws(
    () => tg.createTask(sleep(0)),
    { message: "TaskGroup <TaskGroup> has not been entered" },
  );
});

Deno.test("without_parent_task", async () => {
  const loop = new EventLoop();
  try {
    const err = await loop.runUntilComplete((function* () {
      const f = loop.createFuture<unknown>();
      loop.callSoon(() => {
        try {
          new TaskGroup().run(function* () {}).next();
          f.setResult(null);
        } catch (e) {
          f.setResult(e);
        }
      });
      return yield* f;
    })());
    assert.match((err as Error).message, /cannot determine the parent task/);
  } finally {
    loop.close();
  }
});

Deno.test("the body failing: its error last, after the task errors", async () => {
  await run((function* () {
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(fail(1, () => new TypeError("task")));
      yield* sleep(0);
      yield* sleep(0);
      yield* sleep(10);
    }));
    // The body was cancelled by the failure: only the task error counts.
    assert.deepEqual(
      (err as AggregateError).errors.map((e: Error) => e.message),
      ["task"],
    );
  })());
});

Deno.test("after a caught failure the parent is not cancelled any more", async () => {
  await run((function* () {
    const task = currentTask()!;
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(fail(1));
      yield* sleep(10_000);
    }));
    assert.ok(err instanceof AggregateError);
    assert.equal(task.cancelling(), 0);
    // The parent keeps running normally.
    yield* sleep(1);
    assert.equal(yield* sleep(0, "still alive"), "still alive");
  })());
});

Deno.test("a task fails while another one is cancelled", async () => {
  await run((function* () {
    let victim!: Task<void>;
    const err = yield* catching(taskGroup(function* (g) {
      victim = g.createTask(sleep(10_000));
      g.createTask(fail(5));
      yield* sleep(1);
      victim.cancel(); // a cancelled task is not an error of the group
      yield* sleep(10_000);
    }));
    assert.ok(victim.cancelled());
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.equal((err as AggregateError).errors.length, 1);
  })());
});

Deno.test("a cancelled task alone does not fail the group", async () => {
  const r = await run(taskGroup(function* (g) {
    const t = g.createTask(sleep(10_000));
    yield* sleep(1);
    t.cancel();
    return "fine";
  }));
  assert.equal(r, "fine");
});

Deno.test("a task fails while the body waits at exit", async () => {
  await run((function* () {
    const task = currentTask()!;
    const err = yield* catching(taskGroup(function* (g) {
      g.createTask(fail(5));
      g.createTask(sleep(10_000));
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.equal(task.cancelling(), 0, "the group undid its cancel");
    yield* sleep(1); // and no cancellation is left pending
  })());
});

Deno.test("external cancel while tasks fail: errors win, cancelling stays 1", async () => {
  await run((function* () {
    const r = createTask(catching(taskGroup(function* (g) {
      g.createTask(failInFinally());
      yield* sleep(10_000);
    })));
    yield* sleep(5);
    r.cancel();
    const err = yield* r;
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.equal(r.cancelling(), 1);
  })());
});

Deno.test("nested groups both cancelled from outside", async () => {
  await run((function* () {
    const r = createTask(taskGroup(function* (g1) {
      g1.createTask(sleep(10_000));
      yield* taskGroup(function* (g2) {
        g2.createTask(sleep(10_000));
        yield* sleep(10_000);
      });
    }));
    yield* sleep(5);
    r.cancel();
    yield* assertCancelled(r);
    assert.equal(r.cancelling(), 1);
  })());
});

Deno.test("a body that is not a generator function is a TypeError", async () => {
  await run((function* () {
    const err = yield* catching(
      taskGroup((() => 1) as unknown as () => Generator<never, void>),
    );
    assert.ok(err instanceof TypeError);
    assert.match(err.message, /a coroutine was expected/);
  })());
});

Deno.test("repr", async () => {
  const tg = new TaskGroup();
  assert.equal(String(tg), "<TaskGroup>");
  await run(tg.run(function* (g) {
    assert.equal(String(g), "<TaskGroup entered>");
    g.createTask(sleep(1));
    assert.equal(String(g), "<TaskGroup tasks=1 entered>");
    yield* sleep(0);
  }));
  assert.equal(String(tg), "<TaskGroup entered>");
});

Deno.test("eager: the first step runs inside createTask", async () => {
  const log: string[] = [];
  await run(eagerTaskGroup(function* (g) {
    const parent = currentTask();
    const t = g.createTask((function* () {
      log.push("child start");
      assert.notEqual(currentTask(), parent);
      yield* sleep(1);
      log.push("child end");
      return 5;
    })());
    log.push("after createTask");
    assert.equal(currentTask(), parent, "the parent is current again");
    assert.equal(yield* t, 5);
  }));
  assert.deepEqual(log, ["child start", "after createTask", "child end"]);
});

Deno.test("eager: a task that never suspends is done at once", async () => {
  await run(eagerTaskGroup(function* (g) {
    const t = g.createTask((function* () {
      return 7;
    })());
    assert.equal(t.done(), true);
    assert.equal(t.result(), 7);
    assert.equal(g._tasks.size, 0);
    yield* sleep(0);
  }));
});

Deno.test("eager: current task inside the first step is the child", async () => {
  await run(eagerTaskGroup(function* (g) {
    let inside: Task<unknown> | null = null;
    const t = g.createTask((function* () {
      inside = currentTask();
      yield* sleep(0);
    })());
    assert.equal(inside, t);
  }));
});

Deno.test("eager: context is copied, child writes stay in the child", async () => {
  const v = new ContextVar<string>("v", { default: "unset" });
  await run(eagerTaskGroup(function* (g) {
    v.set("parent");
    let seen = "";
    g.createTask((function* () {
      seen = v.get();
      v.set("child");
      yield* sleep(0);
    })());
    assert.equal(seen, "parent");
    assert.equal(v.get(), "parent");
  }));
});

Deno.test("eager: a synchronous failure cancels the body at its next yield", async () => {
  await run((function* () {
    const task = currentTask()!;
    let reachedAfter = false;
    const err = yield* catching(eagerTaskGroup(function* (g) {
      g.createTask((function* () {
        throw new RangeError("at once");
      })());
      yield* sleep(10_000);
      reachedAfter = true;
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.equal(reachedAfter, false);
    assert.equal(task.cancelling(), 0);
  })());
});

Deno.test("eager: a synchronous failure in a body that then returns", async () => {
  await run((function* () {
    const task = currentTask()!;
    const err = yield* catching(eagerTaskGroup(function* (g) {
      g.createTask((function* () {
        throw new RangeError("at once");
      })());
    }));
    assert.deepEqual(errorTypes(err), new Set(["RangeError"]));
    assert.equal(task.cancelling(), 0);
    // No cancellation may stay pending on the parent.
    assert.equal(yield* sleep(1, "ok"), "ok");
  })());
});

Deno.test("eager: the parent's own context falls back to a normal start", async () => {
  await run(eagerTaskGroup(function* (g) {
    let ran = false;
    const t = g.createTask(
      (function* () {
        ran = true;
        yield* sleep(0);
      })(),
      { context: currentTask()!.getContext() },
    );
    assert.equal(ran, false);
    yield* t;
    assert.equal(ran, true);
  }));
});

Deno.test("eager: a task given a fresh context runs in it", async () => {
  const v = new ContextVar<number>("n", { default: 0 });
  const ctx = new Context();
  await run(eagerTaskGroup(function* (g) {
    g.createTask(
      (function* () {
        v.set(3);
        yield* sleep(0);
      })(),
      { context: ctx },
    );
  }));
  assert.equal(ctx.get(v), 3);
});

Deno.test("eager: tasks that keep running interleave normally", async () => {
  const log: string[] = [];
  await run(eagerTaskGroup(function* (g) {
    for (const name of ["a", "b"]) {
      g.createTask((function* () {
        log.push(`${name}1`);
        yield* sleep(0);
        log.push(`${name}2`);
      })());
    }
    log.push("body");
  }));
  assert.deepEqual(log, ["a1", "b1", "body", "a2", "b2"]);
});

Deno.test("the TaskGroup's AggregateError message names its sub-errors", async () => {
  const err = await run((function* () {
    try {
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask((function* () {
          yield* sleep(0);
          JSON.parse("{bad json");
        })());
        tg.createTask((function* () {
          yield* sleep(0);
          throw new TypeError("second");
        })());
      });
    } catch (e) {
      return e as AggregateError;
    }
  })());
  assert.ok(err instanceof AggregateError);
  assert.match(
    err.message,
    /^unhandled errors in a TaskGroup \(2 sub-exceptions\): SyntaxError: .*; TypeError: second$/,
  );
  const one = await run((function* () {
    try {
      yield* new TaskGroup().run(function* (tg) {
        tg.createTask((function* () {
          yield* sleep(0);
          throw new SyntaxError("bad input");
        })());
      });
    } catch (e) {
      return e as AggregateError;
    }
  })());
  assert.equal(
    one!.message,
    "unhandled errors in a TaskGroup (1 sub-exception): SyntaxError: bad input",
  );
});
