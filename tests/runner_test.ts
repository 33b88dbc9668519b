// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
// Conformance tests for runner.ts: CPython's test_runners.py (RunTests and
// RunnerTests) adapted to generator coroutines and promises, plus the
// disposal protocols. Ctrl-C is simulated by capturing the SIGINT listener
// the runner installs (see fakeSigint); tests/sigint_test.ts sends a real one.
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
  type ExceptionContext,
  type Future,
  getRunningLoop,
  KeyboardInterrupt,
  run,
  Runner,
  sleep,
  Task,
} from "../mod.ts";

function* nothing(): Coroutine<void> {}

/** A loop whose exception handler records every report. */
function recordingLoop(reports: ExceptionContext[]): EventLoop {
  const loop = new EventLoop();
  loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
  return loop;
}

// ---- simulated Ctrl-C ---------------------------------------------------------

interface FakeSigint {
  /** Delivers SIGINT to every listener the runner installed. */
  fire(): void;
  /** How many SIGINT listeners are installed now. */
  count(): number;
  restore(): void;
}

type SignalHost = {
  addSignalListener?(s: string, h: () => void): void;
  removeSignalListener?(s: string, h: () => void): void;
};
type ProcessHost = {
  on?(s: string, h: () => void): unknown;
  off?(s: string, h: () => void): unknown;
  listenerCount?(s: string): number;
};

/**
 * Replaces the host's SIGINT registration (Deno.addSignalListener, or
 * process.on on Node) with a recorder, so a test can deliver Ctrl-C to the
 * runner's handler exactly as the host would, from a host callback.
 */
function fakeSigint(options?: { failInstall?: boolean }): FakeSigint {
  const handlers = new Set<() => void>();
  const g = globalThis as unknown as {
    Deno?: SignalHost;
    process?: ProcessHost;
  };
  const deno = g.Deno;
  if (deno?.addSignalListener !== undefined) {
    const add = deno.addSignalListener;
    const remove = deno.removeSignalListener;
    deno.addSignalListener = (s, h) => {
      if (s !== "SIGINT") return add.call(deno, s, h);
      if (options?.failInstall) throw new TypeError("signals not supported");
      handlers.add(h);
    };
    deno.removeSignalListener = (s, h) => {
      if (s !== "SIGINT") return remove?.call(deno, s, h);
      handlers.delete(h);
    };
    return {
      fire: () => [...handlers].forEach((h) => h()),
      count: () => handlers.size,
      restore: () => {
        deno.addSignalListener = add;
        deno.removeSignalListener = remove;
      },
    };
  }
  const proc = g.process!;
  const { on, off, listenerCount } = proc;
  proc.on = (s, h) => (s === "SIGINT" ? handlers.add(h) : on?.call(proc, s, h));
  proc.off = (s, h) =>
    s === "SIGINT" ? handlers.delete(h) : off?.call(proc, s, h);
  proc.listenerCount = (s) =>
    s === "SIGINT" ? handlers.size : listenerCount?.call(proc, s) ?? 0;
  return {
    fire: () => [...handlers].forEach((h) => h()),
    count: () => handlers.size,
    restore: () => Object.assign(proc, { on, off, listenerCount }),
  };
}

const g0 = globalThis as unknown as {
  Deno?: SignalHost;
  process?: ProcessHost;
};
const noSignals = g0.Deno?.addSignalListener === undefined &&
  typeof g0.process?.on !== "function";

/** Delivers the fake Ctrl-C from a host timer, as a real signal arrives. */
function interruptSoon(sig: FakeSigint, ms = 2): void {
  setTimeout(() => sig.fire(), ms);
}

// ---- RunTests (asyncio.run) -----------------------------------------------------

Deno.test("run: returns the coroutine's value", async () => {
  const r = await run((function* () {
    yield* sleep(0);
    return 42;
  })());
  assert.equal(r, 42);
});

