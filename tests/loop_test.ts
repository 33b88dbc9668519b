// Conformance tests for loop.ts: asyncio's BaseEventLoop ordering, run/stop/
// close rules, errors, the exception handler, debug mode, the running-loop
// rules, the ready-queue scheduling API and the host integration.
import assert from "node:assert/strict";
import {
  CancelledError,
  Context,
  ContextVar,
  copyContext,
  type Coroutine,
  type ExceptionContext,
  Future,
  gather,
  Handle,
  KeyboardInterrupt,
  sleep,
  TimerHandle,
} from "../mod.ts";
import { EventLoop, getRunningLoop } from "../loop.ts";
import { readyFind } from "../scheduling.ts";

function* nothing(): Coroutine<void> {}

/** Replaces console[method] while `fn` runs; returns what was logged. */
async function captureConsole(
  method: "warn" | "error",
  fn: () => unknown,
): Promise<string[]> {
  const original = console[method];
  const lines: string[] = [];
  console[method] = (...args: unknown[]) => {
    lines.push(args.map((a) => String(a)).join(" "));
  };
  try {
    await fn();
  } finally {
    console[method] = original;
  }
  return lines;
}

/** Runs the loop until `ms` after now (a timer stops it). */
function runFor(loop: EventLoop, ms: number): Promise<void> {
  loop.callLater(ms, () => loop.stop());
  return loop.runForever();
}

/** Settles to the rejection reason (or "resolved"), handled at once. */
function outcome(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => "resolved", (e) => e);
}

function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* spin */ }
}

// ---- ordering -------------------------------------------------------------

Deno.test("loop: callSoon/callLater ordering matches asyncio's verified order", async () => {
  const loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => order.push("s1"));
  loop.callSoon(() => {
    order.push("s2");
    loop.callSoon(() => order.push("s2-nested"));
  });
  loop.callSoon(() => order.push("s3"));
  loop.callLater(0, () => order.push("t0"));
  loop.callLater(-1, () => order.push("tneg"));
  loop.callLater(5, () => order.push("t1"));
  loop.callLater(10, () => {
    order.push("t2");
    loop.stop();
  });
  await loop.runForever();
  assert.deepEqual(order, [
    "s1",
    "s2",
    "s3",
    "tneg",
    "t0",
    "s2-nested",
    "t1",
    "t2",
  ]);
  loop.close();
});

Deno.test("loop: timers with equal deadlines run in scheduling order", async () => {
  const loop = new EventLoop();
  const order: number[] = [];
  const when = loop.time() + 3;
  for (let i = 0; i < 50; i++) loop.callAt(when, () => order.push(i));
  loop.callAt(when + 2, () => loop.stop());
  await loop.runForever();
  assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
  loop.close();
});

Deno.test("loop: timers run in deadline order regardless of scheduling order", async () => {
  const loop = new EventLoop();
  const order: number[] = [];
  for (const ms of [12, 3, 9, 1, 6]) loop.callLater(ms, () => order.push(ms));
  await runFor(loop, 20);
  assert.deepEqual(order, [1, 3, 6, 9, 12]);
  loop.close();
});

Deno.test("loop: callbacks scheduled during an iteration run in the next one", async () => {
  const loop = new EventLoop();
  const order: string[] = [];
  loop.callSoon(() => {
    order.push("a");
    loop.callSoon(() => order.push("a2"));
  });
  loop.callSoon(() => {
    order.push("b");
    loop.callSoon(() => order.push("b2"));
  });
  loop.callSoon(() => order.push("c"));
  await loop.runUntilComplete(sleep(1));
  // a2 runs after c: it was not ready when the first iteration began.
  assert.deepEqual(order.slice(0, 5), ["a", "b", "c", "a2", "b2"]);
  loop.close();
});

Deno.test("loop: one iteration runs exactly what was ready when it began", async () => {
  const loop = new EventLoop();
  const iterationOf: Record<string, number> = {};
  let iteration = 0;
  // A ticker that reschedules itself marks iteration boundaries: it is the
  // first callback of every iteration because it was scheduled first.
  const tick = () => {
    iteration++;
    if (iteration < 5) loop.callSoon(tick);
  };
  loop.callSoon(tick);
  loop.callSoon(() => {
    iterationOf.x = iteration;
    loop.callSoon(() => {
      iterationOf.y = iteration;
      loop.callSoon(() => {
        iterationOf.z = iteration;
      });
    });
  });
  await runFor(loop, 5);
  assert.deepEqual(iterationOf, { x: 1, y: 2, z: 3 });
  loop.close();
});

// ---- stop / run / close ---------------------------------------------------

Deno.test("loop: stop() lets the rest of the current iteration run", async () => {
  const loop = new EventLoop();
  const seen: number[] = [];
  loop.callSoon(() => {
    seen.push(1);
    loop.stop();
    loop.callSoon(() => seen.push(3));
  });
  loop.callSoon(() => seen.push(2));
  await loop.runForever();
  assert.deepEqual(seen, [1, 2]);
  assert.equal(loop.isRunning(), false);
  // The callback scheduled before the stop survives for the next run.
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, [1, 2, 3]);
  loop.close();
});

