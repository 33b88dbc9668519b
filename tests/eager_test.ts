// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
import assert from "node:assert/strict";
import { catching, returnsOnClose } from "./_util.ts";
import {
  CancelledError,
  type Context,
  ContextVar,
  copyContext,
  type Coroutine,
  createTask,
  currentTask,
  EventLoop,
  Future,
  getRunningLoop,
  InvalidStateError,
  run,
  sleep,
  Task,
} from "../mod.ts";
import {
  cancelling,
  coroAwait,
  coroEager,
  coroIsDone,
  coroIsNew,
  coroIsSuspended,
  coroIter,
  CoroStart,
  coroState,
  eager,
  eagerCtx,
  eagerTaskFactory,
  funcEager,
  GeneratorExit,
} from "../eager.ts";
import { createTaskDescend } from "../scheduling.ts";

type Log = (string | number)[];

// ---- the seed README's eager ordering ---------------------------------

function* readmeTest(log: Log): Coroutine<void> {
  log.push(1);
  yield* sleep(40); // some long IO
  log.push(2);
}

function* readmeCaller(
  log: Log,
  convert: (c: Coroutine<void>) => Future<void> | Coroutine<void>,
): Coroutine<void> {
  log.push("a");
  const future = convert(readmeTest(log));
  log.push("b");
  yield* sleep(10); // some other IO
  log.push("c");
  yield* future;
}

Deno.test("README: plain coroutine, createTask and eager orderings", async () => {
  const cases: [
    string,
    (c: Coroutine<void>) => Future<void> | Coroutine<void>,
    Log,
  ][] = [
    ["do nothing", (c) => c, ["a", "b", "c", 1, 2]],
    ["createTask", (c) => createTask(c), ["a", "b", 1, "c", 2]],
    ["eager", (c) => eager(c), ["a", 1, "b", "c", 2]],
    ["coroEager", (c) => coroEager(c), ["a", 1, "b", "c", 2]],
  ];
  for (const [name, convert, want] of cases) {
    const log: Log = [];
    await run(readmeCaller(log, convert));
    assert.deepEqual(log, want, name);
  }
});

Deno.test("README: eagerTaskFactory gives the eager ordering", async () => {
  const log: Log = [];
  await run((function* () {
    getRunningLoop().setTaskFactory(eagerTaskFactory);
    yield* readmeCaller(log, (c) => createTask(c));
  })());
  assert.deepEqual(log, ["a", 1, "b", "c", 2]);
});

// ---- asynkit TestEager ---------------------------------------------------

const eagerVar = new ContextVar<string>("eager_var");

function* coro1(log: Log, block: boolean): Coroutine<Log> {
  log.push(1);
  eagerVar.set("a");
  if (block) yield* sleep(0);
  log.push(2);
  assert.equal(eagerVar.get(), "a");
  eagerVar.set("b");
  return log;
}

for (const block of [true, false]) {
  const expect: Log = block ? [1, "a", 2] : [1, 2, "a"];
  const label = block ? "block" : "noblock";

  Deno.test(`TestEager[${label}]: plain await runs lazily and leaks the var`, async () => {
    const log: Log = [];
    await run((function* () {
      eagerVar.set("X");
      const c = coro1(log, block);
      log.push("a");
      yield* c;
      assert.equal(eagerVar.get(), "b");
    })());
    assert.deepEqual(log, ["a", 1, 2]);
  });

  Deno.test(`TestEager[${label}]: coroEager order and context isolation`, async () => {
    const log: Log = [];
    await run((function* () {
      eagerVar.set("X");
      const f = coroEager(coro1(log, block));
      log.push("a");
      yield* f;
      assert.equal(eagerVar.get(), "X");
    })());
    assert.deepEqual(log, expect);
  });

  Deno.test(`TestEager[${label}]: custom createTask is called only when blocking`, async () => {
    const log: Log = [];
    let calls = 0;
    await run((function* () {
      eagerVar.set("X");
      const f = coroEager(coro1(log, block), {
        createTask: (c) => {
          calls++;
          return createTask(c);
        },
      });
      log.push("a");
      yield* f;
      assert.equal(eagerVar.get(), "X");
    })());
    assert.deepEqual(log, expect);
    assert.equal(calls, block ? 1 : 0);
  });

  Deno.test(`TestEager[${label}]: funcEager and eager(function)`, async () => {
    for (const wrap of [funcEager, eager]) {
      const log: Log = [];
      const f = wrap((l: Log) => coro1(l, block));
      await run((function* () {
        eagerVar.set("X");
        const fut = f(log);
        log.push("a");
        yield* fut;
        assert.equal(eagerVar.get(), "X");
      })());
      assert.deepEqual(log, expect);
    }
  });

  Deno.test(`TestEager[${label}]: eager() on a coroutine and on a method`, async () => {
    class Obj {
      log: Log = [];
      method = eager(function* (this: Obj) {
        return yield* coro1(this.log, block);
      });
    }
    const o = new Obj();
    const log: Log = [];
    await run((function* () {
      eagerVar.set("X");
      const a = eager(coro1(log, block));
      log.push("a");
      yield* a;
      const b = o.method();
      o.log.push("a");
      yield* b;
      assert.equal(eagerVar.get(), "X");
    })());
    assert.deepEqual(log, expect);
    assert.deepEqual(o.log, expect);
  });

  Deno.test(`TestEager[${label}]: exceptions are held by the future`, async () => {
    const log: Log = [];
    function* failing(): Coroutine<void> {
      log.push(1);
      if (block) yield* sleep(0);
      log.push(2);
      throw new Error("boom");
    }
    await run((function* () {
      const f = eager(failing());
      assert.deepEqual(log, block ? [1] : [1, 2]);
      assert.equal(f.done(), !block);
      try {
        yield* f;
        assert.fail("no error");
      } catch (e) {
        assert.equal((e as Error).message, "boom");
      }
    })());
    assert.deepEqual(log, [1, 2]);
  });
}

