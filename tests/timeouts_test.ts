// Port of CPython 3.11's Lib/test/test_asyncio/test_timeouts.py, plus the
// races and argument checks of this API. Seconds became milliseconds.
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  EventLoop,
  getRunningLoop,
  run,
  sleep,
  TimeoutError,
} from "../mod.ts";
import { catching, main, testLoop } from "./_util.ts";
import { Timeout, timeout, timeoutAt } from "../timeouts.ts";
import { VirtualTimeLoop } from "../testing.ts";

// Every test runs twice: on the real loop, and on a VirtualTimeLoop (`main`
// and `run(…, { loopFactory: testLoop.factory })` pick the loop).
function test(name: string, fn: () => void | Promise<void>): void {
  Deno.test(name, fn);
  Deno.test(`${name} [VirtualTimeLoop]`, async () => {
    testLoop.factory = () => new VirtualTimeLoop();
    try {
      await fn();
    } finally {
      testLoop.factory = undefined;
    }
  });
}

function busyWait(ms: number): void {
  // On a virtual clock, time spent computing is what advance() stands for.
  const loop = getRunningLoop();
  if (loop instanceof VirtualTimeLoop) return loop.advance(ms);
  const end = performance.now() + ms;
  while (performance.now() < end) { /* the loop is busy */ }
}