Deno.test("loop: stop() before runForever runs exactly one iteration", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  loop.callSoon(() => {
    seen.push("a");
    loop.callSoon(() => seen.push("b"));
  });
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, ["a"]);
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, ["a", "b"]);
  loop.close();
});

Deno.test("loop: stop() from outside while waiting for a timer ends runForever", async () => {
  const loop = new EventLoop();
  let fired = false;
  loop.callLater(10_000, () => {
    fired = true;
  });
  const done = loop.runForever();
  assert.equal(loop.isRunning(), true);
  setTimeout(() => loop.stop(), 2);
  await done;
  assert.equal(loop.isRunning(), false);
  assert.equal(fired, false);
  loop.close(); // drops the 10 s timer: the sanitizer would see a leak
});

Deno.test("loop: a host callback scheduling work wakes an idle loop", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  const done = loop.runForever();
  setTimeout(() => {
    loop.callSoon(() => {
      seen.push("woken");
      loop.stop();
    });
  }, 2);
  await done;
  assert.deepEqual(seen, ["woken"]);
  loop.close();
});

Deno.test("loop: close() of a running loop throws", async () => {
  const loop = new EventLoop();
  let error: unknown;
  loop.callSoon(() => {
    try {
      loop.close();
    } catch (e) {
      error = e;
    }
  });
  await loop.runUntilComplete(sleep(1));
  assert.ok(error instanceof Error);
  assert.match(error.message, /^Cannot close a running event loop$/);
  assert.equal(loop.isClosed(), false);
  loop.close();
});

Deno.test("loop: close() twice is fine; isClosed() reports it", () => {
  const loop = new EventLoop();
  assert.equal(loop.isClosed(), false);
  loop.callLater(1000, () => {});
  loop.close();
  assert.equal(loop.isClosed(), true);
  loop.close();
  assert.equal(loop.isClosed(), true);
});

Deno.test("loop: a closed loop rejects scheduling and running with 'Event loop is closed'", async () => {
  const loop = new EventLoop();
  loop.close();
  const closed = /Event loop is closed/;
  assert.throws(() => loop.callSoon(() => {}), closed);
  assert.throws(() => loop.callLater(1, () => {}), closed);
  assert.throws(() => loop.callAt(loop.time(), () => {}), closed);
  assert.throws(() => loop.callInsert(0, () => {}), closed);
  assert.throws(() => loop.createTask(nothing()), closed);
  await assert.rejects(loop.runForever(), closed);
  await assert.rejects(loop.runUntilComplete(nothing()), closed);
  // asyncio: create_future() does not check closed.
  assert.equal(loop.createFuture().done(), false);
});

Deno.test("loop: runForever while running rejects 'This event loop is already running'", async () => {
  const loop = new EventLoop();
  const first = loop.runForever();
  await assert.rejects(
    loop.runForever(),
    /^Error: This event loop is already running$/,
  );
  await assert.rejects(
    loop.runUntilComplete(nothing()),
    /This event loop is already running/,
  );
  let inner: Promise<unknown> | undefined;
  loop.callSoon(() => {
    inner = outcome(loop.runForever());
    loop.stop();
  });
  await first;
  const e = await inner;
  assert.ok(e instanceof Error);
  assert.match(e.message, /This event loop is already running/);
  loop.close();
});

Deno.test("loop: running a loop inside another loop's callback is refused", async () => {
  const a = new EventLoop();
  const b = new EventLoop();
  let inner: Promise<unknown> | undefined;
  a.callSoon(() => {
    inner = outcome(b.runUntilComplete(nothing()));
  });
  await a.runUntilComplete(sleep(1));
  const e = await inner;
  assert.ok(e instanceof Error);
  assert.match(
    e.message,
    /^Cannot run the event loop while another loop is running$/,
  );
  a.close();
  b.close();
});

Deno.test("loop: runUntilComplete with a future of another loop is a TypeError", async () => {
  const a = new EventLoop();
  const b = new EventLoop();
  const f = b.createFuture<number>();
  await assert.rejects(
    a.runUntilComplete(f),
    (e: unknown) =>
      e instanceof TypeError &&
      /future belongs to another event loop/.test(e.message),
  );
  assert.equal(a.isRunning(), false);
  a.close();
  b.close();
});

Deno.test("loop: runUntilComplete with a non-awaitable is a TypeError", async () => {
  const loop = new EventLoop();
  await assert.rejects(
    loop.runUntilComplete(42 as never),
    (e: unknown) =>
      e instanceof TypeError &&
      /runUntilComplete\(\): future must be a Future or a coroutine, got 42/
        .test(e.message),
  );
  loop.close();
});

Deno.test("loop: runUntilComplete returns the result and propagates the error", async () => {
  const loop = new EventLoop();
  assert.equal(await loop.runUntilComplete(sleep(1, "v")), "v");
  const boom = new Error("boom");
  await assert.rejects(
    loop.runUntilComplete((function* () {
      yield* sleep(0);
      throw boom;
    })()),
    (e) => e === boom,
  );
  const f = loop.createFuture<number>();
  loop.callSoon(() => f.setResult(7));
  assert.equal(await loop.runUntilComplete(f), 7);
  loop.close();
});