Deno.test("eager: a finished coroutine gives a done Future, not a Task", async () => {
  await run((function* () {
    const f = eager((function* () {
      return 1;
    })());
    assert.ok(f instanceof Future);
    assert.ok(!(f instanceof Task));
    assert.equal(f.done(), true);
    assert.equal(yield* f, 1);
    const t = eager(
      (function* () {
        yield* sleep(0);
        return 2;
      })(),
      { name: "eager-child" },
    );
    assert.ok(t instanceof Task);
    assert.equal((t as Task<number>).getName(), "eager-child");
    assert.equal(yield* t, 2);
  })());
});

Deno.test("eager: anything but a coroutine or function is a TypeError", () => {
  assert.throws(() => eager({} as never), {
    name: "TypeError",
    message: /^eager\(\): x must be a coroutine or a function, got /,
  });
  assert.throws(() => eager(5 as never), TypeError);
});

Deno.test("eager: a synchronous CancelledError gives a cancelled future", async () => {
  await run((function* () {
    const f = eager((function* (): Coroutine<void> {
      throw new CancelledError("early");
    })());
    assert.equal(f.cancelled(), true);
  })());
});

Deno.test("eager: during the eager phase currentTask() is the caller", async () => {
  await run((function* () {
    const me = currentTask();
    let seen: unknown = null;
    const t = eager((function* () {
      seen = currentTask();
      yield* sleep(0);
      return currentTask();
    })());
    assert.equal(seen, me);
    assert.equal(yield* t, t);
  })());
});

// ---- CoroStart -------------------------------------------------------------

function* csCoro(
  log: Log,
  block: boolean,
  genExit?: { v: boolean },
): Coroutine<Log> {
  log.push(1);
  if (block) {
    try {
      yield* sleep(10);
    } catch (e) {
      if (e instanceof GeneratorExit && genExit) genExit.v = true;
      throw e;
    }
  }
  log.push(2);
  return log;
}