Deno.test("run: an error thrown by the coroutine propagates unchanged", async () => {
  const spam = new RangeError("spam");
  await assert.rejects(
    run((function* () {
      yield* sleep(0);
      throw spam;
    })()),
    (e) => e === spam,
  );
});

Deno.test("run: only coroutines; the loop is still made and closed", async () => {
  for (
    const bad of [1, () => null, "x", null, { next() {} }] as unknown[]
  ) {
    const loops: EventLoop[] = [];
    await assert.rejects(
      run(bad as never, {
        loopFactory: () => {
          const l = new EventLoop();
          loops.push(l);
          return l;
        },
      }),
      (e: unknown) =>
        e instanceof TypeError && /a coroutine was expected/.test(e.message),
    );
    assert.equal(loops.length, 1);
    assert.ok(loops[0].isClosed());
  }
});

Deno.test("run: an uncalled generator function gets a hint to call it", async () => {
  function* main() {
    return 1;
  }
  await assert.rejects(
    run(main as never),
    (e: unknown) =>
      e instanceof TypeError && /a coroutine was expected/.test(e.message) &&
      /generator function/.test(e.message) && /main\(\)/.test(e.message),
  );
});

Deno.test("run: a Future is not a coroutine", async () => {
  const other = new EventLoop();
  const f = other.createFuture<number>();
  await assert.rejects(run(f as never), /a coroutine was expected/);
  other.close();
});

Deno.test("run: debug true/false sets the loop's debug flag exactly", async () => {
  for (const debug of [true, false]) {
    const seen = await run(
      (function* () {
        return getRunningLoop().getDebug();
      })(),
      { debug },
    );
    assert.equal(seen, debug);
  }
  // Not given: the loop keeps its own default; given: it overrides it.
  for (const own of [true, false]) {
    const kept = await run(
      (function* () {
        return getRunningLoop().getDebug();
      })(),
      { loopFactory: () => new EventLoop({ debug: own }) },
    );
    assert.equal(kept, own);
    const overridden = await run(
      (function* () {
        return getRunningLoop().getDebug();
      })(),
      { debug: !own, loopFactory: () => new EventLoop({ debug: own }) },
    );
    assert.equal(overridden, !own);
  }
});

Deno.test("run: from a running loop rejects and never starts the coroutine", async () => {
  let innerStarted = false;
  function* inner() {
    innerStarted = true;
  }
  let inner_: Promise<unknown> | undefined;
  await run((function* () {
    // run() is async: keep its outcome, handled at once, to inspect later.
    inner_ = run(inner()).then(() => "resolved", (e) => e);
    yield* sleep(0);
  })());
  const msg = await inner_;
  assert.ok(msg instanceof Error);
  assert.equal(
    msg.message,
    "run() cannot be called from a running event loop",
  );
  assert.equal(innerStarted, false);
});

Deno.test("run: cancels hanging tasks at shutdown", async () => {
  let loTask: Task<void> | undefined;
  let cancelledSeen = false;
  const r = await run((function* () {
    loTask = createTask((function* () {
      try {
        yield* sleep(100);
      } catch (e) {
        cancelledSeen = e instanceof CancelledError;
        throw e;
      }
    })());
    yield* sleep(0);
    return 123;
  })());
  assert.equal(r, 123);
  assert.ok(loTask!.done());
  assert.ok(loTask!.cancelled());
  assert.ok(cancelledSeen);
});

Deno.test("run: reports errors of hanging tasks with message/exception/task", async () => {
  const reports: ExceptionContext[] = [];
  let loTask: Task<void> | undefined;
  const zero = new RangeError("division by zero");
  const r = await run(
    (function* () {
      loTask = createTask((function* () {
        try {
          yield* sleep(100);
        } catch {
          throw zero;
        }
      })());
      yield* sleep(0);
      return 123;
    })(),
    { loopFactory: () => recordingLoop(reports) },
  );
  assert.equal(r, 123);
  assert.equal(reports.length, 1);
  const ctx = reports[0];
  assert.deepEqual(Object.keys(ctx).sort(), ["exception", "message", "task"]);
  assert.match(ctx.message, /run.*shutdown/);
  assert.equal(ctx.task, loTask);
  assert.equal(ctx.exception, zero);
});