Deno.test("loop: stop() before the future is done: 'Event loop stopped before Future completed.'", async () => {
  const loop = new EventLoop();
  const task = loop.createTask((function* () {
    getRunningLoop().stop();
    yield* sleep(50);
  })());
  await assert.rejects(
    loop.runUntilComplete(task),
    /^Error: Event loop stopped before Future completed\.$/,
  );
  assert.equal(task.done(), false);
  task.cancel();
  await assert.rejects(loop.runUntilComplete(task), { name: "CancelledError" });
  loop.close();
});

Deno.test("loop: a KeyboardInterrupt from a callback escapes runForever; the loop stops", async () => {
  const loop = new EventLoop();
  const handled: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => handled.push(ctx));
  loop.callSoon(() => {
    throw new KeyboardInterrupt();
  });
  await assert.rejects(loop.runForever(), KeyboardInterrupt);
  assert.equal(loop.isRunning(), false);
  assert.equal(handled.length, 0);
  loop.close();
});

// ---- argument checks ------------------------------------------------------

Deno.test("loop: scheduling checks the callback and the delay", () => {
  const loop = new EventLoop();
  assert.throws(
    () => loop.callSoon(42 as never),
    (e: unknown) =>
      e instanceof TypeError &&
      /a callable object was expected by callSoon\(\), got 42/.test(e.message),
  );
  assert.throws(
    () => loop.callSoon(nothing as never),
    /coroutines cannot be used with callSoon\(\)/,
  );
  assert.throws(() => loop.callLater("5" as never, () => {}), TypeError);
  assert.throws(() => loop.callLater(NaN, () => {}), RangeError);
  assert.throws(() => loop.callAt(undefined as never, () => {}), TypeError);
  assert.equal(loop.readyLen(), 0);
  loop.close();
});

// ---- exception handler ----------------------------------------------------

Deno.test("loop: setExceptionHandler checks its argument; null restores the default", () => {
  const loop = new EventLoop();
  assert.throws(
    () => loop.setExceptionHandler("nope" as never),
    (e: unknown) =>
      e instanceof TypeError &&
      /A callable object or null is expected/.test(e.message),
  );
  assert.equal(loop.getExceptionHandler(), null);
  const h = () => {};
  loop.setExceptionHandler(h);
  assert.equal(loop.getExceptionHandler(), h);
  loop.setExceptionHandler(null);
  assert.equal(loop.getExceptionHandler(), null);
  loop.close();
});

Deno.test("loop: a failing callback is reported as 'Exception in callback' with its handle", async () => {
  const loop = new EventLoop();
  const reports: [EventLoop, ExceptionContext][] = [];
  loop.setExceptionHandler((l, ctx) => reports.push([l, ctx]));
  const boom = new Error("boom");
  const h = loop.callSoon(function failing() {
    throw boom;
  });
  let after = false;
  loop.callSoon(() => {
    after = true;
  });
  await loop.runUntilComplete(sleep(1));
  assert.equal(after, true, "the loop keeps running after a failing callback");
  assert.equal(reports.length, 1);
  const [l, ctx] = reports[0];
  assert.equal(l, loop);
  assert.match(ctx.message, /^Exception in callback failing/);
  assert.equal(ctx.exception, boom);
  assert.equal(ctx.handle, h);
  loop.close();
});

Deno.test("loop: the default handler logs the message and the stack with console.error", async () => {
  const loop = new EventLoop();
  loop.callSoon(function failing() {
    throw new Error("kaput");
  });
  const logged = await captureConsole("error", async () => {
    await loop.runUntilComplete(sleep(1));
  });
  assert.equal(logged.length, 1);
  assert.match(logged[0], /Exception in callback failing/);
  assert.match(logged[0], /kaput/);
  loop.close();
});

Deno.test("loop: a handler that throws is reported by the default handler", async () => {
  const loop = new EventLoop();
  const bad = new Error("handler broke");
  loop.setExceptionHandler(() => {
    throw bad;
  });
  const defaults: ExceptionContext[] = [];
  loop.defaultExceptionHandler = (ctx) => {
    defaults.push(ctx);
  };
  const boom = new Error("boom");
  loop.callSoon(() => {
    throw boom;
  });
  await loop.runUntilComplete(sleep(1));
  assert.equal(defaults.length, 1);
  assert.equal(defaults[0].message, "Unhandled error in exception handler");
  assert.equal(defaults[0].exception, bad);
  const original = defaults[0].context as ExceptionContext;
  assert.match(original.message, /^Exception in callback/);
  assert.equal(original.exception, boom);
  loop.close();
});

Deno.test("loop: callExceptionHandler calls the handler with the loop and the context", () => {
  const loop = new EventLoop();
  const seen: unknown[] = [];
  loop.setExceptionHandler((l, ctx) => seen.push(l, ctx));
  const ctx = { message: "custom", extra: 1 };
  loop.callExceptionHandler(ctx);
  assert.deepEqual(seen, [loop, ctx]);
  loop.close();
});

// ---- debug mode -------------------------------------------------------------

