// deno-lint-ignore-file require-yield -- coroutines that finish in one step are test cases here
import assert from "node:assert/strict";
import { returnsOnClose } from "./_util.ts";
import {
  CancelledError,
  type Coroutine,
  createTask,
  EventLoop,
  getRunningLoop,
  run,
  Runner,
  sleep,
} from "../mod.ts";
import { GeneratorExit } from "../eager.ts";
import {
  GeneratorObject,
  type GeneratorObjectIterator,
  Monitor,
  MonitorAwaitable,
  OOBData,
} from "../monitor.ts";
import { awaitSync } from "../scheduling.ts";

/** Runs `body` and returns the OOBData's data it raised. */
function* oobOf(body: Coroutine<unknown>): Coroutine<unknown> {
  try {
    yield* body;
  } catch (e) {
    if (e instanceof OOBData) return e.data;
    throw e;
  }
  throw new Error("expected OOBData");
}

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

// ---- Monitor ----------------------------------------------------------------

Deno.test("README: Monitor hello / dolly / done", async () => {
  const printed: unknown[] = [];
  function* coro(monitor: Monitor<string>): Coroutine<string> {
    yield* monitor.oob("hello");
    yield* sleep(0);
    yield* monitor.oob("dolly");
    return "done";
  }
  await run((function* () {
    const m = new Monitor<string>();
    const c = coro(m);
    for (;;) {
      try {
        printed.push(yield* m.aawait(c));
        break;
      } catch (e) {
        if (!(e instanceof OOBData)) throw e;
        printed.push(e.data);
      }
    }
  })());
  assert.deepEqual(printed, ["hello", "dolly", "done"]);
});

function* helper(m: Monitor<string>): Coroutine<string> {
  let back = (yield* m.oob("foo")) as string;
  back = (yield* m.oob(back + "foo")) as string;
  return back + "foo";
}

Deno.test("Monitor: data flows foo -> hoofoo -> howfoo", async () => {
  await run((function* () {
    const m = new Monitor<string>();
    const c = helper(m);
    assert.equal(yield* oobOf(m.aawait(c)), "foo");
    assert.equal(yield* oobOf(m.aawait(c, "hoo")), "hoofoo");
    assert.equal(yield* m.aawait(c, "how"), "howfoo");
  })());
});

Deno.test("Monitor: bound awaitable, awaited repeatedly", async () => {
  await run((function* () {
    const m = new Monitor<string>();
    for (
      const b of [m.awaitable(helper(m)), new MonitorAwaitable(m, helper(m))]
    ) {
      assert.equal(yield* oobOf(b[Symbol.iterator]()), "foo");
      assert.equal(yield* oobOf(b[Symbol.iterator]()), "undefinedfoo");
      assert.equal(yield* b, "undefinedfoo");
    }
  })());
});

Deno.test("Monitor: bound aawait / athrow / aclose", async () => {
  await run((function* () {
    const m = new Monitor<string>();
    const b = m.awaitable(helper(m));
    yield* oobOf(b.aawait());
    yield* oobOf(b.aawait());
    assert.equal(yield* b.aawait("hello"), "hellofoo");

    const b2 = m.awaitable(helper(m));
    yield* oobOf(b2.aawait());
    yield* oobOf(b2.aawait());
    yield* rejects(
      b2.athrow(new EvalError("eof")),
      (e) => assert.ok(e instanceof EvalError),
    );

    let finished = false;
    const b3 = m.awaitable((function* () {
      try {
        yield* m.oob("x");
      } finally {
        finished = true;
      }
    })());
    yield* oobOf(b3.aawait());
    yield* b3.aclose();
    assert.equal(finished, true);
  })());
});

Deno.test("Monitor: athrow into a coroutine waiting at oob()", async () => {
  await run((function* () {
    const m = new Monitor();
    const c = (function* () {
      try {
        yield* m.oob("foo");
      } catch (e) {
        if (e instanceof EvalError) return "bar";
        throw e;
      }
      return "none";
    })();
    yield* oobOf(m.aawait(c));
    assert.equal(yield* m.athrow(c, new EvalError()), "bar");
  })());
});

