// shield, waitFor, wait and asCompleted. The waitFor tests port CPython
// 3.12's Lib/test/test_asyncio/test_waitfor.py (seconds became
// milliseconds, scaled down); shield/wait/asCompleted follow test_tasks.py.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  EventLoop,
  type Future,
  gather,
  getRunningLoop,
  sleep,
  Task,
  TimeoutError,
} from "../mod.ts";
import { catching, main, mainVirtual } from "./_util.ts";
import {
  ALL_COMPLETED,
  asCompleted,
  ensureFuture,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  shield,
  wait,
  waitFor,
} from "../combinators.ts";

/** asyncio's test_utils.run_briefly, from inside a task. */
function* runBriefly(): Coroutine<void> {
  yield* sleep(0);
  yield* sleep(0);
}

// --- shield ----------------------------------------------------------------

Deno.test("shield: result", () =>
  main(function* () {
    const inner = getRunningLoop().createFuture<number>();
    const outer = shield(inner);
    inner.setResult(42);
    assert.equal(yield* outer, 42);
  }));

Deno.test("shield: exception", () =>
  main(function* () {
    const inner = getRunningLoop().createFuture<number>();
    const outer = shield(inner);
    const err = new RangeError("boom");
    inner.setException(err);
    assert.equal(yield* catching(outer[Symbol.iterator]()), err);
  }));

Deno.test("shield: cancelling the inner cancels the outer", () =>
  main(function* () {
    const inner = getRunningLoop().createFuture<number>();
    const outer = shield(inner);
    yield* runBriefly();
    inner.cancel();
    yield* runBriefly();
    assert.equal(outer.cancelled(), true);
  }));

Deno.test("shield: cancelling the outer leaves the inner alone", () =>
  main(function* () {
    const inner = getRunningLoop().createFuture<number>();
    const outer = shield(inner);
    yield* runBriefly();
    assert.equal(outer.cancel(), true);
    yield* runBriefly();
    assert.equal(outer.cancelled(), true);
    assert.equal(inner.cancelled(), false);
    // the shield's callback on the inner future was removed
    assert.equal(String(inner), "<Future pending>");
  }));

Deno.test("shield: a done future is returned as it is", () =>
  main(function* () {
    const fut = getRunningLoop().createFuture<number>();
    fut.setResult(42);
    assert.equal(shield(fut), fut);
    assert.equal(yield* shield(fut), 42);
  }));

Deno.test("shield: cancelling the awaiter does not cancel the shielded coroutine", () =>
  main(function* () {
    let proof = 0;
    const waiter = getRunningLoop().createFuture<void>();
    function* inner(): Coroutine<void> {
      yield* waiter;
      proof += 1;
    }
    function* outer(): Coroutine<void> {
      yield* shield(inner());
      proof += 100;
    }
    const f = createTask(outer());
    yield* runBriefly();
    f.cancel();
    assert.ok(
      (yield* catching(f[Symbol.iterator]())) instanceof CancelledError,
    );
    waiter.setResult();
    yield* runBriefly();
    assert.equal(proof, 1);
  }));

Deno.test("shield: of a gather", () =>
  main(function* () {
    const loop = getRunningLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const parent = gather([child1, child2]);
    const outer = shield(parent);
    yield* runBriefly();
    outer.cancel();
    yield* runBriefly();
    assert.equal(outer.cancelled(), true);
    child1.setResult(1);
    child2.setResult(2);
    yield* runBriefly();
    assert.deepEqual(parent.result(), [1, 2]);
  }));

Deno.test("shield: gather of shields", () =>
  main(function* () {
    const loop = getRunningLoop();
    const child1 = loop.createFuture<number>();
    const child2 = loop.createFuture<number>();
    const inner1 = shield(child1);
    const inner2 = shield(child2);
    const parent = gather([inner1, inner2]);
    yield* runBriefly();
    parent.cancel();
    // cancels inner1 and inner2 but not child1 and child2
    yield* runBriefly();
    assert.ok(parent.exception() instanceof CancelledError);
    assert.equal(inner1.cancelled(), true);
    assert.equal(inner2.cancelled(), true);
    child1.setResult(1);
    child2.setResult(2);
    yield* runBriefly();
  }));