Deno.test("loop: debug mode warns about slow callbacks", async () => {
  const loop = new EventLoop({ debug: true });
  loop.slowCallbackDuration = 10;
  loop.callSoon(function slowOne() {
    busyWait(30);
  });
  const warned = await captureConsole("warn", async () => {
    await loop.runUntilComplete(sleep(1));
  });
  // Other steps may also be slow on a loaded machine: look at slowOne's.
  const mine = warned.filter((w) => w.includes("slowOne"));
  assert.equal(mine.length, 1, warned.join("\n"));
  assert.match(mine[0], /^Executing <Handle slowOne\(\)> took \d+\.\d+ ms/);
  loop.close();
});

Deno.test("loop: without debug mode, slow callbacks are not reported", async () => {
  const loop = new EventLoop({ debug: false });
  loop.slowCallbackDuration = 10;
  loop.callSoon(() => busyWait(30));
  const warned = await captureConsole("warn", async () => {
    await loop.runUntilComplete(sleep(1));
  });
  assert.deepEqual(warned, []);
  loop.close();
});

Deno.test("loop: debug mode also times task steps", async () => {
  const loop = new EventLoop({ debug: true });
  loop.slowCallbackDuration = 10;
  const warned = await captureConsole("warn", async () => {
    await loop.runUntilComplete(
      loop.createTask(
        (function* () {
          busyWait(30);
          yield* sleep(0);
        })(),
        { name: "slowpoke" },
      ),
    );
  });
  // The busy first step is reported; on a loaded machine the short second
  // step may be too, so look at the first step's report.
  const first = warned.filter((w) =>
    w.includes("<Task pending name='slowpoke'")
  );
  assert.equal(first.length, 1, warned.join("\n"));
  assert.match(first[0], /^Executing .*slowpoke.* took/);
  loop.close();
});

Deno.test("loop: getDebug/setDebug and the debug option", () => {
  const a = new EventLoop({ debug: true });
  assert.equal(a.getDebug(), true);
  a.setDebug(false);
  assert.equal(a.getDebug(), false);
  const b = new EventLoop({ debug: false });
  assert.equal(b.getDebug(), false);
  a.close();
  b.close();
});

// ---- running loop ---------------------------------------------------------

Deno.test("loop: getRunningLoop() is set inside callbacks and tasks only", async () => {
  const loop = new EventLoop();
  assert.throws(() => getRunningLoop(), /^Error: no running event loop$/);
  let inCallback: EventLoop | undefined;
  let inTimer: EventLoop | undefined;
  let inTask: EventLoop | undefined;
  let inMicrotask: unknown = "not run";
  let inHostTimer: unknown = "not run";
  loop.callSoon(() => {
    inCallback = getRunningLoop();
    // A microtask runs after the loop handed the thread back.
    queueMicrotask(() => {
      try {
        inMicrotask = getRunningLoop();
      } catch (e) {
        inMicrotask = e;
      }
    });
  });
  loop.callLater(1, () => {
    inTimer = getRunningLoop();
  });
  // While the loop waits for its 20 ms timer, it is running but not on the stack.
  setTimeout(() => {
    try {
      inHostTimer = getRunningLoop();
    } catch (e) {
      inHostTimer = e;
    }
  }, 5);
  await loop.runUntilComplete((function* () {
    inTask = getRunningLoop();
    yield* sleep(20);
  })());
  assert.equal(inCallback, loop);
  assert.equal(inTimer, loop);
  assert.equal(inTask, loop);
  assert.ok(inMicrotask instanceof Error, String(inMicrotask));
  assert.match(inMicrotask.message, /no running event loop/);
  assert.ok(inHostTimer instanceof Error, String(inHostTimer));
  assert.match(inHostTimer.message, /no running event loop/);
  assert.throws(() => getRunningLoop(), /no running event loop/);
  loop.close();
});

Deno.test("loop: isRunning() is true while waiting for a timer", async () => {
  const loop = new EventLoop();
  let duringWait: boolean | undefined;
  setTimeout(() => {
    duringWait = loop.isRunning();
  }, 2);
  await loop.runUntilComplete(sleep(15));
  assert.equal(duringWait, true);
  assert.equal(loop.isRunning(), false);
  loop.close();
});

Deno.test("loop: two loops interleave on one thread, each its own running loop", async () => {
  const a = new EventLoop();
  const b = new EventLoop();
  const log: string[] = [];
  function* worker(name: string, own: EventLoop) {
    for (let i = 0; i < 4; i++) {
      assert.equal(getRunningLoop(), own);
      log.push(`${name}${i}`);
      yield* sleep(2);
      assert.equal(getRunningLoop(), own);
    }
    return name;
  }
  const results = await Promise.all([
    a.runUntilComplete(worker("A", a)),
    b.runUntilComplete(worker("B", b)),
  ]);
  assert.deepEqual(results, ["A", "B"]);
  assert.deepEqual(log.slice(0, 2), ["A0", "B0"]);
  assert.equal(log.length, 8);
  // Both made progress before either finished.
  assert.ok(log.indexOf("B1") < log.indexOf("A3"), log.join(","));
  assert.ok(log.indexOf("A1") < log.indexOf("B3"), log.join(","));
  a.close();
  b.close();
});