Deno.test("Monitor: athrow into a new coroutine raises; the body never ran", async () => {
  await run((function* () {
    const m = new Monitor();
    let ran = false;
    const c = (function* () {
      ran = true;
      yield* m.oob();
    })();
    yield* rejects(
      m.athrow(c, new EvalError("x")),
      (e) => assert.ok(e instanceof EvalError),
    );
    assert.equal(ran, false);
  })());
});

Deno.test("Monitor: oob() without an active monitor", async () => {
  await run((function* () {
    const m = new Monitor();
    yield* rejects(
      m.oob(1),
      (e) => assert.equal((e as Error).message, "Monitor not active"),
    );
    yield* rejects(
      (function* () {
        yield* m.oob(1);
      })(),
      (e) => assert.equal((e as Error).message, "Monitor not active"),
    );
  })());
});

Deno.test("Monitor: re-entering is an error", async () => {
  await run((function* () {
    const m = new Monitor();
    const c = (function* () {
      yield* m.aawait((function* () {})());
    })();
    yield* rejects(m.aawait(c), (e) => {
      assert.equal((e as Error).message, "Monitor cannot be re-entered");
    });
  })());
});

Deno.test("Monitor: a coroutine raising OOBData itself", async () => {
  await run((function* () {
    const m = new Monitor();
    yield* rejects(
      m.aawait((function* () {
        throw new OOBData(1);
      })()),
      (e) => assert.equal((e as Error).message, "coroutine raised OOBData"),
    );
  })());
});

Deno.test("Monitor: data to a new coroutine is a TypeError; it stays usable", async () => {
  await run((function* () {
    const m = new Monitor();
    const c = (function* () {
      yield* m.oob("first");
      return "end";
    })();
    yield* rejects(m.aawait(c, "data"), (e) => {
      assert.ok(e instanceof TypeError);
      assert.equal(
        (e as Error).message,
        "can't send non-undefined value to a just-started coroutine",
      );
    });
    assert.equal(yield* oobOf(m.aawait(c)), "first");
    assert.equal(yield* m.aawait(c), "end");
    // ... and a finished one cannot be resumed
    yield* rejects(m.aawait(c), (e) => {
      assert.equal(
        (e as Error).message,
        "cannot reuse already awaited coroutine",
      );
    });
    yield* rejects(m.athrow(c, new Error()), (e) => {
      assert.equal(
        (e as Error).message,
        "cannot reuse already awaited coroutine",
      );
    });
  })());
});

Deno.test("Monitor: low-level close, throw and handled throw of aawait()", async () => {
  await run((function* () {
    const m = new Monitor();
    let closed = false;
    const c = (function* () {
      try {
        yield* sleep(0);
      } catch (e) {
        closed = e instanceof GeneratorExit;
        throw e;
      }
      return 1;
    })();
    const a = m.aawait(c);
    a.next();
    a.return(undefined as never);
    assert.equal(closed, true);

    const c2 = (function* () {
      yield* sleep(0);
      return 1;
    })();
    const a2 = m.aawait(c2);
    a2.next();
    assert.throws(() => a2.throw(new EvalError()), EvalError);

    const c3 = (function* () {
      try {
        yield* sleep(0);
      } catch {
        return 1;
      }
      return 0;
    })();
    const a3 = m.aawait(c3);
    a3.next();
    assert.deepEqual(a3.throw(new EvalError()), { value: 1, done: true });
  })());
});

Deno.test("Monitor: aclose (suspended, finished, new, ignoring)", async () => {
  await run((function* () {
    const m = new Monitor();
    let fin = false;
    const c = (function* () {
      try {
        yield* m.oob();
      } finally {
        fin = true;
      }
    })();
    yield* oobOf(m.aawait(c));
    yield* m.aclose(c);
    assert.equal(fin, true);
    yield* m.aclose(c); // finished: fine

    yield* m.aclose((function* () {
      yield* m.oob();
    })()); // new: fine

    const stubborn = (function* () {
      try {
        yield* m.oob(1);
      } catch {
        yield* m.oob(2);
      }
    })();
    yield* oobOf(m.aawait(stubborn));
    yield* rejects(m.aclose(stubborn), (e) => {
      assert.equal(
        (e as Error).message,
        "Monitor coroutine ignored GeneratorExit",
      );
    });
  })());
});