for (const block of [true, false]) {
  const label = block ? "block" : "noblock";
  const expect: Log = block ? [1, "a", 2] : [1, 2, "a"];

  Deno.test(`CoroStart[${label}]: await ordering`, async () => {
    const log: Log = [];
    const r = await run((function* () {
      const cs = new CoroStart(csCoro(log, block));
      assert.equal(cs.done(), !block);
      assert.equal(cs.pending(), block);
      log.push("a");
      return yield* cs;
    })());
    assert.equal(r, log);
    assert.deepEqual(log, expect);
  });

  Deno.test(`CoroStart[${label}]: awaiting twice is an error`, async () => {
    await run((function* () {
      const cs = new CoroStart(csCoro([], block));
      yield* cs;
      assert.throws(() => cs[Symbol.iterator]().next(), {
        message: "cannot reuse already awaited coroutine",
      });
    })());
  });

  Deno.test(`CoroStart[${label}]: asCoroutine ordering`, async () => {
    const log: Log = [];
    await run((function* () {
      const cs = new CoroStart(csCoro(log, block));
      const c = cs.asCoroutine();
      log.push("a");
      assert.equal(yield* c, log);
    })());
    assert.deepEqual(log, expect);
  });

  Deno.test(`CoroStart[${label}]: asFuture`, async () => {
    await run((function* () {
      const log: Log = [];
      const cs = new CoroStart(csCoro(log, block));
      if (block) {
        assert.throws(() => cs.asFuture(), {
          name: "Error",
          message: "CoroStart: coroutine not done()",
        });
        assert.equal(yield* cs, log);
      } else {
        const f = cs.asFuture();
        assert.ok(f instanceof Future);
        assert.equal(yield* f, log);
      }
    })());
  });

  Deno.test(`CoroStart[${label}]: asAwaitable`, async () => {
    await run((function* () {
      const log: Log = [];
      const cs = new CoroStart(csCoro(log, block));
      const a = cs.asAwaitable();
      assert.equal(a instanceof Future, !block);
      assert.equal(yield* a, log);
    })());
  });

  Deno.test(`CoroStart[${label}]: result() and exception()`, async () => {
    await run((function* () {
      const log: Log = [];
      const cs = new CoroStart(csCoro(log, block));
      if (block) {
        assert.throws(() => cs.result(), {
          name: "InvalidStateError",
          message: "CoroStart: coroutine not done()",
        });
        assert.throws(() => cs.exception(), InvalidStateError);
        yield* cs;
      } else {
        assert.equal(cs.result(), log);
        assert.equal(cs.exception(), undefined);
      }
    })());
  });

  Deno.test(`CoroStart[${label}]: low-level continuation and close`, async () => {
    await run((function* () {
      const genExit = { v: false };
      const cs = new CoroStart(csCoro([], block, genExit));
      const cont = cs.asCoroutine();
      const r = cont.next();
      if (!block) {
        assert.deepEqual(r, { value: [1, 2], done: true });
      } else {
        assert.equal(r.done, false);
        cont.return(undefined as never); // closes the inner coroutine
        assert.equal(genExit.v, true);
        assert.equal(coroIsDone(cs.coro), true);
      }
    })());
  });
}

Deno.test("CoroStart: a synchronous error is done; awaiting rethrows it", async () => {
  await run((function* () {
    const cs = new CoroStart((function* (): Coroutine<void> {
      throw new RangeError("zero");
    })());
    assert.equal(cs.done(), true);
    assert.ok(cs.exception() instanceof RangeError);
    assert.throws(() => cs.result(), RangeError);
    try {
      yield* cs.asCoroutine();
      assert.fail();
    } catch (e) {
      assert.ok(e instanceof RangeError);
    }
  })());
});

Deno.test("CoroStart: close twice, then await is an error", async () => {
  await run((function* () {
    const cs = new CoroStart(csCoro([], true));
    cs.close();
    cs.close();
    assert.equal(cs.continued(), true);
    assert.throws(() => cs[Symbol.iterator]().next(), {
      message: "cannot reuse already awaited coroutine",
    });
  })());
});

Deno.test("CoroStart: autostart false, start() once", () => {
  const log: Log = [];
  const cs = new CoroStart(
    // @ts-expect-error a bare yield on purpose (at run time: one loop turn)
    (function* () {
      log.push(1);
      yield;
      log.push(2);
    })(),
    { autostart: false },
  );
  assert.deepEqual(log, []);
  assert.equal(cs.done(), false);
  assert.equal(cs.start(), false);
  assert.deepEqual(log, [1]);
  assert.throws(() => cs.start(), {
    message: "CoroStart.start() can only be called once",
  });
  cs.close();
  const done = new CoroStart(
    (function* () {
      return 1;
    })(),
    { autostart: false },
  );
  assert.equal(done.start(), true);
  assert.equal(done.result(), 1);
});

Deno.test("CoroStart: not a coroutine is a TypeError", () => {
  assert.throws(() => new CoroStart((function* () {}) as never), {
    name: "TypeError",
    message: /a coroutine was expected.*call it/,
  });
});

// asynkit TestCoroStartClose
function makeCleanupper(st: { stage: number }) {
  return function* cleanupper(): Coroutine<string> {
    st.stage = 1;
    try {
      yield* sleep(0);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    } finally {
      st.stage = 2;
      yield* sleep(0);
      st.stage = 3;
    }
    st.stage = 4;
    return "result";
  };
}