// ---- ready-queue scheduling API -----------------------------------------------

/** Schedules callbacks that log their labels; returns the handles. */
function labelled(loop: EventLoop, labels: string[], seen: string[]): Handle[] {
  return labels.map((l) => loop.callSoon(() => seen.push(l)));
}

Deno.test("loop: readyLen counts queued handles", async () => {
  const loop = new EventLoop();
  assert.equal(loop.readyLen(), 0);
  const seen: string[] = [];
  labelled(loop, ["a", "b", "c"], seen);
  assert.equal(loop.readyLen(), 3);
  let inside = -1;
  loop.callSoon(() => {
    inside = loop.readyLen();
  });
  await loop.runUntilComplete(sleep(1));
  // Inside the iteration the queue still holds what comes after this
  // callback: the main task's first step.
  assert.equal(inside, 1);
  assert.equal(loop.readyLen(), 0);
  loop.close();
});

Deno.test("loop: readyPop indexes like a Python list", () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  const [a, b, c, d, e] = labelled(loop, ["a", "b", "c", "d", "e"], seen);
  assert.equal(loop.readyPop(), e);
  assert.equal(loop.readyPop(0), a);
  assert.equal(loop.readyPop(-3), b);
  assert.equal(loop.readyLen(), 2);
  assert.equal(loop.readyPop(1), d);
  assert.equal(loop.readyPop(-1), c);
  assert.throws(() => loop.readyPop(), RangeError);
  labelled(loop, ["x"], seen);
  assert.throws(() => loop.readyPop(1), RangeError);
  assert.throws(() => loop.readyPop(-2), RangeError);
  assert.throws(() => loop.readyPop(0.5), TypeError); // as list.pop(0.5)
  assert.equal(loop.readyLen(), 1);
  loop.close();
});

Deno.test("loop: readyInsert follows list.insert (negative, clamped positions)", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  labelled(loop, ["a", "b", "c"], seen);
  const x = loop.readyPop(); // c
  loop.readyInsert(-1, x); // before the last: a c b
  const y = loop.readyPop(0); // a
  loop.readyInsert(100, y); // end: c b a
  const z = loop.readyPop(1); // b
  loop.readyInsert(-100, z); // front: b c a
  assert.throws(() => loop.readyInsert(0, {} as never), TypeError);
  assert.throws(() => loop.readyInsert(0.5, z), TypeError);
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, ["b", "c", "a"]);
  loop.close();
});

Deno.test("loop: readyRotate rotates like deque.rotate", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  labelled(loop, ["a", "b", "c", "d"], seen);
  loop.readyRotate(1); // d a b c
  loop.readyRotate(-2); // b c d a
  loop.readyRotate(9); // 9 % 4 = 1: a b c d
  loop.readyRotate(-1); // b c d a
  assert.throws(() => loop.readyRotate(1.5), TypeError);
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, ["b", "c", "d", "a"]);
  loop.close();
});

Deno.test("loop: callInsert schedules at a position in the ready queue", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  labelled(loop, ["a", "b", "c"], seen);
  const h = loop.callInsert(1, () => seen.push("i1"));
  assert.ok(h instanceof Handle);
  loop.callInsert(-1, () => seen.push("i-1"));
  loop.callInsert(0, () => seen.push("i0"));
  loop.callInsert(99, () => seen.push("end"));
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, ["i0", "a", "i1", "b", "i-1", "c", "end"]);
  loop.close();
});

Deno.test("loop: a popped handle reinserted while running runs in the next iteration", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  loop.callSoon(() => {
    seen.push("first");
    // Move "later" to the front of what is queued for the next iteration.
    loop.callSoon(() => seen.push("early"));
    loop.callSoon(() => seen.push("later"));
    loop.readyInsert(0, loop.readyPop());
  });
  await loop.runUntilComplete(sleep(2));
  assert.deepEqual(seen, ["first", "later", "early"]);
  loop.close();
});

Deno.test("loop: readyPop of a task's step gives a handle that runs the step", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  // deno-lint-ignore require-yield
  const t = loop.createTask((function* () {
    seen.push("step");
  })());
  // The task is its own queue entry; popping it makes the handle.
  const h = loop.readyPop();
  assert.ok(h instanceof Handle);
  assert.match(
    String(h),
    /^<Handle <Task pending name='Task-\d+'>\.step\(\)>$/,
  );
  assert.equal(loop.readyLen(), 0);
  loop.callSoon(() => seen.push("cb"));
  loop.readyInsert(1, h);
  await loop.runUntilComplete(t);
  assert.deepEqual(seen, ["cb", "step"]);
  loop.close();
});

Deno.test("loop: readyPop of a done future's queued callback gives a handle that runs it", async () => {
  const loop = new EventLoop();
  const f = loop.createFuture<number>();
  f.setResult(1);
  const g = gather([f]); // its done callback on f is queued at once
  assert.equal(loop.readyLen(), 1);
  const h = loop.readyPop();
  assert.ok(h instanceof Handle);
  assert.match(String(h), /^<Handle \w+\(\)>$/);
  await loop.runUntilComplete(sleep(1));
  assert.equal(g.done(), false, "the callback was taken out of the queue");
  loop.readyInsert(0, h);
  assert.deepEqual(await loop.runUntilComplete(g), [1]);
  loop.close();
});