Deno.test("run: finalizes async generators after hanging tasks failed", async () => {
  class FancyExit extends Error {}
  const reports: ExceptionContext[] = [];
  const log: string[] = [];
  let loTask: Task<void> | undefined;
  await assert.rejects(
    run(
      (function* () {
        const loop = getRunningLoop();
        loop._registerAsyncgen({
          *aclose() {
            log.push("agen closed");
          },
        });
        loTask = createTask((function* () {
          try {
            yield* sleep(100);
          } catch {
            log.push("task failed on cancel");
            throw new Error("1/0");
          }
        })());
        yield* sleep(0);
        throw new FancyExit();
      })(),
      { loopFactory: () => recordingLoop(reports) },
    ),
    FancyExit,
  );
  assert.ok(loTask!.done());
  assert.deepEqual(log, ["task failed on cancel", "agen closed"]);
  assert.equal(reports.length, 1);
  assert.match(reports[0].message, /shutdown/);
});

Deno.test("run: loopFactory is called once, with no arguments, and its loop runs", async () => {
  const calls: unknown[][] = [];
  let made: EventLoop | undefined;
  const seen = await run(
    (function* () {
      return getRunningLoop();
    })(),
    {
      loopFactory: (...args: unknown[]) => {
        calls.push(args);
        return made = new EventLoop();
      },
    },
  );
  assert.deepEqual(calls, [[]]);
  assert.equal(seen, made);
  assert.ok(made!.isClosed());
});

Deno.test(
  "run: a task factory without uncancel turns Ctrl-C into CancelledError",
  {
    ignore: noSignals,
  },
  async () => {
    const sig = fakeSigint();
    try {
      await assert.rejects(
        run(
          (function* () {
            interruptSoon(sig);
            yield* sleep(10_000);
          })(),
          {
            loopFactory: () => {
              const l = new EventLoop();
              l.setTaskFactory((loop, coro, opts) => {
                const t = new Task(coro, { ...opts, loop });
                (t as unknown as { uncancel: undefined }).uncancel = undefined;
                return t;
              });
              return l;
            },
          },
        ),
        (e: unknown) =>
          e instanceof CancelledError && !(e instanceof KeyboardInterrupt),
      );
    } finally {
      sig.restore();
    }
  },
);

Deno.test("run: the result is returned as is; a Future result is adopted", async () => {
  const obj = { toString: () => assert.fail("toString called") };
  assert.equal(
    await run((function* () {
      return obj;
    })()),
    obj,
  );
  const adopted = await run((function* () {
    const f = getRunningLoop().createFuture<number>();
    f.setResult(7);
    return f;
  })());
  assert.equal(adopted, 7);
});

// ---- RunnerTests -------------------------------------------------------------------

Deno.test("Runner: debug false/true", () => {
  {
    using runner = new Runner({ debug: false });
    assert.equal(runner.getLoop().getDebug(), false);
  }
  {
    using runner = new Runner({ debug: true });
    assert.equal(runner.getLoop().getDebug(), true);
  }
});

Deno.test("Runner: a custom loop factory gives the loop; close closes it", async () => {
  const mine = new EventLoop();
  let calls = 0;
  const runner = new Runner({
    loopFactory: () => {
      calls++;
      return mine;
    },
  });
  assert.equal(calls, 0, "the loop is made lazily");
  assert.equal(runner.getLoop(), mine);
  assert.equal(runner.getLoop(), mine);
  assert.equal(await runner.run(sleep(0, "ok")), "ok");
  assert.equal(calls, 1);
  await runner.close();
  assert.ok(mine.isClosed());
});

Deno.test("Runner: loopFactory must be a function", () => {
  assert.throws(
    () => new Runner({ loopFactory: 5 as never }),
    (e: unknown) => e instanceof TypeError && /loopFactory/.test(e.message),
  );
});