Deno.test("CoroStartClose: sync close of async cleanup is an error", () => {
  const st = { stage: 0 };
  const cs = new CoroStart(makeCleanupper(st)());
  assert.throws(() => cs.close(), {
    message: "coroutine ignored GeneratorExit",
  });
  assert.equal(st.stage, 2);
});

Deno.test("CoroStartClose: aclose runs the async cleanup", async () => {
  const st = { stage: 0 };
  await run((function* () {
    const cs = new CoroStart(makeCleanupper(st)());
    yield* cs.aclose();
  })());
  assert.equal(st.stage, 3);
});

Deno.test("CoroStartClose: athrow propagates after cleanup", async () => {
  const st = { stage: 0 };
  await run((function* () {
    const cs = new CoroStart(makeCleanupper(st)());
    try {
      yield* cs.athrow(new Error("slap face"));
      assert.fail();
    } catch (e) {
      assert.match((e as Error).message, /face/);
    }
  })());
  assert.equal(st.stage, 3);
});

Deno.test("CoroStartClose: athrow handled returns the result", async () => {
  const st = { stage: 0 };
  const r = await run((function* () {
    const cs = new CoroStart(makeCleanupper(st)());
    return yield* cs.athrow(new RangeError());
  })());
  assert.equal(r, "result");
  assert.equal(st.stage, 4);
});

Deno.test("CoroStartClose: throw() ignored, and with tries=2", () => {
  const st = { stage: 0 };
  const cs = new CoroStart(makeCleanupper(st)());
  assert.throws(() => cs.throw(new CancelledError()), {
    message: "coroutine ignored CancelledError",
  });
  assert.equal(st.stage, 2);
  const st2 = { stage: 0 };
  const cs2 = new CoroStart(makeCleanupper(st2)());
  assert.throws(() => cs2.throw(new CancelledError(), 2), CancelledError);
  assert.equal(st2.stage, 2);
});

Deno.test("CoroStartClose: throw into a done CoroStart is an error", async () => {
  const cs = new CoroStart((function* () {
    return 1;
  })());
  assert.throws(() => cs.throw(new Error()), {
    message: "cannot reuse already awaited coroutine",
  });
  await run((function* () {
    const cs2 = new CoroStart((function* () {
      return 1;
    })());
    try {
      yield* cs2.athrow(new Error());
      assert.fail();
    } catch (e) {
      assert.equal(
        (e as Error).message,
        "cannot reuse already awaited coroutine",
      );
    }
    const cs3 = new CoroStart((function* () {
      return 1;
    })());
    yield* cs3;
    try {
      yield* cs3.athrow(new Error());
      assert.fail();
    } catch (e) {
      assert.equal(
        (e as Error).message,
        "cannot reuse already awaited coroutine",
      );
    }
  })());
});

Deno.test("CoroStartClose: throw() handled returns the handler's value", () => {
  // @ts-expect-error a bare yield on purpose (at run time: one loop turn)
  const cs = new CoroStart((function* () {
    try {
      yield;
    } catch (e) {
      if (e instanceof RangeError) return "handler";
      throw e;
    }
    return "none";
  })());
  assert.equal(cs.throw(new RangeError()), "handler");
});

Deno.test("CoroStartClose: close and aclose on a done CoroStart are no-ops", async () => {
  await run((function* () {
    const cs = new CoroStart((function* () {
      return 1;
    })());
    cs.close();
    const cs2 = new CoroStart((function* () {
      return 1;
    })());
    yield* cs2.aclose();
    assert.equal(cs2.result(), 1);
    yield* cs2;
    yield* cs2.aclose();
    cs2.close();
  })());
});

// ---- contexts ------------------------------------------------------------

const ctxVar = new ContextVar<string>("ctx_var", { default: "initial" });

Deno.test("CoroStart context: both phases run in the constructor's context", async () => {
  await run((function* () {
    const ctx = copyContext();
    const seen: string[] = [];
    const cs = new CoroStart(
      (function* () {
        ctxVar.set("start");
        yield* sleep(0);
        seen.push(ctxVar.get());
        ctxVar.set("continued");
        return 1;
      })(),
      { context: ctx },
    );
    assert.equal(ctxVar.get(), "initial");
    assert.equal(yield* cs, 1);
    assert.deepEqual(seen, ["start"]);
    assert.equal(ctxVar.get(), "initial");
    assert.equal(ctx.get(ctxVar), "continued");
  })());
});