Deno.test("Monitor: start and tryAwait", async () => {
  await run((function* () {
    const m = new Monitor<string>();
    let started = false;
    const b = m.awaitable((function* () {
      started = true;
      yield* m.oob("foo");
      return "bar";
    })());
    assert.equal(started, false);
    assert.equal(yield* b.start(), "foo");
    assert.equal(started, true);

    yield* rejects(m.start((function* () {})()), (e) => {
      assert.match((e as Error).message, /did not await Monitor.oob\(\)/);
    });

    const m2 = new Monitor<number>();
    const c = (function* () {
      let v = (yield* m2.oob()) as number;
      v = (yield* m2.oob()) as number;
      return v + 1;
    })();
    const sentinel = {};
    assert.equal(yield* m2.tryAwait(c), undefined);
    assert.equal(yield* m2.tryAwait(c, 1, sentinel), sentinel);
    assert.equal(yield* m2.tryAwait(c, 2, "foo"), 3);
  })());
});

Deno.test("Monitor: out-of-band data never reaches the Task", async () => {
  // Values that a task would reject as a bad yield (numbers, objects).
  const r = await run((function* () {
    const m = new Monitor<unknown>();
    const c = (function* () {
      yield* m.oob(2);
      yield* sleep(1);
      yield* m.oob({ a: 1 });
      return "ok";
    })();
    const seen: unknown[] = [];
    for (;;) {
      try {
        seen.push(yield* m.aawait(c));
        return seen;
      } catch (e) {
        if (!(e instanceof OOBData)) throw e;
        seen.push(e.data);
      }
    }
  })());
  assert.deepEqual(r, [2, { a: 1 }, "ok"]);
});

Deno.test("Monitor: driven synchronously with awaitSync, no loop", () => {
  // asynkit example_resp: a parser asking for more data with oob().
  const m = new Monitor<undefined>();
  function* parser(): Coroutine<string> {
    let buf = "";
    while (!buf.endsWith("\n")) buf += (yield* m.oob()) as string;
    return buf.trim();
  }
  const p = parser();
  assert.equal(awaitSync(m.start(p)), undefined);
  let r: string | undefined;
  for (const chunk of ["he", "llo", "\n"]) {
    r = awaitSync(m.tryAwait(p, chunk));
  }
  assert.equal(r, "hello");
});

// ---- GeneratorObject --------------------------------------------------------

Deno.test("README: GeneratorObject with a yield from a helper task", async () => {
  function* generator(genObj: GeneratorObject<number>): Coroutine<void> {
    // yield directly to the generator
    yield* genObj.ayield(1);
    // have someone else yield to it
    function* helper(): Coroutine<void> {
      yield* genObj.ayield(2);
    }
    yield* createTask(helper());
  }
  const values = await run((function* () {
    const genObj = new GeneratorObject<number>();
    const it = genObj.iterate(generator(genObj));
    const values: number[] = [];
    for (;;) {
      const r = yield* it.anext();
      if (r.done) return values;
      values.push(r.value);
    }
  })());
  assert.deepEqual(values, [1, 2]);
});