Deno.test("Runner: run returns the value; after `using` the runner is closed", async () => {
  let loop: EventLoop;
  let runner: Runner;
  {
    using r = new Runner();
    runner = r;
    const v = await r.run((function* () {
      yield* sleep(0);
      return "done";
    })());
    assert.equal(v, "done");
    loop = r.getLoop();
    assert.equal(loop.isClosed(), false);
  }
  assert.throws(() => runner.getLoop(), /^Error: Runner is closed$/);
  assert.ok(loop.isClosed());
});

Deno.test("Runner: `await using` closes the runner too", async () => {
  let runner: Runner;
  {
    await using r = new Runner();
    runner = r;
    assert.equal(await r.run(sleep(1, "slept")), "slept");
  }
  assert.throws(() => runner.getLoop(), /Runner is closed/);
});

Deno.test("Runner: run rejects non-coroutines (checked before 'closed')", async () => {
  const runner = new Runner();
  const fut = runner.getLoop().createFuture<number>();
  for (const bad of [123, fut, () => null, undefined]) {
    await assert.rejects(
      runner.run(bad as never),
      (e: unknown) =>
        e instanceof TypeError && /a coroutine was expected/.test(e.message),
    );
  }
  await runner.close();
  await assert.rejects(runner.run(123 as never), TypeError);
  await assert.rejects(runner.run(nothing()), /^Error: Runner is closed$/);
});

Deno.test("Runner: explicit close without a `using` block", async () => {
  const runner = new Runner();
  const loop = runner.getLoop();
  await runner.close();
  assert.throws(() => runner.getLoop(), /Runner is closed/);
  assert.ok(loop.isClosed());
});

Deno.test("Runner: closing twice is a no-op", async () => {
  const runner = new Runner();
  const loop = runner.getLoop();
  await runner.close();
  await runner.close();
  runner[Symbol.dispose]();
  await runner[Symbol.asyncDispose]();
  assert.ok(loop.isClosed());
  assert.throws(() => runner.getLoop(), /Runner is closed/);
});

Deno.test("Runner: closing a runner never used leaves it usable", async () => {
  const runner = new Runner();
  await runner.close();
  const loop = runner.getLoop();
  assert.equal(await runner.run(sleep(0, 1)), 1);
  await runner.close();
  assert.ok(loop.isClosed());
});

Deno.test("Runner: a second `using` block on a closed runner cannot run", async () => {
  const ret: number[] = [];
  function* f(x: number) {
    ret.push(x);
    yield* sleep(0);
  }
  const runner = new Runner();
  {
    using r = runner;
    await r.run(f(1));
  }
  await assert.rejects(
    (async () => {
      using r = runner;
      await r.run(f(2));
    })(),
    /Runner is closed/,
  );
  assert.deepEqual(ret, [1]);
});

Deno.test("Runner: run keeps the context across runs", async () => {
  const cvar = new ContextVar<number>("cvar", { default: -1 });
  function* f(x: number) {
    yield* sleep(0);
    const old = cvar.get();
    cvar.set(x);
    return old;
  }
  function* getContext() {
    return copyContext();
  }
  using runner = new Runner();
  assert.equal(await runner.run(f(1)), -1);
  assert.equal(await runner.run(f(2)), 1);
  const ctx = await runner.run(getContext());
  assert.equal(ctx.get(cvar), 2);
  assert.equal(cvar.get(), -1, "the caller's context is untouched");
});

Deno.test("Runner: an explicit context is used as is; the runner's is untouched", async () => {
  const cvar = new ContextVar<string>("cvar2", { default: "none" });
  const mine = new Context();
  mine.run(() => cvar.set("mine"));
  function* swap(v: string) {
    const old = cvar.get();
    cvar.set(v);
    return old;
  }
  using runner = new Runner();
  assert.equal(await runner.run(swap("runner")), "none");
  assert.equal(await runner.run(swap("explicit"), { context: mine }), "mine");
  assert.equal(mine.get(cvar), "explicit");
  assert.equal(await runner.run(swap("again")), "runner");
});