Deno.test("shield: an inner failure after the outer was cancelled is marked seen", () =>
  main(function* () {
    const inner = getRunningLoop().createFuture<void>();
    const outer = shield(inner);
    outer.cancel();
    inner.setException(new Error("nobody listens")); // before the callbacks ran
    yield* runBriefly();
    assert.equal(inner._logTraceback, false);
  }));

Deno.test("shield: the task keeps running and its result can be awaited later", () =>
  main(function* () {
    const work = createTask(sleep(10, "saved"));
    const caller = createTask((function* () {
      return yield* shield(work);
    })());
    yield* sleep(1);
    caller.cancel();
    const e = yield* catching(caller[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    assert.equal(work.cancelled(), false);
    assert.equal(yield* work, "saved");
  }));

// --- waitFor (test_waitfor.py, 3.12) ---------------------------------------

const EPSILON = 0.1;
const TASK_TIMEOUT = 40;

/** Runs for TASK_TIMEOUT ms, ignoring cancel requests. */
class SlowTask {
  exited = false;
  *run(): Coroutine<void> {
    const exitAt = performance.now() + TASK_TIMEOUT;
    for (;;) {
      const toSleep = exitAt - performance.now();
      if (toSleep <= 0) break;
      try {
        yield* sleep(toSleep);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
    this.exited = true;
  }
}

Deno.test("waitFor: cancelled while the work ignores cancellation", () =>
  main(function* () {
    const t = new SlowTask();
    const waitForTask = createTask(waitFor(t.run(), TASK_TIMEOUT * 2));
    yield* sleep(0);
    waitForTask.cancel();
    yield* wait([waitForTask]);
    assert.equal(t.exited, true);
  }));

Deno.test("waitFor: times out while the work ignores cancellation", () =>
  main(function* () {
    const t = new SlowTask();
    try {
      yield* waitFor(t.run(), TASK_TIMEOUT / 2);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
    assert.equal(t.exited, true);
  }));

Deno.test("waitFor: timeout <= 0 with a done future returns its result", () =>
  main(function* () {
    const fut = getRunningLoop().createFuture<string>();
    fut.setResult("done");
    assert.equal(yield* waitFor(fut, 0), "done");
    assert.equal(fut.done(), true);
  }));

Deno.test("waitFor: timeout <= 0 never starts a coroutine", () =>
  main(function* () {
    let fooStarted = false;
    // deno-lint-ignore require-yield
    function* foo(): Coroutine<void> {
      fooStarted = true;
    }
    const e = yield* catching(waitFor(foo(), 0));
    assert.ok(e instanceof TimeoutError);
    assert.equal(fooStarted, false);
  }));

Deno.test("waitFor: timeout <= 0 cancels a running task and waits for it", () =>
  main(function* () {
    const loop = getRunningLoop();
    for (const ms of [0, -1]) {
      let fooRunning: boolean | null = null;
      const started = loop.createFuture<void>();
      const foo = function* (): Coroutine<string> {
        fooRunning = true;
        started.setResult();
        try {
          yield* sleep(10_000);
        } finally {
          fooRunning = false;
        }
        return "done";
      };
      const fut = createTask(foo());
      yield* started;
      const e = yield* catching(waitFor(fut, ms));
      assert.ok(e instanceof TimeoutError);
      assert.ok(e.cause instanceof CancelledError);
      assert.equal(fut.done(), true);
      assert.equal(fut.cancelled(), true); // cancelled by the timeout
      assert.equal(fooRunning, false);
    }
  }));

Deno.test("waitFor: times out and cancels the task", () =>
  main(function* () {
    let fooRunning: boolean | null = null;
    function* foo(): Coroutine<string> {
      fooRunning = true;
      try {
        yield* sleep(10_000);
      } finally {
        fooRunning = false;
      }
      return "done";
    }
    const fut = createTask(foo());
    const e = yield* catching(waitFor(fut, 10));
    assert.ok(e instanceof TimeoutError);
    assert.equal(fut.done(), true);
    assert.equal(fut.cancelled(), true);
    assert.equal(fooRunning, false);
  }));

Deno.test("waitFor: null waits without a deadline (blocking)", () =>
  main(function* () {
    // deno-lint-ignore require-yield
    function* coro(): Coroutine<string> {
      return "done";
    }
    assert.equal(yield* waitFor(coro(), null), "done");
  }));

Deno.test("waitFor: the future finishes before the deadline (race)", () =>
  main(function* () {
    const loop = getRunningLoop();
    const fut = loop.createFuture<string>();
    const task = waitFor(fut, 40);
    loop.callLater(5, () => fut.setResult("ok"));
    assert.equal(yield* task, "ok");
  }));

Deno.test("waitFor: the work catches the cancellation and returns (race)", () =>
  main(function* () {
    function* inner(): Coroutine<number> {
      const e = yield* catching(sleep(1000));
      assert.ok(e instanceof CancelledError);
      return 1;
    }
    assert.equal(yield* waitFor(inner(), 10), 1);
  }));

Deno.test("waitFor: waits for the task's cancellation to finish", () =>
  main(function* () {
    let taskDone = false;
    function* inner(): Coroutine<void> {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) yield* sleep(EPSILON);
        throw e;
      } finally {
        taskDone = true;
      }
    }
    const innerTask = createTask(inner());
    const e = yield* catching(waitFor(innerTask, EPSILON));
    assert.ok(e instanceof TimeoutError);
    assert.equal(taskDone, true);
    assert.ok(e.cause instanceof CancelledError);
  }));

Deno.test("waitFor: waits for the task's cancellation to finish, timeout 0", () =>
  main(function* () {
    let taskDone = false;
    function* foo(): Coroutine<void> {
      function* inner(): Coroutine<void> {
        try {
          yield* sleep(10_000);
        } catch (e) {
          if (e instanceof CancelledError) yield* sleep(EPSILON);
          throw e;
        } finally {
          taskDone = true;
        }
      }
      const innerTask = createTask(inner());
      yield* sleep(EPSILON);
      yield* waitFor(innerTask, 0);
    }
    const e = yield* catching(foo());
    assert.ok(e instanceof TimeoutError);
    assert.equal(taskDone, true);
    assert.ok(e.cause instanceof CancelledError);
  }));

Deno.test("waitFor: an exception raised during the cancellation is rethrown", () =>
  main(function* () {
    class FooException extends Error {}
    function* foo(): Coroutine<void> {
      function* inner(): Coroutine<void> {
        try {
          yield* sleep(40);
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw new FooException();
        }
      }
      const innerTask = createTask(inner());
      yield* waitFor(innerTask, EPSILON);
    }
    const e = yield* catching(foo());
    assert.ok(e instanceof FooException);
  }));

Deno.test("waitFor: cancellable even when the awaited task delays its cancel", () =>
  mainVirtual(function* () {
    function* inner(): Coroutine<number> {
      try {
        yield* sleep(30);
      } catch {
        try {
          yield* sleep(30);
        } catch {
          yield* sleep(30);
        }
      }
      return 42;
    }
    const innerTask = createTask(inner());
    const task = createTask(waitFor(innerTask, 10));
    task.cancel();
    const e = yield* catching(task[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    assert.equal(yield* innerTask, 42);
  }));

function* cancelWaitFor(ms: number | null): Coroutine<void> {
  const loop = getRunningLoop();
  function* blockingCoroutine(): Coroutine<void> {
    yield* loop.createFuture<void>(); // never set
  }
  const task = createTask(blockingCoroutine());
  const w = createTask(waitFor(task, ms));
  loop.callSoon(() => w.cancel());
  const e = yield* catching(w[Symbol.iterator]());
  assert.ok(e instanceof CancelledError);
  // Python issue #23219: cancelling the wait must also cancel the task
  assert.equal(task.cancelled(), true);
}

Deno.test("waitFor: cancelling a blocking waitFor cancels the task", () =>
  main(() => cancelWaitFor(null)));

Deno.test("waitFor: cancelling a waitFor cancels the task", () =>
  main(() => cancelWaitFor(60_000)));

Deno.test("waitFor: a suppressed cancel gives the work's value", () =>
  main(function* () {
    function* return42(): Coroutine<number | undefined> {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) return 42;
        throw e;
      }
    }
    assert.equal(yield* waitFor(return42(), 10), 42);
    assert.equal(currentTask()!.cancelling(), 0);
  }));

Deno.test("waitFor: a cancel right after it finished is not swallowed (gh-86296)", () =>
  main(function* () {
    function* inner(): Coroutine<void> {}
    let reachedEnd = false;
    function* waitForCoro(): Coroutine<void> {
      yield* waitFor(inner(), 100_000);
      yield* sleep(1000);
      reachedEnd = true;
    }
    const task = createTask(waitForCoro());
    yield* sleep(0);
    assert.equal(task.done(), false);
    task.cancel();
    const e = yield* catching(task[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    assert.equal(reachedEnd, false);
  }));

Deno.test("waitFor: a shielded task times out but keeps running", () =>
  main(function* () {
    const t = createTask(sleep(20, "done"));
    const e = yield* catching(waitFor(shield(t), 1));
    assert.ok(e instanceof TimeoutError);
    assert.equal(t.cancelled(), false);
    assert.equal(yield* t, "done");
  }));

Deno.test("waitFor: a coroutine runs inline in the calling task", () =>
  main(function* () {
    const me = currentTask();
    const seen = yield* waitFor(
      (function* () {
        yield* sleep(1);
        return currentTask();
      })(),
      1000,
    );
    assert.equal(seen, me);
  }));

Deno.test("waitFor: argument errors", () =>
  main(function* () {
    assert.throws(
      () => waitFor(sleep(1), "1" as unknown as number),
      TypeError,
    );
    assert.throws(() => waitFor(sleep(1), NaN), RangeError);
    assert.throws(
      () => waitFor(Promise.resolve(1) as unknown as Future<number>, 1),
      /waitFor\(\): aw must be a Future, a Task or a coroutine/,
    );
    assert.throws(
      () => waitFor(runBriefly as unknown as Future<void>, 1),
      /call it first/,
    );
    yield* sleep(0);
  }));

// --- wait --------------------------------------------------------------------

Deno.test("wait: all completed by default", () =>
  main(function* () {
    const a = createTask(sleep(10, "a"));
    const b = createTask(sleep(1, "b"));
    const [done, pending] = yield* wait([b, a]);
    assert.deepEqual(done, new Set([a, b]));
    assert.equal(pending.size, 0);
    // a second wait on done futures returns at once with the same split
    const [done2, pending2] = yield* wait([a, b]);
    assert.deepEqual(done2, new Set([a, b]));
    assert.equal(pending2.size, 0);
  }));

Deno.test("wait: duplicates count once", () =>
  main(function* () {
    const a = createTask(sleep(1, "a"));
    const [done, pending] = yield* wait([a, a]);
    assert.equal(done.size, 1);
    assert.equal(pending.size, 0);
  }));

Deno.test("wait: FIRST_COMPLETED", () =>
  main(function* () {
    const a = createTask(sleep(10_000, "a"));
    const b = createTask(sleep(1, "b"));
    const [done, pending] = yield* wait([b, a], {
      returnWhen: FIRST_COMPLETED,
    });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    assert.equal(a.done(), false); // never cancels
    a.cancel();
  }));

Deno.test("wait: FIRST_COMPLETED counts a cancellation as completion", () =>
  main(function* () {
    const a = createTask(sleep(10_000, "a"));
    const b = createTask(sleep(10_000, "b"));
    getRunningLoop().callLater(1, () => a.cancel());
    const [done, pending] = yield* wait([a, b], {
      returnWhen: FIRST_COMPLETED,
    });
    assert.deepEqual(done, new Set([a]));
    assert.deepEqual(pending, new Set([b]));
    b.cancel();
  }));

Deno.test("wait: FIRST_EXCEPTION", () =>
  main(function* () {
    const a = createTask(sleep(10_000, "a"));
    const b = createTask((function* () {
      yield* sleep(1);
      throw new RangeError("exc");
    })());
    const [done, pending] = yield* wait([b, a], {
      returnWhen: FIRST_EXCEPTION,
    });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    assert.ok(b.exception() instanceof RangeError);
    a.cancel();
  }));

Deno.test("wait: FIRST_EXCEPTION ignores cancellation and waits for all", () =>
  main(function* () {
    const a = createTask(sleep(10, "a"));
    const b = createTask(sleep(10_000, "b"));
    getRunningLoop().callLater(1, () => b.cancel());
    const [done, pending] = yield* wait([a, b], {
      returnWhen: FIRST_EXCEPTION,
    });
    assert.deepEqual(done, new Set([a, b]));
    assert.equal(pending.size, 0);
  }));

Deno.test("wait: FIRST_EXCEPTION with a future that already failed", () =>
  main(function* () {
    const a = createTask(sleep(10_000, "a"));
    const b = getRunningLoop().createFuture<string>();
    b.setException(new RangeError("early"));
    const [done, pending] = yield* wait([a, b], {
      returnWhen: FIRST_EXCEPTION,
    });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    a.cancel();
  }));

Deno.test("wait: with an exception, ALL_COMPLETED still waits for all", () =>
  main(function* () {
    const a = createTask(sleep(10, "a"));
    const b = createTask((function* () {
      yield* sleep(1);
      throw new RangeError("exc");
    })());
    const [done, pending] = yield* wait([a, b], { returnWhen: ALL_COMPLETED });
    assert.deepEqual(done, new Set([a, b]));
    assert.equal(pending.size, 0);
    assert.ok(b.exception() instanceof RangeError);
  }));

Deno.test("wait: a timeout returns what is done, never throws or cancels", () =>
  mainVirtual(function* () {
    const a = createTask(sleep(1, "a"));
    const b = createTask(sleep(10_000, "b"));
    const [done, pending] = yield* wait([a, b], { timeout: 20 });
    assert.deepEqual(done, new Set([a]));
    assert.deepEqual(pending, new Set([b]));
    assert.equal(b.cancelled(), false);
    b.cancel();
  }));

Deno.test("wait: cancelling the waiter cancels nothing else", () =>
  main(function* () {
    const a = getRunningLoop().createFuture<string>();
    const w = createTask(wait([a]));
    yield* sleep(1);
    w.cancel();
    const e = yield* catching(w[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    assert.equal(a.cancelled(), false);
    assert.equal(String(a), "<Future pending>"); // its callback was removed
  }));

Deno.test("wait: argument errors", () =>
  main(function* () {
    const t = createTask(sleep(0));
    assert.throws(
      () => wait(t as unknown as Future<void>[]),
      {
        name: "TypeError",
        message: "wait(): fs: expect a list of futures, not Task",
      },
    );
    assert.throws(
      () => wait(sleep(1) as unknown as Future<void>[]),
      {
        name: "TypeError",
        message: "wait(): fs: expect a list of futures, not coroutine",
      },
    );
    assert.throws(() => wait([]), {
      name: "RangeError",
      message: "wait(): fs: Set of Tasks/Futures is empty.",
    });
    assert.throws(() => wait([t], { returnWhen: "bad" as ReturnWhen }), {
      name: "RangeError",
      message:
        'wait(): Invalid return_when value: bad (options.returnWhen must be one of "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED")',
    });
    assert.throws(
      () => wait([t, sleep(1) as unknown as Future<void>]),
      {
        name: "TypeError",
        message:
          "wait(): fs: Passing coroutines is forbidden, use tasks explicitly.",
      },
    );
    assert.throws(() => wait([1 as unknown as Future<void>]), TypeError);
    yield* t;
  }));

// --- asCompleted -------------------------------------------------------------

Deno.test("asCompleted: completion order", () =>
  mainVirtual(function* () {
    const a = sleep(20, "a");
    const b = createTask(sleep(1, "b"));
    const c = sleep(10, "c");
    const seen: string[] = [];
    for (const next of asCompleted([a, b, c])) seen.push(yield* next);
    assert.deepEqual(seen, ["b", "c", "a"]);
  }));

Deno.test("asCompleted: exceptions come out of the matching await", () =>
  main(function* () {
    const bad = createTask((function* () {
      yield* sleep(1);
      throw new RangeError("bad");
    })());
    const good = createTask(sleep(10, "good"));
    const it = asCompleted([good, bad]);
    const e = yield* catching(it.next().value as Coroutine<string>);
    assert.ok(e instanceof RangeError);
    assert.equal(yield* it.next().value as Coroutine<string>, "good");
    assert.equal(it.next().done, true);
  }));

Deno.test("asCompleted: a timeout makes the remaining awaits throw", () =>
  main(function* () {
    const a = createTask(sleep(1, "a"));
    const b = createTask(sleep(10_000, "b"));
    const values: unknown[] = [];
    for (const next of asCompleted([a, b], { timeout: 20 })) {
      try {
        values.push(yield* next);
      } catch (e) {
        values.push(e);
      }
    }
    assert.equal(values[0], "a");
    assert.ok(values[1] instanceof TimeoutError);
    assert.equal(b.cancelled(), false); // the work is not cancelled
    b.cancel();
  }));

Deno.test("asCompleted: an unused timeout does nothing", () =>
  main(function* () {
    const seen: string[] = [];
    for (const next of asCompleted([sleep(1, "a")], { timeout: 10_000 })) {
      seen.push(yield* next);
    }
    assert.deepEqual(seen, ["a"]);
  }));

Deno.test("asCompleted: awaiting in reverse still gives completion order", () =>
  mainVirtual(function* () {
    const futs = [...asCompleted([sleep(5, "a"), sleep(20, "b")])];
    assert.equal(futs.length, 2);
    assert.equal(yield* futs[1], "a");
    assert.equal(yield* futs[0], "b");
  }));

Deno.test("asCompleted: awaited concurrently", () =>
  main(function* () {
    const futs = [...asCompleted([sleep(5, "a"), sleep(10, "b")])];
    const results = yield* gather(futs);
    assert.deepEqual(new Set(results), new Set(["a", "b"]));
  }));

Deno.test("asCompleted: duplicates count once", () =>
  main(function* () {
    const c = sleep(1, "a");
    const futs = [...asCompleted([c, c])];
    assert.equal(futs.length, 1);
    assert.equal(yield* futs[0], "a");
  }));

Deno.test("asCompleted: a cancelled await passes its wake-up on", () =>
  main(function* () {
    const t = createTask(sleep(5, "x"));
    const [first] = asCompleted([t]);
    const waiter = createTask(first as Coroutine<string>);
    yield* sleep(1);
    waiter.cancel();
    const e = yield* catching(waiter[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    yield* t;
  }));

Deno.test("asCompleted: argument errors", async () => {
  const loop = new EventLoop();
  await loop.runUntilComplete((function* () {
    const t = createTask(sleep(0));
    assert.throws(
      () => asCompleted(t as unknown as Future<void>[]),
      {
        name: "TypeError",
        message: "asCompleted(): fs: expect an iterable of futures, not Task",
      },
    );
    assert.throws(
      () => asCompleted([1 as unknown as Future<void>]),
      TypeError,
    );
    assert.throws(
      () => asCompleted([t], { timeout: "1" as unknown as number }),
      TypeError,
    );
    yield* t;
  })());
  loop.close();
  assert.throws(() => asCompleted([]), /no running event loop/);
});

Deno.test("ensureFuture is re-exported", () =>
  main(function* () {
    // deno-lint-ignore require-yield
    const t = ensureFuture((function* () {
      return 1;
    })());
    assert.ok(t instanceof Task);
    assert.equal(yield* t, 1);
  }));