Deno.test("GeneratorObject: helper tasks get the replies; several helpers queue", async () => {
  const log = await run((function* () {
    const g = new GeneratorObject<string>();
    const log: unknown[] = [];
    function* helperTask(name: string): Coroutine<void> {
      log.push(`${name} got ${yield* g.ayield(`${name}-1`)}`);
      yield* sleep(0);
      log.push(`${name} got ${yield* g.ayield(`${name}-2`)}`);
    }
    const it = g.iterate((function* () {
      log.push(`body got ${yield* g.ayield("body")}`);
      const a = createTask(helperTask("a"));
      const b = createTask(helperTask("b"));
      yield* sleep(5); // the helpers ayield while the body sleeps
      yield* a;
      yield* b;
      log.push(`body got ${yield* g.ayield("last")}`);
    })());
    let r = yield* it.anext();
    let n = 0;
    while (!r.done) {
      log.push(r.value);
      r = yield* it.asend(n++);
    }
    return log;
  })());
  assert.deepEqual(log, [
    "body",
    "body got 0",
    "a-1",
    "b-1",
    "a got 1",
    "b got 2",
    "a-2",
    "b-2",
    "a got 3",
    "b got 4",
    "last",
    "body got 5",
  ]);
});

Deno.test("GeneratorObject: athrow reaches the helper task's ayield", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    let helperSaw: unknown = null;
    const it = g.iterate((function* () {
      yield* createTask((function* () {
        try {
          yield* g.ayield(1);
        } catch (e) {
          helperSaw = e;
        }
      })());
    })());
    assert.equal((yield* it.anext()).value, 1);
    assert.deepEqual(yield* it.athrow(new EvalError("stop")), {
      value: undefined,
      done: true,
    });
    assert.ok(helperSaw instanceof EvalError);
  })());
});

Deno.test("GeneratorObject: cancelling the consumer cancels a pending handoff", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    let helperSaw: unknown = null;
    const helperDone = getRunningLoop().createFuture<void>();
    const it = g.iterate((function* () {
      createTask((function* () {
        try {
          yield* g.ayield(1);
        } catch (e) {
          helperSaw = e;
        } finally {
          helperDone.setResult();
        }
      })());
      yield* sleep(1000);
    })());
    const consumer = createTask((function* () {
      yield* it.anext();
    })());
    yield* sleep(0); // consumer waits in the body's sleep; helper ayields
    consumer.cancel();
    yield* rejects(
      consumer[Symbol.iterator](),
      (e) => assert.ok(e instanceof CancelledError),
    );
    yield* helperDone;
    assert.ok(helperSaw instanceof CancelledError);
  })());
});

// asynkit's TestGenerator fixture: values 11, 12, 13, 21, 22, 23, each plus
// the value sent in for the previous one.
function* bottom(g: GeneratorObject<number>, base: number): Coroutine<void> {
  let v = 0;
  for (let i = 1; i <= 3; i++) {
    v = ((yield* g.ayield(base + i + v)) as number | undefined) ?? 0;
  }
}
function makeGen(): GeneratorObjectIterator<number> {
  const g = new GeneratorObject<number>();
  return g.iterate((function* () {
    yield* bottom(g, 10);
    yield* bottom(g, 20);
  })());
}

function* collect(it: GeneratorObjectIterator<number>): Coroutine<number[]> {
  const out: number[] = [];
  for (;;) {
    const r = yield* it.anext();
    if (r.done) return out;
    out.push(r.value);
  }
}

Deno.test("GeneratorObject: iterate, and an unused iterator is harmless", async () => {
  makeGen();
  assert.deepEqual(await run(collect(makeGen())), [11, 12, 13, 21, 22, 23]);
});

Deno.test("GeneratorObject: for await from outside the loop", async () => {
  const loop = new EventLoop();
  const g = new GeneratorObject<number>();
  const it = g.iterate(
    (function* () {
      yield* bottom(g, 10);
      yield* sleep(1);
      yield* bottom(g, 20);
    })(),
    { loop },
  );
  const seen: number[] = [];
  for await (const v of it) seen.push(v);
  assert.deepEqual(seen, [11, 12, 13, 21, 22, 23]);
  loop.close();
});

Deno.test("GeneratorObject: asend values", async () => {
  await run((function* () {
    const it = makeGen();
    assert.equal((yield* it.asend(undefined)).value, 11);
    assert.equal((yield* it.asend(0)).value, 12);
    assert.equal((yield* it.asend(100)).value, 113);
    yield* it.aclose();
  })());
});