Deno.test("Runner: the context is copied when the loop is made, not before", async () => {
  const cvar = new ContextVar<string>("cvar3", { default: "unset" });
  function* read() {
    return cvar.get();
  }
  await copyContext().run(async () => {
    const runner = new Runner();
    cvar.set("before init"); // after construction, before init: visible
    runner.getLoop();
    cvar.set("after init"); // after init: not visible
    assert.equal(await runner.run(read()), "before init");
    await runner.close();
  });
});

Deno.test("Runner: run from inside a running loop: exact message, coroutine not started", async () => {
  let started = false;
  function* g() {
    started = true;
  }
  using runner = new Runner();
  using other = new Runner();
  const errs = await runner.run((function* () {
    const out: unknown[] = [];
    for (const r of [runner, other]) {
      r.run(g()).catch((e) => out.push(e));
    }
    yield* sleep(0);
    return out;
  })());
  assert.equal(errs.length, 2);
  for (const e of errs) {
    assert.ok(e instanceof Error);
    assert.equal(
      e.message,
      "Runner.run() cannot be called from a running event loop",
    );
  }
  assert.equal(started, false);
});

Deno.test("Runner: a concurrent second run rejects 'This event loop is already running'", async () => {
  using runner = new Runner();
  const first = runner.run(sleep(5, "first"));
  await assert.rejects(
    runner.run(nothing()),
    /This event loop is already running/,
  );
  assert.equal(await first, "first");
});

Deno.test("Runner: tasks spawned by a run stay pending until close", async () => {
  const runner = new Runner();
  let bg: Task<void> | undefined;
  await runner.run((function* () {
    bg = createTask(sleep(10_000));
    yield* sleep(0);
  })());
  assert.equal(bg!.done(), false);
  // Between runs the loop is not running.
  assert.throws(() => getRunningLoop(), /no running event loop/);
  assert.equal(runner.getLoop().isRunning(), false);
  const stillPending = await runner.run((function* () {
    yield* sleep(0);
    return !bg!.done();
  })());
  assert.ok(stillPending);
  await runner.close();
  assert.ok(bg!.cancelled());
});

Deno.test("Runner: loop.stop() in the main task: 'Event loop stopped before Future completed.'", async () => {
  const runner = new Runner();
  let main: Task<unknown> | null = null;
  await assert.rejects(
    runner.run((function* () {
      main = currentTask();
      getRunningLoop().stop();
      yield* sleep(10_000);
    })()),
    /^Error: Event loop stopped before Future completed\.$/,
  );
  assert.equal(main!.done(), false);
  await runner.close();
  assert.ok(main!.cancelled());
});

Deno.test("Runner: a task factory receives the runner's context", async () => {
  const seen: (Context | undefined)[] = [];
  const runner = new Runner({
    loopFactory: () => {
      const l = new EventLoop();
      l.setTaskFactory((loop, coro, opts) => {
        seen.push(opts?.context);
        return new Task(coro, { ...opts, loop });
      });
      return l;
    },
  });
  await runner.run(nothing());
  await runner.run(nothing());
  assert.equal(seen.length, 2);
  assert.ok(seen[0] instanceof Context);
  assert.equal(seen[0], seen[1]);
  await runner.close();
  // close() runs its two shutdown coroutines as tasks, as asyncio's
  // run_until_complete does (no context given).
  assert.deepEqual(seen.slice(2), [undefined, undefined]);
});

Deno.test("Runner: a KeyboardInterrupt thrown by the coroutine propagates unchanged", async () => {
  const ki = new KeyboardInterrupt("mine");
  using runner = new Runner();
  await assert.rejects(
    runner.run((function* () {
      yield* sleep(0);
      throw ki;
    })()),
    (e) => e === ki,
  );
});