Deno.test("loop: cancelling the handle of a queued task step keeps the step from running", async () => {
  const loop = new EventLoop();
  let ran = false;
  // deno-lint-ignore require-yield
  const t = loop.createTask((function* () {
    ran = true;
  })());
  const h = readyFind(t)!;
  h.cancel();
  assert.equal(readyFind(t), null);
  await loop.runUntilComplete(sleep(1));
  assert.equal(ran, false);
  assert.equal(t.done(), false);
  loop.close();
});

// ---- handles ----------------------------------------------------------------

Deno.test("loop: a cancelled Handle does not run", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  const [, b] = labelled(loop, ["a", "b", "c"], seen);
  assert.equal(b.cancelled(), false);
  b.cancel();
  b.cancel(); // idempotent
  assert.equal(b.cancelled(), true);
  loop.stop();
  await loop.runForever();
  assert.deepEqual(seen, ["a", "c"]);
  loop.close();
});

Deno.test("loop: `using` cancels a Handle and a TimerHandle at scope end", async () => {
  const loop = new EventLoop();
  const seen: string[] = [];
  {
    using _h = loop.callSoon(() => seen.push("soon"));
    using _t = loop.callLater(1, () => seen.push("later"));
  }
  loop.callSoon(() => seen.push("kept"));
  await runFor(loop, 5);
  assert.deepEqual(seen, ["kept"]);
  loop.close();
});

Deno.test("loop: TimerHandle.when() is the deadline; cancelled timers are skipped", async () => {
  const loop = new EventLoop();
  const seen: number[] = [];
  const at = loop.time() + 3;
  const t = loop.callAt(at, () => seen.push(0));
  assert.ok(t instanceof TimerHandle);
  assert.equal(t.when(), at);
  const before = loop.time();
  const t2 = loop.callLater(2, () => seen.push(1));
  assert.ok(t2.when() >= before + 2 && t2.when() <= loop.time() + 2);
  t.cancel();
  assert.equal(t.cancelled(), true);
  await runFor(loop, 6);
  assert.deepEqual(seen, [1]);
  loop.close();
});

Deno.test("loop: many cancelled timers (heap purge) leave the live ones in order", async () => {
  const loop = new EventLoop();
  const seen: number[] = [];
  const handles: TimerHandle[] = [];
  const base = loop.time();
  for (let i = 0; i < 300; i++) {
    handles.push(loop.callAt(base + 1 + (i % 5), () => seen.push(i)));
  }
  // Cancel 2 of every 3: more than half, which triggers a rebuild.
  handles.forEach((h, i) => {
    if (i % 3 !== 0) h.cancel();
  });
  await runFor(loop, 10);
  const expected = Array.from({ length: 300 }, (_, i) => i)
    .filter((i) => i % 3 === 0)
    .sort((x, y) => (x % 5) - (y % 5) || x - y);
  assert.deepEqual(seen, expected);
  loop.close();
});

// ---- contexts ------------------------------------------------------------------

Deno.test("loop: callbacks run in the given context, or a copy of the caller's", async () => {
  const loop = new EventLoop();
  const cvar = new ContextVar<string>("cvar", { default: "default" });
  const seen: string[] = [];
  const ctx = new Context();
  ctx.run(() => cvar.set("explicit"));
  loop.callSoon(() => seen.push(cvar.get()), { context: ctx });
  copyContext().run(() => {
    cvar.set("at call time");
    loop.callSoon(() => {
      seen.push(cvar.get());
      cvar.set("changed inside"); // does not leak into the caller's context
    });
    loop.callLater(1, () => seen.push(cvar.get()));
    cvar.set("after the call");
  });
  await runFor(loop, 4);
  assert.deepEqual(seen, ["explicit", "at call time", "at call time"]);
  assert.equal(cvar.get(), "default");
  loop.close();
});

// ---- host integration -----------------------------------------------------------

Deno.test("loop: after close no host timer is left armed", async () => {
  const loop = new EventLoop();
  loop.callLater(60_000, () => {});
  // Running until something shorter completes arms a host timer for the
  // 60 s one while waiting; the sanitizer flags it if it survives.
  await loop.runUntilComplete(sleep(2));
  loop.close();
  assert.equal(loop._hostTimer, null);
  const loop2 = new EventLoop();
  const forever = loop2.runForever();
  loop2.callLater(60_000, () => {});
  setTimeout(() => loop2.stop(), 2);
  await forever;
  loop2.close();
  assert.equal(loop2._hostTimer, null);
});

