// VirtualTimeLoop: a virtual clock with autojump and advance().
import assert from "node:assert/strict";
import {
  type Coroutine,
  createTask,
  EventLoop,
  fromPromise,
  getRunningLoop,
  run,
  Runner,
  sleep,
  TimeoutError,
} from "../mod.ts";
import { waitFor } from "../combinators.ts";
import { delay, fromAbortable } from "../interop.ts";
import { timeout } from "../timeouts.ts";
import { VirtualTimeLoop } from "../testing.ts";

const virtual = { loopFactory: () => new VirtualTimeLoop() };

// The acceptance program: a 1-hour sleep, a 1-day timeout, 10 retries with
// exponential backoff; it logs every loop.time() it sees.
function* program(): Coroutine<number[]> {
  const loop = getRunningLoop();
  const log: number[] = [loop.time()];
  yield* sleep(60 * 60 * 1000);
  log.push(loop.time());
  try {
    yield* timeout(24 * 60 * 60 * 1000, function* () {
      yield* sleep(Number.MAX_SAFE_INTEGER / 4); // would never end
    });
  } catch (e) {
    assert.ok(e instanceof TimeoutError);
    log.push(loop.time());
  }
  let attempt = 0;
  function* flaky(): Coroutine<string> {
    yield* sleep(5);
    if (++attempt < 10) throw new Error(`attempt ${attempt} failed`);
    return "ok";
  }
  for (let i = 0;; i++) {
    try {
      assert.equal(yield* waitFor(flaky(), 1000), "ok");
      log.push(loop.time());
      break;
    } catch {
      log.push(loop.time());
      yield* sleep(100 * 2 ** i); // exponential backoff
    }
  }
  return log;
}

Deno.test("VirtualTimeLoop: an hour, a day and 10 backoff retries take no real time, same log twice", async () => {
  const logs: number[][] = [];
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    logs.push(await run(program(), virtual));
    // Printed, not asserted (no timing assertions on a shared machine).
    console.log(
      `run ${i + 1}: ${(performance.now() - t0).toFixed(1)} ms real time, ` +
        `${logs[i].at(-1)} ms virtual`,
    );
  }
  assert.deepEqual(logs[0], logs[1]);
  const hour = 3_600_000, day = 86_400_000;
  assert.deepEqual(logs[0].slice(0, 3), [0, hour, hour + day]);
  assert.equal(logs[0].length, 3 + 10);
  // Each retry: 5 ms of work, then the backoff.
  let t = hour + day;
  for (let i = 0; i < 10; i++) {
    t += 5;
    assert.equal(logs[0][3 + i], t);
    t += 100 * 2 ** i;
  }
});

Deno.test("VirtualTimeLoop: start, ties in scheduling order, one batch", async () => {
  const loop = new VirtualTimeLoop({ start: 1000 });
  const seen: string[] = [];
  await loop.runUntilComplete((function* () {
    const l = getRunningLoop();
    l.callLater(10, () => seen.push(`a@${l.time()}`));
    l.callLater(10, () => {
      seen.push(`b@${l.time()}`);
      l.callSoon(() => seen.push(`b-soon@${l.time()}`));
    });
    l.callLater(10, () => seen.push(`c@${l.time()}`));
    l.callLater(20, () => seen.push(`d@${l.time()}`));
    yield* sleep(30);
  })());
  loop.close();
  assert.deepEqual(seen, [
    "a@1010",
    "b@1010",
    "c@1010",
    "b-soon@1010",
    "d@1020",
  ]);
});

Deno.test("VirtualTimeLoop: a woken task sees its own deadline", () =>
  run(
    (function* () {
      const loop = getRunningLoop();
      const seen: [string, number][] = [];
      function* worker(name: string, ms: number): Coroutine<void> {
        yield* sleep(ms);
        seen.push([name, loop.time()]);
        yield* sleep(ms);
        seen.push([name, loop.time()]);
      }
      const a = createTask(worker("a", 300));
      const b = createTask(worker("b", 200));
      yield* a;
      yield* b;
      assert.deepEqual(seen, [["b", 200], ["a", 300], ["b", 400], [
        "a",
        600,
      ]]);
    })(),
    virtual,
  ));

Deno.test("VirtualTimeLoop: waits for host work in real time with the clock still", () =>
  run(
    (function* () {
      const loop = getRunningLoop();
      const seen: string[] = [];
      const sleeper = createTask((function* () {
        yield* sleep(1000);
        seen.push(`timer@${loop.time()}`);
      })());
      // Host work of ~20 ms real time: the clock must not jump past it.
      const v = yield* fromPromise(
        new Promise<string>((r) => setTimeout(() => r("host"), 20)),
      );
      seen.push(`${v}@${loop.time()}`);
      yield* fromAbortable((signal) => delay(5, { signal }));
      seen.push(`abortable@${loop.time()}`);
      yield* fromPromise((async () => {
        await delay(5); // delay() outside the loop: counted by fromPromise
        await delay(5);
      })());
      seen.push(`nested@${loop.time()}`);
      yield* sleeper;
      assert.deepEqual(seen, [
        "host@0",
        "abortable@0",
        "nested@0",
        "timer@1000",
      ]);
    })(),
    virtual,
  ));