// ---- interrupts (simulated Ctrl-C) -------------------------------------------

Deno.test("Runner: Ctrl-C while spinning on sleep(0) → KeyboardInterrupt", {
  ignore: noSignals,
}, async () => {
  const sig = fakeSigint();
  let sawCancel = false;
  try {
    using runner = new Runner();
    const err = await runner.run((function* () {
      interruptSoon(sig);
      try {
        // Bounded, so a missing interrupt fails the test instead of hanging it.
        const giveUp = performance.now() + 10_000;
        while (performance.now() < giveUp) yield* sleep(0);
      } catch (e) {
        sawCancel = e instanceof CancelledError;
        throw new CancelledError();
      }
    })()).then(() => null, (e) => e);
    assert.ok(err instanceof KeyboardInterrupt, String(err));
    assert.equal(err.name, "KeyboardInterrupt");
    assert.ok(err.cause instanceof CancelledError);
    assert.ok(sawCancel);
  } finally {
    sig.restore();
  }
});

Deno.test("Runner: Ctrl-C while waiting on a future cancels the future", {
  ignore: noSignals,
}, async () => {
  const sig = fakeSigint();
  try {
    using runner = new Runner();
    let fut: Future<void> | undefined;
    await assert.rejects(
      runner.run((function* () {
        fut = getRunningLoop().createFuture<void>();
        interruptSoon(sig);
        yield* fut;
      })()),
      KeyboardInterrupt,
    );
    assert.ok(fut!.cancelled());
  } finally {
    sig.restore();
  }
});

Deno.test(
  "Runner: Ctrl-C after the main task was cancelled elsewhere → CancelledError",
  {
    ignore: noSignals,
  },
  async () => {
    const sig = fakeSigint();
    try {
      using runner = new Runner();
      const subtask = function* (main: Task<unknown>) {
        yield* sleep(0);
        main.cancel();
        sig.fire();
        // Both requests counted: the runner's uncancel() leaves 1, not 0.
        cancelsRequested = main.cancelling();
      };
      let cancelsRequested = 0;
      await assert.rejects(
        runner.run((function* () {
          createTask(subtask(currentTask()!));
          yield* sleep(10_000);
        })()),
        (e: unknown) =>
          e instanceof CancelledError && !(e instanceof KeyboardInterrupt),
      );
      assert.equal(cancelsRequested, 2);
    } finally {
      sig.restore();
    }
  },
);

Deno.test(
  "Runner: a main task that swallows the Ctrl-C cancel returns its value",
  {
    ignore: noSignals,
  },
  async () => {
    const sig = fakeSigint();
    try {
      using runner = new Runner();
      const r = await runner.run((function* () {
        interruptSoon(sig);
        try {
          yield* sleep(10_000);
        } catch (e) {
          if (e instanceof CancelledError) return "x";
          throw e;
        }
        return "not interrupted";
      })());
      assert.equal(r, "x");
    } finally {
      sig.restore();
    }
  },
);

Deno.test("Runner: a second Ctrl-C interrupts at once", {
  ignore: noSignals,
}, async () => {
  const sig = fakeSigint();
  const log: string[] = [];
  try {
    const runner = new Runner();
    await assert.rejects(
      runner.run((function* () {
        interruptSoon(sig, 2);
        interruptSoon(sig, 10);
        try {
          yield* sleep(10_000);
        } catch {
          log.push("ignored first");
        }
        try {
          yield* sleep(10_000);
        } finally {
          log.push("cleanup at close");
        }
      })()),
      KeyboardInterrupt,
    );
    assert.deepEqual(log, ["ignored first"]);
    await runner.close();
    assert.deepEqual(log, ["ignored first", "cleanup at close"]);
  } finally {
    sig.restore();
  }
});