Deno.test("CoroStart context: per-phase overrides", async () => {
  await run((function* () {
    const dflt = copyContext();
    const startCtx = copyContext();
    const contCtx = copyContext();
    const cs = new CoroStart(
      (function* () {
        ctxVar.set("in start");
        yield* sleep(0);
        ctxVar.set("in continuation");
      })(),
      { context: dflt, autostart: false },
    );
    cs.start({ context: startCtx });
    yield* createTask(cs.asCoroutine({ context: contCtx }));
    assert.equal(dflt.get(ctxVar), undefined);
    assert.equal(startCtx.get(ctxVar), "in start");
    assert.equal(contCtx.get(ctxVar), "in continuation");
    assert.equal(ctxVar.get(), "initial");
  })());
});

Deno.test("CoroStart context: close runs cleanup in the context", () => {
  const ctx = new ContextVar<string>("c2");
  const context: Context = copyContext();
  const cs = new CoroStart(
    // @ts-expect-error a bare yield on purpose (at run time: one loop turn)
    (function* () {
      try {
        yield;
      } finally {
        ctx.set("cleanup");
      }
    })(),
    { context },
  );
  cs.close();
  assert.equal(context.get(ctx), "cleanup");
  assert.equal(ctx.get("outer"), "outer");
});

Deno.test("coroAwait: without a context writes leak; with one they do not", async () => {
  const var1 = new ContextVar<string>("var1");
  function* myMethod() {
    var1.set("foo");
  }
  await run((function* () {
    const context = copyContext();
    var1.set("bar");
    yield* coroAwait(myMethod(), { context });
    assert.equal(var1.get(), "bar");
    assert.equal(context.get(var1), "foo");
    yield* coroAwait(myMethod());
    assert.equal(var1.get(), "foo");
  })());
});

Deno.test("coroAwait: return value, exception, cancellation", async () => {
  const d = {};
  await run((function* () {
    assert.equal(
      yield* coroAwait((function* () {
        yield* sleep(0);
        return d;
      })()),
      d,
    );
    try {
      yield* coroAwait((function* (): Coroutine<void> {
        throw new RangeError("zero");
      })());
      assert.fail();
    } catch (e) {
      assert.ok(e instanceof RangeError);
    }
    const t = createTask(coroAwait(sleep(1000)));
    yield* sleep(0);
    t.cancel();
    try {
      yield* t;
      assert.fail();
    } catch (e) {
      assert.ok(e instanceof CancelledError);
    }
    const t2 = createTask(coroAwait((function* () {
      try {
        yield* sleep(1000);
      } catch (e) {
        if (e instanceof CancelledError) return d;
        throw e;
      }
    })()));
    yield* sleep(0);
    t2.cancel();
    assert.equal(yield* t2, d);
  })());
});

// ---- coroIter --------------------------------------------------------------

Deno.test("coroIter: an object awaitable many times", async () => {
  class Awaiter {
    count = 0;
    *#body(fail: boolean): Coroutine<string> {
      yield* sleep(0);
      this.count++;
      if (fail) throw new Error(`foobar${this.count}`);
      return `foobar${this.count}`;
    }
    fail = false;
    [Symbol.iterator](): Coroutine<string> {
      return coroIter(this.#body(this.fail));
    }
  }
  await run((function* () {
    const a = new Awaiter();
    assert.equal(yield* a, "foobar1");
    assert.equal(yield* a, "foobar2");
    a.fail = true;
    try {
      yield* a;
    } catch (e) {
      assert.equal((e as Error).message, "foobar3");
    }
    assert.equal(
      yield* coroIter((function* () {
        return "corobar1";
      })()),
      "corobar1",
    );
  })());
  assert.throws(() => coroIter(42 as never), TypeError);
});

Deno.test("coroIter: throwing in is forwarded; return() closes the inner", () => {
  const inner = (function* () {
    try {
      yield 1;
    } catch (e) {
      if (e instanceof RangeError) return "foo";
      throw e;
    }
    return "bar";
  })();
  // @ts-expect-error yields numbers on purpose: coroIter forwards any yield
  const it = coroIter(inner);
  assert.deepEqual(it.next(), { value: 1, done: false });
  assert.deepEqual(it.throw(new RangeError()), { value: "foo", done: true });
  let closed = false;
  const inner2 = (function* () {
    try {
      yield 1;
    } catch (e) {
      closed = e instanceof GeneratorExit;
      throw e;
    }
  })();
  // @ts-expect-error yields numbers on purpose: coroIter forwards any yield
  const it2 = coroIter(inner2);
  it2.next();
  it2.return(undefined);
  assert.equal(closed, true);
  assert.equal(coroIsDone(inner2), true);
});