Deno.test("loop: 100k sleeping tasks complete with at most one host timer armed", async () => {
  const loop = new EventLoop();
  const g = globalThis as unknown as {
    setTimeout: typeof setTimeout;
    clearTimeout: typeof clearTimeout;
  };
  const realSet = g.setTimeout;
  const realClear = g.clearTimeout;
  const live = new Set<unknown>();
  let armed = 0;
  let maxLive = 0;
  // Count host timers: the loop must keep one for the earliest deadline.
  g.setTimeout = ((fn: () => void, ms?: number) => {
    armed++;
    const id: unknown = realSet(() => {
      live.delete(id);
      fn();
    }, ms);
    live.add(id);
    maxLive = Math.max(maxLive, live.size);
    return id;
  }) as typeof setTimeout;
  g.clearTimeout = ((id: number) => {
    live.delete(id);
    realClear(id);
  }) as typeof clearTimeout;
  const N = 100_000;
  let finished = 0;
  try {
    const results = await loop.runUntilComplete((function* () {
      const tasks = [];
      for (let i = 0; i < N; i++) {
        tasks.push(loop.createTask((function* () {
          yield* sleep(1 + (i % 10));
          finished++;
          return i;
        })()));
      }
      return yield* gather(tasks);
    })());
    assert.equal(results.length, N);
    assert.equal(results[N - 1], N - 1);
  } finally {
    g.setTimeout = realSet;
    g.clearTimeout = realClear;
    loop.close();
  }
  assert.equal(finished, N);
  assert.ok(maxLive <= 1, `host timers alive at once: ${maxLive}`);
  assert.ok(armed < N / 2, `host timers armed: ${armed}`);
});

Deno.test("loop: host timers still fire while a task spins on sleep(0)", async () => {
  const loop = new EventLoop();
  let stop = false;
  let spins = 0;
  const id = setTimeout(() => {
    stop = true;
  }, 5);
  try {
    const n = await loop.runUntilComplete((function* () {
      while (!stop) {
        spins++;
        yield* sleep(0);
      }
      return spins;
    })());
    assert.ok(n > 0);
    assert.equal(stop, true);
  } finally {
    clearTimeout(id);
    loop.close();
  }
});

Deno.test("loop: a native promise settles while a task spins on sleep(0)", async () => {
  const loop = new EventLoop();
  let resolved = false;
  const p = new Promise<void>((resolve) => setTimeout(resolve, 3));
  p.then(() => {
    resolved = true;
  });
  await loop.runUntilComplete((function* () {
    while (!resolved) yield* sleep(0);
  })());
  assert.equal(resolved, true);
  loop.close();
});

Deno.test("loop: time() is monotonic milliseconds", async () => {
  const loop = new EventLoop();
  const t0 = loop.time();
  await loop.runUntilComplete(sleep(5));
  const t1 = loop.time();
  assert.ok(t1 >= t0 + 4, `${t1 - t0}`); // slept at least ~5 ms
  assert.ok(t1 - t0 < 60_000, "milliseconds, not microseconds");
  loop.close();
});

Deno.test("loop: createFuture makes a pending future of this loop", () => {
  const loop = new EventLoop();
  const f = loop.createFuture<number>();
  assert.ok(f instanceof Future);
  assert.equal(f.getLoop(), loop);
  assert.equal(f.done(), false);
  loop.close();
});

Deno.test("timers set in one burst fire in one iteration, even if the host timer fires early", async () => {
  const loop = new EventLoop();
  const realSetTimeout = globalThis.setTimeout;
  // A fake clock for the loop, so the host timer can "fire" at a chosen time.
  let now = 0;
  loop.time = () => now;
  let fires = 0;
  globalThis.setTimeout =
    ((fn: () => void, ms?: number) =>
      realSetTimeout(() => {
        // First wake: between the first and the last deadline (early for the
        // last one); later wakes: well after all of them.
        now = fires++ === 0 ? 5.0015 : 10;
        fn();
      }, ms)) as typeof setTimeout;
  try {
    // A timer callback schedules a marker with callSoon: if all three timers
    // run in one iteration, all three markers come after them.
    const log: string[] = [];
    const done = loop.createFuture<void>();
    loop.callSoon(() => {
      // Three deadlines microseconds apart, as three tasks sleeping 5 ms one
      // after another in the same step would make.
      for (let i = 0; i < 3; i++) {
        loop.callLater(5, () => {
          log.push(`t${i}`);
          loop.callSoon(() => {
            log.push(`m${i}`);
            if (i === 2) done.setResult();
          });
        });
        now += 0.001;
      }
    });
    await loop.runUntilComplete(done);
    assert.deepEqual(log, ["t0", "t1", "t2", "m0", "m1", "m2"]);
  } finally {
    globalThis.setTimeout = realSetTimeout;
    loop.close();
  }
});

// ------------------------- issue 9 §2: long and infinite delays, the heap

const MAX_HOST_DELAY = 2 ** 31 - 1;

/**
 * Runs `loop` for `ms` (ended by a host timer, so that the loop's own timers
 * are only those the test scheduled) and returns the delays of the host
 * timers the loop set meanwhile.
 */
async function hostDelays(loop: EventLoop, ms: number): Promise<number[]> {
  const real = globalThis.setTimeout;
  const delays: number[] = [];
  const done = loop.createFuture<void>();
  real(() => done.setResult(), ms);
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    delays.push(ms ?? 0);
    return real(cb, ms);
  }) as typeof setTimeout;
  try {
    await loop.runUntilComplete(done);
  } finally {
    globalThis.setTimeout = real;
  }
  return delays;
}