Deno.test("GeneratorObject: sending to a new generator is a TypeError", async () => {
  await run((function* () {
    const it = makeGen();
    yield* rejects(it.asend("foo"), (e) => assert.ok(e instanceof TypeError));
    assert.equal((yield* it.anext()).value, 11);
    yield* it.aclose();
  })());
});

Deno.test("GeneratorObject: exhausted generator", async () => {
  await run((function* () {
    const it = makeGen();
    yield* collect(it);
    assert.equal((yield* it.asend(1)).done, true);
    assert.equal((yield* it.anext()).done, true);
    assert.equal((yield* it.athrow(new EvalError())).done, true);
    yield* it.aclose();
  })());
});

Deno.test("GeneratorObject: athrow on a new generator raises; then exhausted", async () => {
  await run((function* () {
    const it = makeGen();
    yield* rejects(
      it.athrow(new RangeError()),
      (e) => assert.ok(e instanceof RangeError),
    );
    assert.equal((yield* it.anext()).done, true);
  })());
});

Deno.test("GeneratorObject: athrow caught (yields again / finishes) and live", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    const it1 = g.iterate((function* () {
      try {
        yield* g.ayield(1);
      } catch {
        yield* g.ayield(2);
      }
    })());
    assert.equal((yield* it1.anext()).value, 1);
    assert.equal((yield* it1.athrow(new EvalError())).value, 2);
    assert.equal((yield* it1.anext()).done, true);

    const it2 = g.iterate((function* () {
      try {
        yield* g.ayield(1);
      } catch {
        // finish
      }
    })());
    yield* it2.anext();
    assert.equal((yield* it2.athrow(new EvalError())).done, true);

    const it3 = makeGen();
    yield* it3.anext();
    yield* rejects(
      it3.athrow(new EvalError()),
      (e) => assert.ok(e instanceof EvalError),
    );
    assert.equal((yield* it3.anext()).done, true);
  })());
});

Deno.test("GeneratorObject: a failing body", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    const it = g.iterate((function* () {
      yield* g.ayield(1);
      throw new RangeError("zero");
    })());
    yield* it.anext();
    yield* rejects(it.anext(), (e) => assert.ok(e instanceof RangeError));
    assert.equal((yield* it.anext()).done, true);
    yield* it.aclose();
  })());
});

Deno.test("GeneratorObject: aclose on exhausted, active, twice", async () => {
  await run((function* () {
    const done = makeGen();
    yield* collect(done);
    yield* done.aclose();
    const active = makeGen();
    yield* active.anext();
    yield* active.aclose();
    yield* active.aclose();
    assert.equal((yield* active.anext()).done, true);
  })());
});

Deno.test("GeneratorObject: a body ayielding on GeneratorExit", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    const it = g.iterate((function* () {
      try {
        yield* g.ayield(1);
      } catch {
        yield* g.ayield(2);
      }
    })());
    yield* it.anext();
    yield* rejects(it.aclose(), (e) => {
      assert.equal(
        (e as Error).message,
        "async generator ignored GeneratorExit",
      );
    });
  })());
});

Deno.test("GeneratorObject: a body swallowing GeneratorExit; athrow(GeneratorExit)", async () => {
  await run((function* () {
    const g = new GeneratorObject<number>();
    const it = g.iterate((function* () {
      try {
        yield* g.ayield(1);
      } catch {
        return;
      }
    })());
    yield* it.anext();
    yield* it.aclose();
    yield* it.aclose();
    assert.equal((yield* it.anext()).done, true);

    const it2 = makeGen();
    yield* it2.anext();
    yield* rejects(
      it2.athrow(new GeneratorExit()),
      (e) => assert.ok(e instanceof GeneratorExit),
    );
  })());
});