// ---- coroutine state -------------------------------------------------------

Deno.test("coroState: new, suspended in a task, done, running", async () => {
  await run((function* () {
    const gate = getRunningLoop().createFuture<void>();
    let inside: [boolean, boolean, boolean] | null = null;
    let c: Coroutine<void> | null = null;
    c = (function* () {
      inside = [coroIsNew(c!), coroIsSuspended(c!), coroIsDone(c!)];
      yield* gate;
    })();
    assert.equal(coroIsNew(c), true);
    assert.equal(coroIsSuspended(c), false);
    assert.equal(coroIsDone(c), false);
    const t = createTask(c);
    assert.equal(coroState(c), "new");
    yield* sleep(0);
    assert.deepEqual(inside, [false, false, false]);
    assert.equal(coroIsNew(c), false);
    assert.equal(coroIsSuspended(c), true);
    assert.equal(coroIsDone(c), false);
    gate.setResult();
    yield* t;
    assert.equal(coroIsNew(c), false);
    assert.equal(coroIsSuspended(c), false);
    assert.equal(coroIsDone(c), true);
  })());
});

Deno.test("coroState: CoroStart-driven coroutines", () => {
  const c = (function* () {
    yield;
  })();
  assert.equal(coroState(c), "new");
  // @ts-expect-error a bare yield on purpose (at run time: one loop turn)
  const cs = new CoroStart(c);
  assert.equal(coroState(c), "suspended");
  cs.close();
  assert.equal(coroState(c), "done");
});

Deno.test("coroState: not a coroutine is a TypeError", () => {
  for (const f of [coroIsNew, coroIsSuspended, coroIsDone, coroState]) {
    assert.throws(() => f("string" as never), {
      name: "TypeError",
      message: /^coro\w+\(\): c: a coroutine was expected/,
    });
  }
});

// ---- eagerTaskFactory ------------------------------------------------------

Deno.test("eagerTaskFactory: done Task when synchronous, pending Task when blocking", async () => {
  await run((function* () {
    getRunningLoop().setTaskFactory(eagerTaskFactory);
    const sync = createTask(
      (function* () {
        return "sync";
      })(),
      { name: "sync_task" },
    );
    assert.ok(sync instanceof Task);
    assert.equal(sync.done(), true);
    assert.equal(sync.getName(), "sync_task");
    const asyncT = createTask(
      (function* () {
        yield* sleep(1);
        return "async";
      })(),
      { name: "async_task" },
    );
    assert.equal(asyncT.done(), false);
    assert.equal(asyncT.getName(), "async_task");
    assert.deepEqual([yield* sync, yield* asyncT], ["sync", "async"]);
    const failing = createTask((function* (): Coroutine<void> {
      throw new Error("test error");
    })());
    assert.equal(failing.done(), true);
    try {
      yield* failing;
      assert.fail();
    } catch (e) {
      assert.equal((e as Error).message, "test error");
    }
  })());
});

Deno.test("eagerTaskFactory: the eager step runs as the new task, in its context", async () => {
  await run((function* () {
    const loop = getRunningLoop();
    loop.setTaskFactory(eagerTaskFactory);
    const parent = currentTask();
    let during: unknown = null;
    ctxVar.set("original");
    const ctx = copyContext();
    const t = createTask(
      (function* () {
        during = currentTask();
        assert.equal(ctxVar.get(), "original");
        ctxVar.set("modified");
        yield* sleep(0);
        assert.equal(ctxVar.get(), "modified");
        ctxVar.set("after_resume");
      })(),
      { context: ctx },
    );
    assert.equal(during, t);
    assert.notEqual(during, parent);
    assert.equal(currentTask(), parent);
    yield* t;
    assert.equal(ctxVar.get(), "original");
    assert.equal(ctx.get(ctxVar), "after_resume");
  })());
});

Deno.test("eagerTaskFactory: not eager when the loop is not executing", async () => {
  const loop = new EventLoop();
  loop.setTaskFactory(eagerTaskFactory);
  let ran = false;
  let inside: unknown = null;
  const t: Task<void> = loop.createTask((function* (): Coroutine<void> {
    ran = true;
    inside = currentTask();
  })());
  assert.equal(ran, false);
  await loop.runUntilComplete(t);
  assert.equal(ran, true);
  assert.equal(inside, t);
  loop.close();
});

// ---- timing probes (asynkit.md §9) -----------------------------------------

