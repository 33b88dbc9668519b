// EventLoopOptions.shuffle: a seeded permutation of each iteration's batch.
import assert from "node:assert/strict";
import { type Coroutine, createTask, EventLoop, sleep } from "../mod.ts";
import { VirtualTimeLoop } from "../testing.ts";

// A FIFO-dependent program: ten tasks that each append their name twice,
// plus plain callbacks and timers falling due in the same iteration (0 ms
// timers: due in the next iteration whatever the machine's speed, so the
// program is deterministic on a real clock).
async function order(loop: EventLoop): Promise<string[]> {
  const seen: string[] = [];
  function* worker(name: string): Coroutine<void> {
    seen.push(name);
    yield* sleep(0);
    seen.push(name);
  }
  await loop.runUntilComplete((function* () {
    for (let i = 0; i < 10; i++) loop.callSoon(() => seen.push(`cb${i}`));
    for (let i = 0; i < 5; i++) loop.callLater(0, () => seen.push(`t${i}`));
    const tasks = [];
    for (let i = 0; i < 10; i++) tasks.push(createTask(worker(`w${i}`)));
    for (const t of tasks) yield* t;
  })());
  loop.close();
  return seen;
}

Deno.test("shuffle: two seeds give different orders, one seed the same order twice", async () => {
  const fifo = await order(new EventLoop({ shuffle: undefined }));
  const a1 = await order(new EventLoop({ shuffle: 1 }));
  const a2 = await order(new EventLoop({ shuffle: 1 }));
  const b = await order(new EventLoop({ shuffle: 2 }));
  assert.deepEqual(a1, a2);
  assert.notDeepEqual(a1, b);
  assert.notDeepEqual(a1, fifo);
  // Only the order changes: the same entries ran.
  assert.deepEqual([...a1].sort(), [...fifo].sort());
  assert.deepEqual([...b].sort(), [...fifo].sort());
});

Deno.test("shuffle: the default stays FIFO", async () => {
  // Run without the test harness default (RUNNER_SHUFFLE) getting in.
  const { shuffleDefaults } = await import("../_shuffle.ts");
  const saved = shuffleDefaults.seed;
  shuffleDefaults.seed = undefined;
  try {
    const seen = await order(new EventLoop());
    assert.deepEqual(seen.slice(0, 10), [...Array(10)].map((_, i) => `cb${i}`));
    assert.deepEqual(
      seen.slice(10, 20),
      [...Array(10)].map((_, i) => `w${i}`),
    );
  } finally {
    shuffleDefaults.seed = saved;
  }
});

Deno.test("shuffle: timers keep deadline order across iterations; ties shuffle within one batch", async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const loop = new VirtualTimeLoop({ shuffle: seed });
    const seen: string[] = [];
    for (const ms of [30, 10, 20]) {
      for (const k of ["a", "b", "c"]) {
        loop.callLater(ms, () => seen.push(`${ms}${k}@${loop.time()}`));
      }
    }
    const f = loop.createFuture<void>();
    loop.callLater(40, () => f.setResult());
    await loop.runUntilComplete(f);
    loop.close();
    const deadlines = seen.map((s) => Number(s.slice(0, 2)));
    assert.deepEqual(deadlines, [10, 10, 10, 20, 20, 20, 30, 30, 30]);
    for (const s of seen) assert.equal(s.slice(0, 2), s.split("@")[1]);
  }
});

Deno.test("shuffle: works on VirtualTimeLoop, deterministic per seed", async () => {
  const a = await order(new VirtualTimeLoop({ shuffle: 7 }));
  const b = await order(new VirtualTimeLoop({ shuffle: 7 }));
  assert.deepEqual(a, b);
});

Deno.test("shuffle: a seed must be an integer", () => {
  assert.throws(
    () => new EventLoop({ shuffle: 1.5 }),
    /EventLoop\(\): options.shuffle must be an integer seed, got 1.5/,
  );
  assert.throws(
    // @ts-expect-error: wrong type on purpose
    () => new EventLoop({ shuffle: "1" }),
    /options.shuffle must be an integer seed, got "1"/,
  );
});