const DAY = 24 * 3600 * 1000;
for (
  const [what, start] of [
    ["sleep(2 ** 31)", () => sleep(2 ** 31)],
    ["sleep(30 days)", () => sleep(30 * DAY)],
    ["sleep(Infinity)", () => sleep(Infinity)],
  ] as const
) {
  Deno.test(`${what} does not fire early; cancelling the sleeper works`, async () => {
    const loop = new EventLoop();
    let woke = false;
    const task = loop.createTask((function* () {
      yield* start();
      woke = true;
    })());
    const delays = await hostDelays(loop, 30);
    assert.equal(woke, false);
    assert.equal(task.done(), false);
    assert.ok(delays.length > 0 && delays.every((d) => d <= MAX_HOST_DELAY));
    task.cancel();
    await assert.rejects(loop.runUntilComplete(task), CancelledError);
    assert.equal(woke, false);
    loop.close();
  });
}

for (
  const [what, schedule] of [
    [
      "callLater(Infinity)",
      (l: EventLoop, f: () => void) => l.callLater(Infinity, f),
    ],
    [
      "callAt(Infinity)",
      (l: EventLoop, f: () => void) => l.callAt(Infinity, f),
    ],
    [
      "callLater(2 ** 31)",
      (l: EventLoop, f: () => void) => l.callLater(2 ** 31, f),
    ],
  ] as const
) {
  Deno.test(`${what} never fires early; its handle cancels`, async () => {
    const loop = new EventLoop();
    let fired = false;
    const h = schedule(loop, () => fired = true);
    const delays = await hostDelays(loop, 30);
    assert.equal(fired, false);
    assert.ok(delays.length > 0 && delays.every((d) => d <= MAX_HOST_DELAY));
    h.cancel();
    await loop.runUntilComplete(sleep(1));
    assert.equal(fired, false);
    loop.close();
  });
}

Deno.test("a host timer clamped to 2^31-1 ms is re-armed until the deadline", async () => {
  const real = globalThis.setTimeout;
  const long: number[] = [];
  // The host wakes the loop at once instead of after 24.8 days.
  globalThis.setTimeout = ((cb: () => void, ms?: number) => {
    if ((ms ?? 0) >= MAX_HOST_DELAY && long.push(ms!) <= 3) return real(cb, 0);
    return real(cb, ms);
  }) as typeof setTimeout;
  const loop = new EventLoop();
  let fired = false;
  try {
    loop.callLater(Infinity, () => fired = true);
    // The only timer of the loop is the infinite one.
    const done = loop.createFuture<void>();
    real(() => done.setResult(), 30);
    await loop.runUntilComplete(done);
  } finally {
    globalThis.setTimeout = real;
  }
  assert.equal(fired, false);
  assert.ok(long.length >= 3, `re-armed ${long.length} times`);
  assert.ok(long.every((d) => d === MAX_HOST_DELAY));
  loop.close();
});

Deno.test("the timer heap counts a cancelled timer only while it is in the heap", async () => {
  const loop = new EventLoop();
  await loop.runUntilComplete((function* () {
    // sleep() cancels its timer in `finally`, after it fired.
    yield* gather(Array.from({ length: 100 }, () => sleep(1)));
  })());
  assert.equal(loop._timers.length, 0);
  assert.equal(loop._timers.cancelledCount, 0);
  const h = loop.callLater(1000, () => {});
  h.cancel();
  h.cancel();
  assert.equal(loop._timers.cancelledCount, 1);
  loop.close();
});

// ----------------------------------------- issue 9 §4: faults inside the loop

Deno.test("a callback whose context is already entered is reported once; the loop goes on", async () => {
  const loop = new EventLoop();
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
  const ctx = new Context();
  const ran: string[] = [];
  function inCtx() {
    ran.push("inCtx");
  }
  loop.callSoon(inCtx, { context: ctx });
  loop.callSoon(() => ran.push("next"));
  // The first iteration runs synchronously, inside ctx.run.
  const done = ctx.run(() => loop.runUntilComplete(sleep(1)));
  await done;
  assert.deepEqual(ran, ["next"]);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].message, "Exception in callback inCtx()");
  assert.match(String(reports[0].exception), /cannot enter context/);
  loop.close();
});

Deno.test("with no handler set, a console.error that throws never stops the loop", async () => {
  const original = console.error;
  let calls = 0;
  console.error = () => {
    calls++;
    throw new Error("console is broken");
  };
  const loop = new EventLoop();
  const ran: string[] = [];
  try {
    loop.callSoon(() => {
      throw new Error("callback bug");
    });
    loop.callSoon(() => ran.push("after"));
    await loop.runUntilComplete(sleep(1));
    // A custom handler that fails falls back to the default one, too.
    loop.setExceptionHandler(() => {
      throw new Error("handler bug");
    });
    loop.callSoon(() => {
      throw new Error("callback bug 2");
    });
    loop.callSoon(() => ran.push("after 2"));
    await loop.runUntilComplete(sleep(1));
  } finally {
    console.error = original;
  }
  assert.deepEqual(ran, ["after", "after 2"]);
  assert.ok(calls >= 2);
  loop.close();
});