function* probe(
  convert: (c: Coroutine<void>) => Coroutine<unknown> | Future<unknown>,
  factory = false,
): Coroutine<string[]> {
  const log: string[] = [];
  if (factory) getRunningLoop().setTaskFactory(null);
  const ticker = createTask((function* () {
    for (let i = 0; i < 5; i++) {
      log.push(`t${i}`);
      yield* sleep(0);
    }
  })());
  if (factory) getRunningLoop().setTaskFactory(eagerTaskFactory);
  yield* sleep(0);
  function* child(): Coroutine<void> {
    log.push("c1");
    yield* sleep(0);
    log.push("c2");
    yield* sleep(0);
    log.push("c3");
  }
  log.push("P:create");
  const c = convert(child());
  // createTaskDescend is itself awaited: it returns the task.
  const t = c instanceof Future ? c : (yield* c) as Future<unknown>;
  log.push("P:after");
  yield* t;
  yield* ticker;
  return log;
}

Deno.test("probe: createTask / eager / descend / factory resume orders", async () => {
  const base = "t0 P:create";
  assert.equal(
    (await run(probe((c) => createTask(c)))).join(" "),
    `${base} P:after t1 c1 t2 c2 t3 c3 t4`,
  );
  // Like Python 3.12's eager tasks and createTaskDescend: one pass per step.
  assert.equal(
    (await run(probe((c) => eager(c)))).join(" "),
    `${base} c1 P:after t1 c2 t2 c3 t3 t4`,
  );
  // asynkit's own timing (through as_coroutine()): one extra pass.
  assert.equal(
    (await run(
      probe((c) => coroEager(c, { createTask: (x) => createTask(x) })),
    ))
      .join(" "),
    `${base} c1 P:after t1 t2 c2 t3 c3 t4`,
  );
  assert.equal(
    (await run(probe((c) => createTaskDescend(c)))).join(" "),
    `${base} c1 P:after t1 c2 t2 c3 t3 t4`,
  );
  assert.equal(
    (await run(probe((c) => createTask(c), true))).join(" "),
    `${base} c1 P:after t1 c2 t2 c3 t3 t4`,
  );
});

Deno.test("probe: a child awaiting a future the parent resolves at once", async () => {
  for (
    const [name, convert, want] of [
      [
        "createTask",
        (c: Coroutine<void>) => createTask(c),
        "t0 P:created P:resolved t1 c:start c:got X t2 t3",
      ],
      [
        "eager",
        (c: Coroutine<void>) => eager(c),
        "t0 c:start P:created P:resolved t1 c:got X t2 t3",
      ],
    ] as const
  ) {
    const log = await run((function* () {
      const log: string[] = [];
      const ticker = createTask((function* () {
        for (let i = 0; i < 4; i++) {
          log.push(`t${i}`);
          yield* sleep(0);
        }
      })());
      yield* sleep(0);
      const fut = getRunningLoop().createFuture<string>();
      const t = convert((function* () {
        log.push("c:start");
        log.push(`c:got ${yield* fut}`);
      })());
      log.push("P:created");
      fut.setResult("X");
      log.push("P:resolved");
      yield* t;
      yield* ticker;
      return log;
    })());
    assert.equal(log.join(" "), want, name);
  }
});

// ---- GeneratorExit through the delegating drivers (asynkit
// TestCoroIter::test_raw_generator_exit) ------------------------------------

Deno.test("coroIter: GeneratorExit closes the inner coroutine and goes on up", () => {
  let step = 0;
  function* inner(): Coroutine<void> {
    try {
      step = 1;
      yield* sleep(0);
    } catch (e) {
      assert.ok(e instanceof GeneratorExit);
    }
    step = 2;
  }
  function* helper(): Coroutine<void> {
    yield* coroIter(inner());
  }
  const c = helper();
  c.next();
  assert.equal(step, 1);
  assert.throws(() => c.throw(new GeneratorExit()), GeneratorExit);
  assert.equal(step, 2);
  // The outer one is finished: closing it again is a no-op.
  assert.deepEqual(c.next(), { value: undefined, done: true });
});

Deno.test("coroIter: an outer CoroStart closes through it", () => {
  const log: string[] = [];
  function* inner(): Coroutine<void> {
    try {
      yield* sleep(0);
    } catch {
      log.push("inner closed"); // and returns
    }
  }
  function* outer(): Coroutine<void> {
    try {
      yield* coroIter(inner());
    } finally {
      log.push("outer closed");
    }
    log.push("outer carried on"); // must not happen
  }
  const cs = new CoroStart(outer());
  cs.close();
  assert.deepEqual(log, ["inner closed", "outer closed"]);
});