Deno.test("Runner: the SIGINT listener is installed only while run is active", {
  ignore: noSignals,
}, async () => {
  const sig = fakeSigint();
  try {
    const runner = new Runner();
    assert.equal(sig.count(), 0);
    const during = await runner.run((function* () {
      yield* sleep(1);
      return sig.count();
    })());
    assert.equal(during, 1);
    assert.equal(sig.count(), 0);
    await assert.rejects(
      runner.run((function* () {
        yield* sleep(0);
        throw new Error("fail");
      })()),
      /fail/,
    );
    assert.equal(sig.count(), 0);
    await runner.close();
  } finally {
    sig.restore();
  }
});

Deno.test("Runner: a host that refuses signal listeners still runs", {
  ignore: g0.Deno?.addSignalListener === undefined,
}, async () => {
  const sig = fakeSigint({ failInstall: true });
  try {
    assert.equal(await run(sleep(1, "fine")), "fine");
  } finally {
    sig.restore();
  }
});

// ---- disposal -------------------------------------------------------------------------

Deno.test("Runner[Symbol.dispose]: cancels synchronously and reports what it abandons", async () => {
  const reports: ExceptionContext[] = [];
  const log: string[] = [];
  let quick: Task<void> | undefined;
  let slow: Task<void> | undefined;
  let failing: Task<void> | undefined;
  let loop: EventLoop | undefined;
  {
    using runner = new Runner({
      loopFactory: () => loop = recordingLoop(reports),
    });
    await runner.run((function* () {
      quick = createTask((function* () {
        try {
          yield* sleep(10_000);
        } finally {
          log.push("quick cleaned");
        }
      })());
      slow = createTask((function* () {
        try {
          yield* sleep(10_000);
        } finally {
          yield* sleep(1); // needs a host timer: dispose cannot wait
          log.push("slow cleaned");
        }
      })());
      failing = createTask((function* () {
        try {
          yield* sleep(10_000);
        } catch {
          throw new Error("failed on cancel");
        }
      })());
      yield* sleep(0);
    })());
  }
  assert.ok(loop!.isClosed());
  assert.ok(quick!.cancelled());
  assert.equal(slow!.done(), false);
  assert.ok(failing!.done());
  assert.deepEqual(log, ["quick cleaned"]);
  const abandoned = reports.filter((r) => /abandoned/.test(r.message));
  assert.equal(abandoned.length, 1);
  assert.equal(abandoned[0].task, slow);
  const failed = reports.filter((r) => /shutdown/.test(r.message));
  assert.equal(failed.length, 1);
  assert.equal(failed[0].task, failing);
  assert.match(
    String((failed[0].exception as Error).message),
    /failed on cancel/,
  );
  assert.equal(reports.length, 2);
});

Deno.test("Runner[Symbol.dispose]: nothing pending, nothing reported", async () => {
  const reports: ExceptionContext[] = [];
  {
    using runner = new Runner({ loopFactory: () => recordingLoop(reports) });
    await runner.run(sleep(1));
  }
  assert.deepEqual(reports, []);
});

Deno.test("Runner[Symbol.asyncDispose]: waits for cleanup that needs timers", async () => {
  const reports: ExceptionContext[] = [];
  const log: string[] = [];
  let bg: Task<void> | undefined;
  {
    await using runner = new Runner({
      loopFactory: () => recordingLoop(reports),
    });
    await runner.run((function* () {
      bg = createTask((function* () {
        try {
          yield* sleep(10_000);
        } finally {
          yield* sleep(2);
          log.push("cleaned");
        }
      })());
      yield* sleep(0);
    })());
  }
  assert.deepEqual(log, ["cleaned"]);
  assert.ok(bg!.cancelled());
  assert.deepEqual(reports, []);
});

Deno.test("Runner: close() finalizes registered async generators", async () => {
  const log: string[] = [];
  const runner = new Runner();
  await runner.run((function* () {
    getRunningLoop()._registerAsyncgen({
      *aclose() {
        yield* sleep(1);
        log.push("closed");
      },
    });
  })());
  assert.deepEqual(log, []);
  await runner.close();
  assert.deepEqual(log, ["closed"]);
});

