import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  EventLoop,
  fromPromise,
  getRunningLoop,
  sleep,
  TimeoutError,
} from "../mod.ts";
import { catching, main } from "./_util.ts";
import { abortSignal, delay, fromAbortable } from "../interop.ts";
import { timeout } from "../timeouts.ts";
import { shield } from "../combinators.ts";

// --- abortSignal -------------------------------------------------------------

Deno.test("abortSignal: outside a task", async () => {
  assert.throws(() => abortSignal(), /must be called from inside a task/);
  const loop = new EventLoop();
  const f = loop.createFuture<unknown>();
  loop.callSoon(() => {
    try {
      abortSignal();
    } catch (e) {
      f.setResult(e);
    }
  });
  const e = await loop.runUntilComplete(f);
  loop.close();
  assert.match(String(e), /must be called from inside a task/);
});

Deno.test("abortSignal: one signal per task, stable while not cancelled", () =>
  main(function* () {
    const s1 = abortSignal();
    yield* sleep(1);
    assert.equal(abortSignal(), s1);
    const other = yield* createTask((function* () {
      return abortSignal();
    })());
    assert.notEqual(other, s1);
    assert.equal(s1.aborted, false);
  }));

Deno.test("abortSignal: aborted at once when the task is cancelled", () =>
  main(function* () {
    let signal: AbortSignal | undefined;
    const events: string[] = [];
    const t = createTask((function* () {
      signal = abortSignal();
      signal.addEventListener("abort", () => events.push("abort"));
      try {
        yield* sleep(10_000);
      } finally {
        events.push("finally");
      }
    })());
    yield* sleep(1);
    assert.equal(t.cancel("stop"), true);
    assert.deepEqual(events, ["abort"]); // before the task even resumed
    assert.ok(signal!.reason instanceof CancelledError);
    assert.equal(signal!.reason.message, "stop");
    assert.ok(
      (yield* catching(t[Symbol.iterator]())) instanceof CancelledError,
    );
    assert.deepEqual(events, ["abort", "finally"]);
    assert.equal(t.cancelling(), 1); // the hook does not count twice
  }));