Deno.test("yield* coroStart: GeneratorExit closes the started coroutine", () => {
  const log: string[] = [];
  function* outer(): Coroutine<void> {
    const r = yield* new CoroStart(
      returnsOnClose(log, (e) => e instanceof GeneratorExit),
    );
    log.push(`outer carried on with ${r}`); // must not happen
  }
  const cs = new CoroStart(outer());
  cs.close();
  assert.deepEqual(log, ["exit"]);
});

// ---- asynkit TestEager::test_eager_ctx(_noawait) -----------------------------

for (const block of [true, false]) {
  const expect: Log = block ? [1, "a", 2] : [1, 2, "a"];
  const label = block ? "block" : "noblock";

  Deno.test(`eagerCtx[${label}]: awaited inside the scope`, async () => {
    const log: Log = [];
    await run((function* () {
      using c = eagerCtx(coro1(log, block));
      log.push("a");
      yield* c.target;
    })());
    assert.deepEqual(log, expect);
  });

  Deno.test(`eagerCtx[${label}]: leaving the scope unawaited cancels`, async () => {
    const log: Log = [];
    await run((function* () {
      let c;
      {
        using scope = eagerCtx(coro1(log, block), { msg: "left" });
        c = scope.target;
        log.push("a");
      }
      if (block) {
        const e = yield* catching(c);
        assert.ok(e instanceof CancelledError);
        assert.equal(e.message, "left");
        assert.equal(c.cancelled(), true);
        assert.deepEqual(log, [1, "a"]);
      } else {
        assert.deepEqual(log, expect);
        assert.equal(c.cancelled(), false);
      }
    })());
  });
}

Deno.test("eagerCtx: createTask makes the task when the coroutine blocks", async () => {
  let made = 0;
  const r = await run((function* () {
    using c = eagerCtx(
      (function* () {
        yield* sleep(0);
        return 5;
      })(),
      {
        createTask: (coro) => {
          made++;
          return createTask(coro, { name: "bob" });
        },
      },
    );
    assert.equal((c.target as Task<number>).getName(), "bob");
    return yield* c.target;
  })());
  assert.equal(r, 5);
  assert.equal(made, 1);
  assert.throws(() => eagerCtx(42 as never), /a coroutine was expected/);
});

// ---- asynkit TestCancelling (test_tools.py) ----------------------------------

Deno.test("cancelling: a future", async () => {
  await run((function* () {
    const loop = getRunningLoop();
    let f = loop.createFuture<void>();
    assert.equal(f.cancelled(), false);
    {
      using c = cancelling(f, { msg: "hello" });
      assert.equal(c.target, f);
      assert.equal(c.target.cancelled(), false);
    }
    assert.equal(f.cancelled(), true);
    const e = yield* catching(f);
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "hello");

    f = loop.createFuture<void>();
    assert.throws(() => {
      using c = cancelling(f);
      assert.equal(c.target.cancelled(), false);
      throw new RangeError();
    }, RangeError);
    assert.equal(f.cancelled(), true);

    // Leaving with a finished future is fine.
    f = loop.createFuture<void>();
    {
      using c = cancelling(f);
      assert.equal(c.target.cancelled(), false);
      f.setResult();
    }
    assert.equal(f.result(), undefined);
    assert.equal(f.cancelled(), false);
  })());
  assert.throws(
    () => cancelling(null as never),
    /cancelling\(\): target must be a Future or Task/,
  );
});

Deno.test("cancelling: a task", async () => {
  await run((function* () {
    function* coro(): Coroutine<void> {
      yield* sleep(100);
    }
    let t = createTask(coro());
    assert.equal(t.cancelled(), false);
    {
      using c = cancelling(t, { msg: "hello" });
      assert.equal(c.target.cancelled(), false);
    }
    let e = yield* catching(t);
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "hello");
    assert.equal(t.cancelled(), true);

    t = createTask(coro());
    const run2 = function* (): Coroutine<void> {
      using c = cancelling(t);
      assert.equal(c.target.cancelled(), false);
      throw new RangeError();
    };
    assert.ok((yield* catching(run2())) instanceof RangeError);
    e = yield* catching(t);
    assert.ok(e instanceof CancelledError);
    assert.equal(t.cancelled(), true);

    t = createTask(coro());
    {
      using c = cancelling(t);
      assert.equal(c.target.cancelled(), false);
      yield* c.target;
    }
    assert.equal(t.cancelled(), false);
  })());
});