Deno.test("GeneratorObject: concurrent use is an error (agRunning)", async () => {
  await run((function* () {
    const g = new GeneratorObject<string>();
    const it = g.iterate((function* () {
      yield* sleep(1);
      yield* g.ayield("foo");
    })());
    const t = createTask(it.anext());
    yield* sleep(0);
    assert.equal(it.agRunning, true);
    yield* rejects(it.asend(undefined), (e) => {
      assert.equal(
        (e as Error).message,
        "asend(): asynchronous generator is already running",
      );
    });
    yield* rejects(it.athrow(new Error()), (e) => {
      assert.equal(
        (e as Error).message,
        "athrow(): asynchronous generator is already running",
      );
    });
    yield* rejects(it.aclose(), (e) => {
      assert.equal(
        (e as Error).message,
        "aclose(): asynchronous generator is already running",
      );
    });
    assert.equal((yield* t).value, "foo");
    assert.equal(it.agRunning, false);
    assert.equal((yield* it.asend("bar")).done, true);
  })());
});

Deno.test("GeneratorObject: shutdownAsyncgens closes a partly consumed iterator", async () => {
  let closed = false;
  {
    await using runner = new Runner();
    await runner.run((function* () {
      const g = new GeneratorObject<number>();
      const it = g.iterate((function* () {
        try {
          yield* g.ayield(1);
          yield* g.ayield(2);
        } finally {
          yield* sleep(0);
          closed = true;
        }
      })());
      assert.equal((yield* it.anext()).value, 1);
    })());
    assert.equal(closed, false);
  }
  assert.equal(closed, true);
});

Deno.test("GeneratorObject: native next/return/throw from outside the loop", async () => {
  const loop = new EventLoop();
  const g = new GeneratorObject<number>();
  let cleaned = false;
  const it = g.iterate(
    (function* () {
      try {
        yield* g.ayield(1);
        yield* g.ayield(2);
      } finally {
        cleaned = true;
      }
    })(),
    { loop },
  );
  assert.equal(it[Symbol.asyncIterator](), it);
  assert.deepEqual(await it.next(), { value: 1, done: false });
  assert.deepEqual(await it.return(), { value: undefined, done: true });
  assert.equal(cleaned, true);
  assert.deepEqual(await it.next(), { value: undefined, done: true });
  const it2 = g.iterate(
    (function* () {
      yield* g.ayield(1);
    })(),
    { loop },
  );
  await it2.next();
  await assert.rejects(it2.throw(new URIError("x")), URIError);
  const orphan = g.iterate((function* () {})());
  await assert.rejects(orphan.next(), /no event loop/);
  loop.close();
});

Deno.test("Monitor.aawait: GeneratorExit closes the coroutine and goes on up", () => {
  const m = new Monitor();
  const log: string[] = [];
  function* outer(): Coroutine<void> {
    const r = yield* m.aawait(
      returnsOnClose(log, (e) => e instanceof GeneratorExit),
    );
    log.push(`outer carried on with ${r}`); // must not happen
  }
  const c = outer();
  c.next();
  assert.throws(() => c.throw(new GeneratorExit()), GeneratorExit);
  assert.deepEqual(log, ["exit"]);
  assert.deepEqual(c.next(), { value: undefined, done: true });
});

// asynkit TestGenerator::test_ag_running, stepped by hand: sleep(0) must
// finish on the second plain next(), as CPython's bare yield does.
Deno.test("GeneratorObject: agRunning under a hand-written driver", () => {
  let state: number | string = 0;
  const g = new GeneratorObject<string>();
  const a = g.iterate((function* () {
    state = 1;
    yield* sleep(0);
    state = 2;
    state = (yield* g.ayield("foo")) as string;
  })());
  let coro = a.asend(undefined);
  assert.equal(state, 0);
  assert.deepEqual(coro.next(), { value: undefined, done: false });
  assert.equal(state, 1);
  assert.equal(a.agRunning, true);
  assert.deepEqual(coro.next(), {
    value: { value: "foo", done: false },
    done: true,
  });
  assert.equal(state, 2);
  assert.equal(a.agRunning, false);
  coro = a.asend("bar");
  assert.deepEqual(coro.next(), {
    value: { value: undefined, done: true },
    done: true,
  });
  assert.equal(a.agRunning, false);
  assert.equal(state, "bar");
});