Deno.test("abortSignal: stops host work the task waits on", () =>
  main(function* () {
    let hostError: unknown;
    const t = createTask((function* () {
      const signal = abortSignal();
      yield* fromPromise(
        delay(10_000, { signal }).catch((e) => {
          hostError = e;
          throw e;
        }),
      );
    })());
    yield* sleep(1);
    t.cancel("client gone");
    const e = yield* catching(t[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
    yield* sleep(1); // let the host rejection arrive
    assert.ok(hostError instanceof CancelledError);
    assert.equal((hostError as Error).message, "client gone");
  }));

Deno.test("abortSignal: a fresh signal once the cancellation was delivered", () =>
  main(function* () {
    let before: AbortSignal | undefined;
    let after: AbortSignal | undefined;
    const t = createTask((function* () {
      before = abortSignal();
      try {
        yield* sleep(10_000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      after = abortSignal(); // cleanup may still use host APIs
      yield* fromPromise(delay(1, { signal: after }));
      return "recovered";
    })());
    yield* sleep(1);
    t.cancel();
    assert.equal(yield* t, "recovered");
    assert.equal(before!.aborted, true);
    assert.equal(after!.aborted, false);
    assert.notEqual(before, after);
  }));

Deno.test("abortSignal: a task that cancels itself sees the aborted signal", () =>
  main(function* () {
    const t = createTask((function* () {
      const early = abortSignal();
      currentTask()!.cancel("self");
      assert.equal(early.aborted, true);
      assert.equal(abortSignal(), early); // same step: still the current one
      yield* sleep(0);
    })());
    const e = yield* catching(t[Symbol.iterator]());
    assert.ok(e instanceof CancelledError);
  }));

Deno.test("abortSignal: first asked for after a pending cancel: already aborted", () =>
  main(function* () {
    const t = createTask((function* () {
      currentTask()!.cancel("self");
      const s = abortSignal();
      assert.equal(s.aborted, true);
      assert.equal((s.reason as Error).message, "self");
      yield* sleep(0);
    })());
    assert.ok(
      (yield* catching(t[Symbol.iterator]())) instanceof CancelledError,
    );
  }));

Deno.test("abortSignal: a timeout aborts it; after the timeout a fresh one", () =>
  main(function* () {
    let inside: AbortSignal | undefined;
    const e = yield* catching(timeout(5, function* () {
      inside = abortSignal();
      yield* fromPromise(delay(10_000, { signal: inside }));
    }));
    assert.ok(e instanceof TimeoutError);
    assert.equal(inside!.aborted, true);
    const next = abortSignal();
    assert.equal(next.aborted, false);
    assert.equal(currentTask()!.cancelling(), 0);
  }));

// --- fromAbortable -----------------------------------------------------------

Deno.test("fromAbortable: result and failure", () =>
  main(function* () {
    let given: AbortSignal | undefined;
    const v = yield* fromAbortable((signal) => {
      given = signal;
      return Promise.resolve("value");
    });
    assert.equal(v, "value");
    assert.equal(given!.aborted, false); // finishing does not abort
    const err = new RangeError("host failed");
    const e = yield* catching(
      fromAbortable(() => Promise.reject(err))[Symbol.iterator](),
    );
    assert.equal(e, err);
  }));

Deno.test("fromAbortable: fn throwing synchronously fails the future", () =>
  main(function* () {
    const err = new Error("sync");
    const f = fromAbortable(() => {
      throw err;
    });
    assert.equal(f.done(), true);
    assert.equal(yield* catching(f[Symbol.iterator]()), err);
  }));

Deno.test("fromAbortable: cancelling the future aborts the signal", () =>
  main(function* () {
    let given: AbortSignal | undefined;
    let hostSaw: unknown;
    const f = fromAbortable((signal) => {
      given = signal;
      return delay(10_000, { signal }).catch((e) => {
        hostSaw = e;
        throw e;
      });
    });
    assert.equal(f.cancel("enough"), true);
    assert.equal(given!.aborted, true);
    assert.equal((given!.reason as Error).message, "enough");
    assert.equal(f.cancel(), false);
    yield* sleep(1); // the late rejection is ignored
    assert.ok(hostSaw instanceof CancelledError);
    assert.equal(f.cancelled(), true);
  }));

Deno.test("fromAbortable: cancelling the awaiting task aborts the work", () =>
  main(function* () {
    let given: AbortSignal | undefined;
    const t = createTask((function* () {
      return yield* fromAbortable((signal) => {
        given = signal;
        return delay(10_000, { signal });
      });
    })());
    yield* sleep(1);
    t.cancel();
    assert.equal(given!.aborted, true);
    assert.ok(
      (yield* catching(t[Symbol.iterator]())) instanceof CancelledError,
    );
  }));

Deno.test("fromAbortable: shield keeps the work going", () =>
  main(function* () {
    let given: AbortSignal | undefined;
    const work = fromAbortable((signal) => {
      given = signal;
      return delay(5, { signal }).then(() => "finished");
    });
    const t = createTask((function* () {
      return yield* shield(work);
    })());
    yield* sleep(1);
    t.cancel();
    assert.ok(
      (yield* catching(t[Symbol.iterator]())) instanceof CancelledError,
    );
    assert.equal(given!.aborted, false);
    assert.equal(yield* work, "finished");
  }));

Deno.test("fromAbortable: explicit loop, and argument errors", async () => {
  assert.throws(
    () => fromAbortable(() => Promise.resolve(1)),
    /no running event loop/,
  );
  assert.throws(
    () => fromAbortable(42 as unknown as () => Promise<number>),
    TypeError,
  );
  const loop = new EventLoop();
  const f = fromAbortable(() => Promise.resolve(7), { loop });
  assert.equal(f.getLoop(), loop);
  assert.equal(await loop.runUntilComplete(f), 7);
  loop.close();
});

Deno.test("fromAbortable: the value arrives through the loop", () =>
  main(function* () {
    const loop = getRunningLoop();
    const f = fromAbortable(() => Promise.resolve(1));
    assert.equal(f.getLoop(), loop);
    assert.equal(f.done(), false); // settles on a later loop iteration
    assert.equal(yield* f, 1);
  }));

// --- delay -------------------------------------------------------------------

Deno.test("delay: resolves after the delay", async () => {
  assert.equal(await delay(1), undefined);
  assert.equal(await delay(-5), undefined);
});

Deno.test("delay: an already aborted signal rejects at once", async () => {
  const ctl = new AbortController();
  const reason = new Error("before");
  ctl.abort(reason);
  await assert.rejects(
    delay(10_000, { signal: ctl.signal }),
    (e) => e === reason,
  );
});

Deno.test("delay: aborting clears the timer and rejects with the reason", async () => {
  const ctl = new AbortController();
  const p = delay(10_000, { signal: ctl.signal });
  const reason = new Error("during");
  ctl.abort(reason);
  await assert.rejects(p, (e) => e === reason);
});

Deno.test("delay: argument errors", () => {
  assert.throws(() => delay("1" as unknown as number), TypeError);
  assert.throws(() => delay(NaN), {
    name: "RangeError",
    message: "delay(): ms must be a number, got NaN",
  });
});

Deno.test("delay(Infinity) and delay(2 ** 31) do not resolve early; the signal still ends them", async () => {
  for (const ms of [Infinity, 2 ** 31]) {
    const ctl = new AbortController();
    let resolved = false;
    const p = delay(ms, { signal: ctl.signal }).then(() => resolved = true);
    await new Promise((r) => setTimeout(r, 30));
    assert.equal(resolved, false, `delay(${ms}) resolved early`);
    ctl.abort(new Error("enough"));
    await assert.rejects(p, /enough/);
  }
});