Deno.test("Runner: an async generator failing to close is reported with message/exception/asyncgen", async () => {
  const reports: ExceptionContext[] = [];
  const bad = new Error("aclose failed");
  const gen = {
    *aclose(): Coroutine<void> {
      yield* sleep(0);
      throw bad;
    },
  };
  const runner = new Runner({ loopFactory: () => recordingLoop(reports) });
  await runner.run((function* () {
    getRunningLoop()._registerAsyncgen(gen);
  })());
  await runner.close();
  assert.equal(reports.length, 1);
  assert.deepEqual(Object.keys(reports[0]).sort(), [
    "asyncgen",
    "exception",
    "message",
  ]);
  assert.match(
    reports[0].message,
    /^an error occurred during closing of asynchronous generator/,
  );
  assert.equal(reports[0].exception, bad);
  assert.equal(reports[0].asyncgen, gen);
});

Deno.test("Runner[Symbol.dispose]: reports async generators it cannot finalize", async () => {
  const reports: ExceptionContext[] = [];
  let closed = false;
  const gen = {
    *aclose(): Coroutine<void> {
      yield* sleep(5); // needs a host timer: dispose cannot wait for it
      closed = true;
    },
  };
  {
    using runner = new Runner({ loopFactory: () => recordingLoop(reports) });
    await runner.run((function* () {
      getRunningLoop()._registerAsyncgen(gen);
    })());
  }
  assert.equal(closed, false);
  assert.equal(reports.length, 1);
  assert.match(reports[0].message, /async generator not finalized/);
  assert.equal(reports[0].asyncgen, gen);
});

Deno.test("Runner[Symbol.dispose]: finalizes async generators whose cleanup needs only the loop", async () => {
  const reports: ExceptionContext[] = [];
  const log: string[] = [];
  const gen = {
    *aclose(): Coroutine<void> {
      yield* sleep(0); // the loop's own queue: dispose can run it
      log.push("closed");
    },
  };
  let loop: EventLoop | undefined;
  {
    using runner = new Runner({ loopFactory: () => recordingLoop(reports) });
    await runner.run((function* () {
      loop = getRunningLoop();
      loop._registerAsyncgen(gen);
    })());
  }
  assert.deepEqual(log, ["closed"]);
  assert.deepEqual(reports, []);
  assert.ok(loop!.isClosed());
});

Deno.test("Runner.close(): `throw undefined` in a task's cleanup is reported", async () => {
  const reports: ExceptionContext[] = [];
  const runner = new Runner();
  runner.getLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
  let t: Task<void> | null = null;
  await runner.run((function* () {
    t = createTask(
      (function* () {
        try {
          yield* sleep(10_000);
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw undefined;
        }
      })(),
      { name: "cleanup" },
    );
    yield* sleep(0);
  })());
  await runner.close();
  assert.equal(reports.length, 1, `${reports.map((r) => r.message)}`);
  assert.equal(reports[0].message, "unhandled exception during run() shutdown");
  assert.equal(reports[0].task, t);
  assert.ok("exception" in reports[0] && reports[0].exception === undefined);
});

Deno.test("Runner[Symbol.dispose]: runs the callbacks the last tasks scheduled, as close() does", async () => {
  const log: string[] = [];
  {
    using runner = new Runner();
    await runner.run((function* () {
      createTask((function* () {
        getRunningLoop().callSoon(() => log.push("cb"));
        log.push("task");
      })());
    })());
  }
  assert.deepEqual(log, ["task", "cb"]);
});

Deno.test("Runner.close: a loop the user closed fails close() as asyncio's does; dispose does not", async () => {
  const runner = new Runner();
  await runner.run(nothing());
  runner.getLoop().close();
  await assert.rejects(runner.close(), /Event loop is closed/);
  assert.throws(() => runner.getLoop(), /Runner is closed/);
  {
    using other = new Runner();
    await other.run(nothing());
    other.getLoop().close();
  }
});