test("timeout: basic", () =>
  main(function* () {
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(10, function* (c) {
      cm = c;
      yield* sleep(10_000);
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(cm!.expired());
  }));

test("timeoutAt: basic", () =>
  main(function* () {
    const deadline = getRunningLoop().time() + 10;
    let cm: Timeout | undefined;
    const e = yield* catching(timeoutAt(deadline, function* (c) {
      cm = c;
      yield* sleep(10_000);
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(cm!.expired());
    assert.equal(cm!.when(), deadline);
  }));

test("timeout: nested timeouts, only the outermost raises TimeoutError", () =>
  main(function* () {
    const deadline = getRunningLoop().time() + 10;
    let cancelled = false;
    let cm1: Timeout | undefined;
    let cm2: Timeout | undefined;
    const e = yield* catching(timeoutAt(deadline, function* (c1) {
      cm1 = c1;
      try {
        yield* timeoutAt(deadline, function* (c2) {
          cm2 = c2;
          yield* sleep(10_000);
        });
      } catch (e) {
        if (e instanceof CancelledError) cancelled = true;
        throw e;
      }
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(cancelled);
    assert.ok(cm1!.expired());
    assert.ok(cm2!.expired());
  }));

test("timeout: the waiter inside is cancelled", () =>
  main(function* () {
    let cancelled = false;
    const e = yield* catching(timeout(10, function* () {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) cancelled = true;
        throw e;
      }
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(cancelled);
  }));

test("timeout: not called when the body is fast enough", () =>
  main(function* () {
    const loop = getRunningLoop();
    const cm = yield* timeout(10_000, function* (c) {
      yield* sleep(10);
      return c;
    });
    const t1 = loop.time();
    assert.equal(cm.expired(), false);
    assert.ok(cm.when()! > t1);
  }));

test("timeout: null disables it", () =>
  main(function* () {
    const cm = yield* timeout(null, function* (c) {
      yield* sleep(10);
      return c;
    });
    assert.equal(cm.expired(), false);
    assert.equal(cm.when(), null);
  }));

test("timeoutAt: null disables it", () =>
  main(function* () {
    const cm = yield* timeoutAt(null, function* (c) {
      yield* sleep(10);
      return c;
    });
    assert.equal(cm.expired(), false);
    assert.equal(cm.when(), null);
  }));

test("timeout: zero", () =>
  main(function* () {
    const loop = getRunningLoop();
    const t0 = loop.time();
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(0, function* (c) {
      cm = c;
      yield* sleep(10_000);
    }));
    const t1 = loop.time();
    assert.ok(e instanceof TimeoutError);
    assert.ok(cm!.expired());
    assert.ok(t0 <= cm!.when()! && cm!.when()! <= t1);
  }));

test("timeout: zero, body does sleep(0)", () =>
  main(function* () {
    const loop = getRunningLoop();
    const t0 = loop.time();
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(0, function* (c) {
      cm = c;
      yield* sleep(0);
    }));
    const t1 = loop.time();
    assert.ok(e instanceof TimeoutError);
    assert.ok(cm!.expired());
    assert.ok(t0 <= cm!.when()! && cm!.when()! <= t1);
  }));

test("timeout: in the past, body does sleep(0)", () =>
  main(function* () {
    const loop = getRunningLoop();
    const t0 = loop.time();
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(-11, function* (c) {
      cm = c;
      yield* sleep(0);
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(cm!.expired());
    assert.ok(cm!.when()! <= t0);
  }));

test("timeout: a foreign exception passes through", () =>
  main(function* () {
    const err = new RangeError("key");
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(10, function* (c) {
      cm = c;
      throw err;
    }));
    assert.equal(e, err);
    assert.equal(cm!.expired(), false);
  }));

test("timeout: a foreign exception raised while the timeout unwinds wins", () =>
  main(function* () {
    function* crash(): Coroutine<void> {
      try {
        yield* sleep(1000);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new RangeError("division by zero");
      }
    }
    const e = yield* catching(timeout(10, function* () {
      yield* crash();
    }));
    assert.ok(e instanceof RangeError);
    assert.equal(currentTask()!.cancelling(), 0);
  }));

test("timeout: a foreign cancel is not a timeout when it did not expire", () =>
  main(function* () {
    const inner = createTask((function* () {
      let cm: Timeout | undefined;
      const e = yield* catching(timeout(10_000, function* (c) {
        cm = c;
        currentTask()!.cancel();
        yield* sleep(10_000);
      }));
      assert.ok(e instanceof CancelledError);
      assert.equal(cm!.expired(), false);
      return "checked";
    })());
    assert.equal(yield* inner, "checked");
  }));

test("timeout: the outer task is not cancelled", () =>
  main(function* () {
    const task = createTask((function* () {
      const e = yield* catching(timeout(1, function* () {
        yield* sleep(10_000);
      }));
      assert.ok(e instanceof TimeoutError);
      assert.equal(currentTask()!.cancelling(), 0);
      yield* sleep(1); // and it can go on waiting
    })());
    yield* task;
    assert.equal(task.cancelled(), false);
    assert.equal(task.done(), true);
  }));

test("timeout: nested timeouts, the outer expires while the inner runs", () =>
  main(function* () {
    let innerSaw: unknown;
    const e = yield* catching(timeout(2, function* () {
      try {
        yield* timeout(100, function* () {
          busyWait(10); // pretend to crunch numbers
          yield* sleep(1000);
        });
      } catch (e) {
        innerSaw = e;
        throw e;
      }
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(innerSaw instanceof CancelledError);
  }));

test("timeout: nested timeouts, loop busy past both deadlines", () =>
  main(function* () {
    const e = yield* catching(timeout(100, function* () {
      try {
        yield* timeout(10, function* () {
          busyWait(100); // the loop is busy for a while
          yield* sleep(1000);
        });
      } catch (e) {
        // Both expired in one iteration: the outer's cancel is pending too,
        // so for the inner block this is not its own timeout.
        assert.ok(e instanceof CancelledError || e instanceof TimeoutError);
        if (e instanceof CancelledError) throw e;
      }
      yield* sleep(10_000); // interrupted by the outer timeout
    }));
    assert.ok(e instanceof TimeoutError);
  }));

test("timeout: reschedule from another task", () =>
  main(function* () {
    const loop = getRunningLoop();
    const fut = loop.createFuture<Timeout>();
    const deadline1 = loop.time() + 10_000;
    const deadline2 = deadline1 + 20_000;
    const task = createTask(timeoutAt(deadline1, function* (cm) {
      fut.setResult(cm);
      yield* sleep(50_000);
    }));
    const cm = yield* fut;
    assert.equal(cm.when(), deadline1);
    cm.reschedule(deadline2);
    assert.equal(cm.when(), deadline2);
    cm.reschedule(null);
    assert.equal(cm.when(), null);
    task.cancel();
    const e = yield* catching(task[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    assert.equal(cm.expired(), false);
  }));

test("timeout: reschedule to now expires it on the next iteration", () =>
  main(function* () {
    const loop = getRunningLoop();
    const e = yield* catching(timeout(10_000, function* (cm) {
      cm.reschedule(loop.time());
      yield* sleep(10_000);
    }));
    assert.ok(e instanceof TimeoutError);
  }));

test("timeout: toString while active", () =>
  main(function* () {
    yield* timeout(10_000, function* (cm) {
      assert.match(String(cm), /^<Timeout \[active\] when=\d+(\.\d*)?>$/);
    });
  }));

test("timeout: toString when expired", () =>
  main(function* () {
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(10, function* (c) {
      cm = c;
      yield* sleep(10_000);
    }));
    assert.ok(e instanceof TimeoutError);
    assert.equal(String(cm), "<Timeout [expired]>");
  }));

test("timeout: toString when finished", () =>
  main(function* () {
    const cm = yield* timeout(10_000, function* (c) {
      yield* sleep(0);
      return c;
    });
    assert.equal(String(cm), "<Timeout [finished]>");
  }));

test("timeout: toString when disabled", () =>
  main(function* () {
    yield* timeout(null, function* (cm) {
      assert.equal(String(cm), "<Timeout [active] when=null>");
    });
  }));

test("timeout: a nested timeout in finally", () =>
  main(function* () {
    let innerSaw: unknown;
    const e = yield* catching(timeout(10, function* () {
      try {
        yield* sleep(1000);
      } finally {
        innerSaw = yield* catching(timeout(10, function* () {
          yield* sleep(10_000);
        }));
      }
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(innerSaw instanceof TimeoutError);
  }));

test("timeout: after a caught cancellation, in finally", () =>
  main(function* () {
    let saw: unknown;
    try {
      currentTask()!.cancel();
      yield* sleep(1000); // work which will be cancelled
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
    } finally {
      saw = yield* catching(timeout(0, function* () {
        yield* sleep(1000); // some cleanup
      }));
    }
    assert.ok(saw instanceof TimeoutError);
  }));

test("timeout: a new cancel inside a timeout after a caught cancellation", () =>
  main(function* () {
    let saw: unknown;
    try {
      currentTask()!.cancel();
      yield* sleep(1000);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
    } finally {
      saw = yield* catching(timeout(1000, function* () {
        currentTask()!.cancel();
        yield* sleep(2000);
      }));
    }
    assert.ok(saw instanceof CancelledError);
  }));

test("timeout: TimeoutError has the CancelledError as cause", () =>
  main(function* () {
    const e = yield* catching(timeout(0, function* () {
      yield* sleep(1000);
    }));
    assert.ok(e instanceof TimeoutError);
    assert.ok(e.cause instanceof CancelledError);
  }));

test("timeout: entering it again inside is refused", () =>
  main(function* () {
    yield* timeout(10, function* (cm) {
      const e = yield* catching(cm.run(function* () {}));
      assert.match((e as Error).message, /has already been entered/);
    });
  }));

test("timeout: entering it twice is refused", () =>
  main(function* () {
    const cm = yield* timeout(10, function* (c) {
      return c;
    });
    const e = yield* catching(cm.run(function* () {}));
    assert.match((e as Error).message, /has already been entered/);
  }));

test("timeout: reschedule after the block finished is refused", () =>
  main(function* () {
    const cm = yield* timeout(10, function* (c) {
      return c;
    });
    assert.throws(
      () => cm.reschedule(20),
      /^Error: Cannot change state of finished Timeout$/,
    );
  }));

test("timeout: reschedule after it expired is refused", () =>
  main(function* () {
    let cm: Timeout | undefined;
    const e = yield* catching(timeout(10, function* (c) {
      cm = c;
      yield* sleep(10_000);
    }));
    assert.ok(e instanceof TimeoutError);
    assert.throws(() => cm!.reschedule(20), /expired/);
  }));

test("timeout: reschedule while it is expiring is refused", () =>
  main(function* () {
    yield* timeout(10, function* (cm) {
      const e = yield* catching(sleep(10_000));
      assert.ok(e instanceof CancelledError);
      assert.throws(() => cm.reschedule(20), /expiring/);
    });
    // The body swallowed the cancellation: no TimeoutError, not cancelled.
    assert.equal(currentTask()!.cancelling(), 0);
  }));

test("timeout: reschedule before entering is refused", () => {
  const cm = new Timeout(10);
  assert.throws(() => cm.reschedule(20), /has not been entered/);
});

test("timeout: outside a task", async () => {
  const loop = new EventLoop();
  const cm = new Timeout(loop.time() + 10);
  const f = loop.createFuture<unknown>();
  loop.callSoon(() => {
    try {
      cm.run(function* () {}).next();
      f.setResult(null);
    } catch (e) {
      f.setResult(e);
    }
  });
  const e = await loop.runUntilComplete(f);
  loop.close();
  assert.match((e as Error).message, /Timeout should be used inside a task/);
  assert.throws(() => cm.reschedule(20), /has not been entered/);
});

test("timeout: the deadline counts from the start of the block", async () => {
  const block = timeout(1000, function* (cm) {
    const loop = getRunningLoop();
    assert.ok(cm.when()! > loop.time() + 500);
    yield* sleep(1);
    return "ran";
  }); // made outside any loop: nothing is computed yet
  const loopFactory = testLoop.factory;
  assert.equal(await run(block, { loopFactory }), "ran");
  await assert.rejects(
    run(
      timeout(1, function* () {
        yield* sleep(10_000);
      }),
      { loopFactory },
    ),
    TimeoutError,
  );
});

// --- races and shapes specific to this API ---------------------------------

test("timeout: returns the body's value", () =>
  main(function* () {
    const r = yield* timeout(1000, function* () {
      yield* sleep(1);
      return 42;
    });
    assert.equal(r, 42);
  }));

test("timeout: a body that swallows the cancellation returns its value", () =>
  main(function* () {
    const r = yield* timeout(1, function* () {
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) return "suppressed";
        throw e;
      }
      return "slept";
    });
    assert.equal(r, "suppressed");
    assert.equal(currentTask()!.cancelling(), 0);
  }));

test("timeout: expires in the iteration the awaited future finished", () =>
  main(function* () {
    // The future is done, but the timeout fires before the task resumes:
    // the cancellation wins (as in asyncio) and the value is lost.
    const loop = getRunningLoop();
    const fut = loop.createFuture<string>();
    const e = yield* catching(timeout(10_000, function* (cm) {
      loop.callSoon(() => {
        cm.reschedule(loop.time()); // onTimeout runs first next iteration
        fut.setResult("late");
      });
      return yield* fut;
    }));
    assert.ok(e instanceof TimeoutError);
    assert.equal(currentTask()!.cancelling(), 0);
    yield* sleep(1); // the task was not left cancelled
  }));

test("timeout: expiring just after the body finished does nothing", () =>
  main(function* () {
    const loop = getRunningLoop();
    const fut = loop.createFuture<string>();
    let cm: Timeout | undefined;
    const r = yield* timeout(10_000, function* (c) {
      cm = c;
      loop.callSoon(() => {
        fut.setResult("in time"); // the task's wake-up is queued first
        c.reschedule(loop.time());
      });
      return yield* fut;
    });
    assert.equal(r, "in time");
    assert.equal(cm!.expired(), false);
    yield* sleep(1);
  }));

test("timeout: cleanup in the body's finally may yield* after expiry", () =>
  main(function* () {
    const log: string[] = [];
    const e = yield* catching(timeout(1, function* () {
      try {
        yield* sleep(10_000);
      } finally {
        yield* sleep(1);
        log.push("cleaned up");
      }
    }));
    assert.ok(e instanceof TimeoutError);
    assert.deepEqual(log, ["cleaned up"]);
  }));

test("timeout: an external cancel at the same time as the expiry wins", () =>
  main(function* () {
    const loop = getRunningLoop();
    const task = createTask(timeout(10_000, function* (cm) {
      loop.callSoon(() => {
        cm.reschedule(loop.time());
        loop.callSoon(() => {}); // keep the order explicit
      });
      yield* sleep(10_000);
    }));
    yield* sleep(0);
    yield* sleep(0); // the reschedule ran; onTimeout is queued
    task.cancel("from outside");
    const e = yield* catching(task[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    assert.equal(task.cancelled(), true);
  }));

test("timeout: argument errors", () =>
  main(function* () {
    assert.throws(
      () => timeout("1" as unknown as number, function* () {}),
      TypeError,
    );
    assert.throws(() => timeout(NaN, function* () {}), RangeError);
    assert.throws(
      () => timeout(1, null as unknown as () => Coroutine<void>),
      TypeError,
    );
    assert.throws(() => new Timeout("x" as unknown as number), TypeError);
    const e = yield* catching(
      timeout(1, (() => 1) as unknown as () => Coroutine<number>),
    );
    assert.ok(e instanceof TypeError);
    assert.match(e.message, /generator function/);
  }));