Deno.test("VirtualTimeLoop: delay() called from a task holds the clock", async () => {
  const loop = new VirtualTimeLoop();
  const seen: string[] = [];
  loop.callLater(50, () => seen.push(`timer@${loop.time()}`));
  // A host promise made inside a loop callback, awaited by host code.
  loop.callSoon(() => {
    delay(10).then(() =>
      loop.callSoon(() => seen.push(`delay@${loop.time()}`))
    );
  });
  const done = loop.createFuture<void>();
  loop.callLater(100, () => done.setResult());
  await loop.runUntilComplete(done);
  loop.close();
  assert.deepEqual(seen, ["delay@0", "timer@50"]);
});

Deno.test("VirtualTimeLoop: autojump false waits for advance() from host code", async () => {
  const loop = new VirtualTimeLoop({ autojump: false });
  const seen: number[] = [];
  const t = loop.createTask((function* () {
    yield* sleep(100);
    seen.push(loop.time());
    yield* sleep(100);
    seen.push(loop.time());
  })());
  const running = loop.runUntilComplete(t);
  await delay(5);
  assert.deepEqual(seen, []); // real time passed, the clock did not
  assert.equal(loop.time(), 0);
  loop.advance(150);
  await delay(5);
  assert.deepEqual(seen, [100]);
  assert.equal(loop.time(), 150);
  loop.advance(50);
  await running;
  assert.deepEqual(seen, [100, 200]);
  assert.equal(loop.time(), 200);
  loop.close();
});

Deno.test("VirtualTimeLoop: advance() from a task walks the timers in deadline order", async () => {
  const loop = new VirtualTimeLoop({ autojump: false });
  const seen: string[] = [];
  await loop.runUntilComplete((function* () {
    loop.callLater(30, () => seen.push(`30@${loop.time()}`));
    loop.callLater(10, () => seen.push(`10@${loop.time()}`));
    loop.callLater(10, () => seen.push(`10b@${loop.time()}`));
    loop.callLater(70, () => seen.push(`70@${loop.time()}`));
    loop.advance(50);
    assert.equal(loop.time(), 0); // moves once the loop is idle
    yield* sleep(0);
    assert.equal(loop.time(), 0);
    yield* sleep(40); // deadline 40: within the walk
    seen.push(`task@${loop.time()}`);
  })());
  assert.deepEqual(seen, ["10@10", "10b@10", "30@30", "task@40"]);
  assert.equal(loop.time(), 40);
  // The rest of the advance is taken when the loop is idle again.
  const f = loop.createFuture<void>();
  loop.callLater(25, () => f.setResult()); // at 65, within the target 50? no
  loop.advance(30); // target: max(50, 40) + 30 = 80
  await loop.runUntilComplete(f);
  assert.deepEqual(seen, ["10@10", "10b@10", "30@30", "task@40"]);
  assert.equal(loop.time(), 65);
  await loop.runUntilComplete((function* () {
    yield* sleep(0);
  })());
  loop.close();
});

Deno.test("VirtualTimeLoop: advance() with no timers moves the clock to the target", async () => {
  const loop = new VirtualTimeLoop({ autojump: false });
  await loop.runUntilComplete((function* () {
    loop.advance(1234);
    const f = loop.createFuture<void>();
    setTimeout(() => loop.callSoon(() => f.setResult()), 5);
    yield* f;
    assert.equal(loop.time(), 1234);
  })());
  loop.close();
});

Deno.test("VirtualTimeLoop: a long burst still yields to the host (real time slice)", async () => {
  const loop = new VirtualTimeLoop({ timeSlice: 2 });
  let hostRan = false;
  let spins = 0;
  await loop.runUntilComplete((function* () {
    setTimeout(() => hostRan = true, 0);
    while (!hostRan) {
      spins++;
      yield* sleep(0);
    }
  })());
  loop.close();
  assert.ok(hostRan);
  assert.ok(spins > 0);
});

Deno.test("VirtualTimeLoop: a timer loop hands the thread back to the host", async () => {
  const loop = new VirtualTimeLoop({ timeSlice: 2 });
  let hostRan = false;
  const end = await loop.runUntilComplete((function* () {
    setTimeout(() => hostRan = true, 0);
    while (!hostRan) yield* sleep(1000); // every jump is free
    return loop.time();
  })());
  loop.close();
  assert.ok(end >= 1000);
});

Deno.test("VirtualTimeLoop: works with Runner and shuffle", async () => {
  await using runner = new Runner({
    loopFactory: () => new VirtualTimeLoop({ shuffle: 1 }),
  });
  const r = await runner.run((function* () {
    yield* sleep(10);
    return getRunningLoop().time();
  })());
  assert.equal(r, 10);
  assert.ok(runner.getLoop() instanceof VirtualTimeLoop);
  assert.ok(runner.getLoop() instanceof EventLoop);
});

Deno.test("VirtualTimeLoop: argument errors", () => {
  assert.throws(
    // @ts-expect-error: wrong type on purpose
    () => new VirtualTimeLoop({ autojump: 1 }),
    /VirtualTimeLoop\(\): options.autojump must be a boolean, got 1/,
  );
  assert.throws(
    () => new VirtualTimeLoop({ start: NaN }),
    /options.start must be a finite number of milliseconds, got NaN/,
  );
  const loop = new VirtualTimeLoop();
  assert.throws(
    // @ts-expect-error: wrong type on purpose
    () => loop.advance("5"),
    /advance\(\) expects milliseconds \(a number\), got "5"/,
  );
  assert.throws(() => loop.advance(-1), RangeError);
  assert.throws(() => loop.advance(Infinity), RangeError);
  loop.close();
});
