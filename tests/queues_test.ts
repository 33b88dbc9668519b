// deno-lint-ignore-file require-yield
// Ports of CPython's Lib/test/test_asyncio/test_queues.py (3.13, with the
// shutdown tests), plus the native `for await` iteration from outside the
// loop. Seconds become small millisecond delays used only for ordering.

import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  EventLoop,
  gather,
  getRunningLoop,
  run,
  sleep,
  type Task,
  TimeoutError,
} from "../mod.ts";
import { waitFor } from "../combinators.ts";
import { taskGroup } from "../taskgroup.ts";
import { Event } from "../locks.ts";
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
} from "../queues.ts";

function* rejects(
  coro: Coroutine<unknown> | Task<unknown>,
  cls: new (...a: never[]) => Error,
): Coroutine<Error> {
  try {
    yield* coro;
  } catch (e) {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${e}`);
    return e;
  }
  assert.fail(`expected ${cls.name}`);
}

const KINDS = [
  ["Queue", Queue],
  ["LifoQueue", LifoQueue],
  ["PriorityQueue", PriorityQueue],
] as const;

// ---------------------------------------------------------------- basics

Deno.test("repr: maxsize, items, getters, putters, tasks", async () => {
  await run((function* () {
    const q = new Queue<number>();
    assert.equal(String(q), "<Queue maxsize=0>");
    assert.equal(String(new Queue(10)), "<Queue maxsize=10>");
    const t = createTask(q.get());
    yield* sleep(0);
    assert.equal(String(q), "<Queue maxsize=0 _getters[1]>");
    q.putNowait(1);
    yield* t;
    q.putNowait(2);
    q.putNowait(3);
    assert.equal(String(q), "<Queue maxsize=0 _queue=[2,3] tasks=3>");
    const full = new Queue<string>(1);
    full.putNowait("a");
    const p = createTask(full.put("b"));
    yield* sleep(0);
    assert.equal(
      String(full),
      '<Queue maxsize=1 _queue=["a"] _putters[1] tasks=1>',
    );
    p.cancel();
    yield* rejects(p, CancelledError);
  })());
  const lq = new LifoQueue<number>();
  lq.putNowait(1);
  assert.equal(String(lq), "<LifoQueue maxsize=0 _queue=[1] tasks=1>");
  assert.equal(String(new PriorityQueue()), "<PriorityQueue maxsize=0>");
});

Deno.test("format: tasks and shutdown", () => {
  const q = new Queue();
  assert.equal(String(q), "<Queue maxsize=0>");
  q._unfinishedTasks = 2;
  assert.equal(String(q), "<Queue maxsize=0 tasks=2>");
  q._unfinishedTasks = 0;
  q.shutdown();
  assert.equal(String(q), "<Queue maxsize=0 shutdown>");
});

Deno.test("empty and full", () => {
  const q = new Queue<number>();
  assert.ok(q.empty());
  q.putNowait(1);
  assert.ok(!q.empty());
  assert.equal(q.getNowait(), 1);
  assert.ok(q.empty());
  assert.ok(!q.full());
  const q1 = new Queue<number>({ maxsize: 1 });
  q1.putNowait(1);
  assert.ok(q1.full());
});

Deno.test("order of Queue, LifoQueue and PriorityQueue", () => {
  const expected: Record<string, number[]> = {
    Queue: [1, 3, 2],
    LifoQueue: [2, 3, 1],
    PriorityQueue: [1, 2, 3],
  };
  for (const [name, Kind] of KINDS) {
    const q = new Kind<number>();
    for (const i of [1, 3, 2]) q.putNowait(i);
    const items = [1, 2, 3].map(() => q.getNowait());
    assert.deepEqual(items, expected[name], name);
  }
});

Deno.test("maxsize: the putter blocks after filling the queue", async () => {
  const q = new Queue<number>(2);
  assert.equal(q.maxsize, 2);
  const haveBeenPut: number[] = [];
  await run((function* () {
    const t = createTask((function* () {
      for (let i = 0; i < 3; i++) {
        yield* q.put(i);
        haveBeenPut.push(i);
      }
      return true;
    })());
    for (let i = 0; i < 2; i++) yield* sleep(0);
    assert.deepEqual(haveBeenPut, [0, 1]);
    assert.equal(yield* q.get(), 0);
    yield* sleep(0);
    assert.deepEqual(haveBeenPut, [0, 1, 2]);
    assert.equal(q.getNowait(), 1);
    assert.equal(q.getNowait(), 2);
    assert.ok(t.done());
    assert.equal(t.result(), true);
  })());
});

Deno.test("float maxsize", async () => {
  const q = new Queue<number>(1.3);
  q.putNowait(1);
  q.putNowait(2);
  assert.ok(q.full());
  assert.throws(() => q.putNowait(3), QueueFull);
  const q2 = new Queue<number>(1.3);
  await run((function* () {
    yield* q2.put(1);
    yield* q2.put(2);
    assert.ok(q2.full());
  })());
});

Deno.test("maxsize must be a number", () => {
  assert.throws(() => new Queue("3" as unknown as number), TypeError);
  assert.throws(() => new Queue(NaN), RangeError);
  assert.equal(new Queue(-1).full(), false, "0 or less: unbounded");
});

Deno.test("a queue is not iterable with yield* or for...of", () => {
  const q = new Queue() as unknown as Record<symbol, unknown>;
  assert.equal(q[Symbol.iterator], undefined);
  assert.equal(typeof q[Symbol.asyncIterator], "function");
});

// ---------------------------------------------------------------- get

Deno.test("get: blocking get of a present item", async () => {
  const q = new Queue<number>();
  q.putNowait(1);
  assert.equal(await run(q.get()), 1);
});

Deno.test("get: with putters waiting, a get wakes one", async () => {
  await run((function* () {
    const q = new Queue<number>(1);
    yield* q.put(1);
    const putter = createTask(q.put(2));
    // Until it parks (a shuffled schedule may run it later).
    for (let i = 0; i < 100 && q._putters.length === 0; i++) yield* sleep(0);
    assert.equal(q._putters.length, 1);
    assert.equal(yield* q.get(), 1);
    assert.equal(q._putters.length, 0); // woken
    yield* putter;
    assert.equal(q.getNowait(), 2);
  })());
});

Deno.test("get: blocking get waits for a put", async () => {
  const q = new Queue<number>();
  const started = new Event();
  let finished = false;
  const res = await run((function* () {
    const t = createTask((function* () {
      started.set();
      const r = yield* q.get();
      finished = true;
      return r;
    })());
    yield* started.wait();
    assert.equal(finished, false);
    getRunningLoop().callLater(5, () => q.putNowait(1));
    return yield* t;
  })());
  assert.ok(finished);
  assert.equal(res, 1);
});

Deno.test("get: nonblocking get and QueueEmpty", () => {
  const q = new Queue<number>();
  q.putNowait(1);
  assert.equal(q.getNowait(), 1);
  assert.throws(() => q.getNowait(), {
    name: "QueueEmpty",
    message: "queue is empty",
  });
  assert.ok(new QueueEmpty() instanceof Error);
});

Deno.test("get: cancelled race (the other getter gets the item)", async () => {
  const q = new Queue<string>();
  await run((function* () {
    const t1 = createTask(q.get());
    const t2 = createTask(q.get());
    yield* sleep(0);
    t1.cancel();
    yield* sleep(0);
    assert.ok(t1.done());
    yield* q.put("a");
    yield* sleep(0);
    assert.equal(yield* t2, "a");
  })());
});

Deno.test("get: with waiting putters", async () => {
  const q = new Queue<string>(1);
  await run((function* () {
    createTask(q.put("a"));
    createTask(q.put("b"));
    assert.equal(yield* q.get(), "a");
    assert.equal(yield* q.get(), "b");
  })());
});

Deno.test("get: why are getters waiting (producer and consumer)", async () => {
  const q = new Queue<number>(1);
  const n = 5;
  let consumed = 0;
  await run(taskGroup(function* (tg) {
    tg.createTask((function* () {
      for (let i = 0; i < n; i++) yield* q.put(i);
    })());
    tg.createTask((function* () {
      for (let i = 0; i < n; i++) {
        yield* q.get();
        consumed++;
      }
    })());
  }));
  assert.equal(consumed, n);
});

Deno.test("get: cancelled getters are not kept in _getters", async () => {
  const q = new Queue<number>(5);
  await run((function* () {
    yield* rejects(waitFor(q.get(), 5), TimeoutError);
    assert.equal(q._getters.length, 0);
  })());
});

Deno.test("get: a cancel drops no item (one pending reader)", async () => {
  const q = new Queue<number>();
  const result = await run((function* () {
    let reader = createTask(q.get());
    yield* sleep(0);
    q.putNowait(1);
    q.putNowait(2);
    reader.cancel();
    try {
      yield* reader;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      reader = createTask(q.get());
      yield* reader;
    }
    return reader.result();
  })());
  assert.equal(result, 1, "getting 2 would mean 1 was dropped");
});

Deno.test("get: a cancel drops no item (many pending readers)", async () => {
  const q = new Queue<number>();
  const readers: Task<number>[] = [];
  await run(taskGroup(function* (tg) {
    for (let i = 0; i < 3; i++) readers.push(tg.createTask(q.get()));
    yield* sleep(0);
    q.putNowait(1);
    q.putNowait(2);
    readers[0].cancel();
    yield* rejects(readers[0], CancelledError);
    yield* readers[2];
  }));
  assert.deepEqual(
    new Set([readers[1].result(), readers[2].result()]),
    new Set([1, 2]),
  );
});

// ---------------------------------------------------------------- put

Deno.test("put: blocking put", async () => {
  const q = new Queue<number>();
  await run((function* () {
    yield* q.put(1);
    assert.equal(yield* q.get(), 1);
  })());
});

Deno.test("put: blocking put waits for room", async () => {
  const q = new Queue<number>(1);
  const started = new Event();
  let finished = false;
  await run((function* () {
    getRunningLoop().callLater(5, () => q.getNowait());
    const t = createTask((function* () {
      started.set();
      yield* q.put(1);
      yield* q.put(2);
      finished = true;
    })());
    yield* started.wait();
    assert.equal(finished, false);
    yield* t;
    assert.ok(finished);
  })());
});

Deno.test("put: nonblocking put and QueueFull", () => {
  const q = new Queue<number>(1);
  q.putNowait(1);
  assert.throws(() => q.putNowait(2), {
    name: "QueueFull",
    message: "queue is full",
  });
});

Deno.test("put: a cancel drops no item (the writer retries)", async () => {
  const q = new Queue<number>(1);
  await run((function* () {
    q.putNowait(1);
    let writer = createTask(q.put(2));
    yield* sleep(0);
    assert.equal(q.getNowait(), 1);
    writer.cancel();
    try {
      yield* writer;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      writer = createTask(q.put(2));
      yield* writer;
    }
    assert.equal(q.getNowait(), 2);
    assert.equal(q.qsize(), 0);
  })());
});

Deno.test("put: put then get in another task", async () => {
  const q = new Queue<number>();
  await run((function* () {
    const t = createTask((function* () {
      yield* q.put(1);
      return true;
    })());
    assert.equal(yield* q.get(), 1);
    assert.ok(t.done());
    assert.equal(t.result(), true);
  })());
});

Deno.test("put: cancelled race (a cancelled putter loses nothing)", async () => {
  const q = new Queue<string>(1);
  await run((function* () {
    const putA = createTask(q.put("a"));
    const putB = createTask(q.put("b"));
    const putC = createTask(q.put("X"));
    yield* sleep(0);
    assert.ok(putA.done());
    assert.ok(!putB.done());
    putC.cancel();
    yield* sleep(0);
    assert.ok(putC.done());
    assert.equal(q.getNowait(), "a");
    yield* sleep(0);
    assert.equal(q.getNowait(), "b");
    yield* putB;
  })());
});

Deno.test("put: with waiting getters", async () => {
  const q = new Queue<string>();
  await run((function* () {
    const t = createTask(q.get());
    yield* sleep(0);
    yield* q.put("a");
    assert.equal(yield* t, "a");
  })());
});

Deno.test("put: why are putters waiting", async () => {
  const q = new Queue<number>(2);
  await run(taskGroup(function* (tg) {
    tg.createTask((function* () {
      yield* sleep(0);
      const n = q.qsize();
      for (let i = 0; i < n; i++) q.getNowait();
    })());
    for (let i = 0; i < 4; i++) tg.createTask(q.put(i));
  }));
  assert.equal(q.qsize(), 2);
});

Deno.test("put: cancelled puts are not kept in _putters", async () => {
  const q = new Queue<number>(1);
  await run((function* () {
    q.putNowait(1);
    const t = createTask(q.put(1));
    yield* sleep(0);
    assert.equal(q._putters.length, 1);
    t.cancel();
    yield* rejects(t, CancelledError);
    assert.equal(q._putters.length, 0);
  })());
});

Deno.test("put: a cancelled putter already taken off _putters", async () => {
  const q = new Queue<number>(1);
  await run((function* () {
    q.putNowait(1);
    const t = createTask(q.put(1));
    yield* sleep(0);
    q.getNowait(); // takes the putter's future off _putters
    t.cancel();
    yield* rejects(t, CancelledError);
  })());
});

Deno.test("put: a woken putter that is cancelled wakes the next one", async () => {
  const q = new Queue<string>(1);
  await run((function* () {
    q.putNowait("a");
    const p1 = createTask(q.put("b"));
    const p2 = createTask(q.put("c"));
    yield* sleep(0);
    q.getNowait(); // wakes p1...
    p1.cancel(); // ...which is cancelled before it runs
    yield* rejects(p1, CancelledError);
    yield* p2;
    assert.equal(q.getNowait(), "c");
  })());
});

Deno.test("get: a woken getter that is cancelled wakes the next one", async () => {
  const q = new Queue<string>();
  await run((function* () {
    const g1 = createTask(q.get());
    const g2 = createTask(q.get());
    yield* sleep(0);
    q.putNowait("a"); // wakes g1...
    g1.cancel(); // ...which is cancelled before it runs
    yield* rejects(g1, CancelledError);
    assert.equal(yield* g2, "a");
  })());
});

// ---------------------------------------------------------------- join

for (const [name, Kind] of KINDS) {
  Deno.test(`${name}: taskDone underflow`, () => {
    const q = new Kind<number>();
    assert.throws(() => q.taskDone(), {
      name: "Error",
      message: /^task_done\(\) called too many times/,
    });
  });

  Deno.test(`${name}: taskDone and join with two workers`, async () => {
    const q = new Kind<number>();
    for (let i = 0; i < 100; i++) q.putNowait(i);
    let accumulator = 0;
    let running = true;
    await run(taskGroup(function* (tg) {
      const tasks = [0, 1].map(() =>
        tg.createTask((function* () {
          while (running) {
            accumulator += yield* q.get();
            q.taskDone();
          }
        })())
      );
      yield* q.join();
      assert.equal(accumulator, 4950);
      running = false;
      for (let i = 0; i < tasks.length; i++) q.putNowait(0);
    }));
  });

  Deno.test(`${name}: join of an empty queue returns at once`, async () => {
    const q = new Kind<number>();
    await run((function* () {
      yield* q.join();
      yield* q.join();
    })());
  });

  // ---------------------------------------------------------- shutdown

  Deno.test(`${name}: shutdown of an empty queue`, async () => {
    const q = new Kind<string>();
    await run((function* () {
      const getTask = createTask(q.get());
      yield* sleep(0);
      q.shutdown(false);
      assert.equal(q.qsize(), 0);
      yield* q.join();
      yield* sleep(0);
      assert.ok(getTask.done());
      yield* rejects(getTask, QueueShutDown);
      yield* rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      yield* rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), {
        name: "QueueShutDown",
        message: "queue is shut down",
      });
    })());
  });

  Deno.test(`${name}: shutdown of a non-empty queue`, async () => {
    const q = new Kind<string>({ maxsize: 1 });
    await run((function* () {
      q.putNowait("data");
      const joinTask = createTask(q.join());
      const putTask = createTask(q.put("data2"));
      yield* sleep(0);
      assert.ok(!putTask.done());
      q.shutdown(false);
      assert.equal(q.qsize(), 1);
      yield* sleep(0);
      assert.ok(putTask.done());
      yield* rejects(putTask, QueueShutDown);
      assert.equal(yield* q.get(), "data");
      yield* sleep(0);
      assert.ok(!joinTask.done());
      yield* rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      yield* rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      q.taskDone();
      yield* sleep(0);
      assert.ok(joinTask.done());
      yield* joinTask;
      assert.throws(() => q.taskDone(), /called too many times/);
    })());
  });

  Deno.test(`${name}: immediate shutdown`, async () => {
    const q = new Kind<string>();
    await run((function* () {
      q.putNowait("data");
      const joinTask = createTask(q.join());
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      yield* sleep(0);
      assert.ok(joinTask.done());
      yield* joinTask;
      yield* rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      yield* rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      assert.throws(() => q.taskDone(), /called too many times/);
    })());
  });

  Deno.test(`${name}: immediate shutdown with unfinished tasks`, async () => {
    const q = new Kind<string>();
    await run((function* () {
      q.putNowait("data");
      q.putNowait("data");
      const joinTask = createTask(q.join());
      assert.equal(yield* q.get(), "data");
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      yield* sleep(0);
      assert.ok(!joinTask.done());
      yield* rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      yield* rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      q.taskDone();
      yield* sleep(0);
      assert.ok(joinTask.done());
      yield* joinTask;
      assert.throws(() => q.taskDone(), /called too many times/);
    })());
  });
}

Deno.test("shutdown wakes every blocked getter and putter", async () => {
  await run((function* () {
    const empty = new Queue<number>();
    const getters = [createTask(empty.get()), createTask(empty.get())];
    const full = new Queue<number>(1);
    full.putNowait(0);
    const putters = [createTask(full.put(1)), createTask(full.put(2))];
    yield* sleep(0);
    empty.shutdown();
    full.shutdown();
    const results = yield* gather([...getters, ...putters], {
      returnExceptions: true,
    });
    assert.ok((results as unknown[]).every((r) => r instanceof QueueShutDown));
    assert.equal(full.getNowait(), 0, "items put before shutdown stay");
  })());
});

// ---------------------------------------------------------------- priority

Deno.test("PriorityQueue: tuples compare like Python", () => {
  const q = new PriorityQueue<[number, string]>();
  q.putNowait([2, "b"]);
  q.putNowait([1, "z"]);
  q.putNowait([1, "a"]);
  q.putNowait([0, "x"]);
  const out = [1, 2, 3, 4].map(() => q.getNowait());
  assert.deepEqual(out, [[0, "x"], [1, "a"], [1, "z"], [2, "b"]]);
  const s = new PriorityQueue<string>();
  for (const x of ["pear", "apple", "fig"]) s.putNowait(x);
  assert.deepEqual([1, 2, 3].map(() => s.getNowait()), [
    "apple",
    "fig",
    "pear",
  ]);
  const arrays = new PriorityQueue<number[]>();
  arrays.putNowait([1, 2, 3]);
  arrays.putNowait([1, 2]);
  assert.deepEqual(arrays.getNowait(), [1, 2], "a shorter prefix first");
});

Deno.test("PriorityQueue: equal priorities come out in put order", () => {
  const q = new PriorityQueue<{ p: number; name: string }>({
    compare: (a, b) => a.p - b.p,
  });
  const names = ["a", "b", "c", "d", "e", "f", "g", "h"];
  names.forEach((name, i) => q.putNowait({ p: i % 2, name }));
  const out = names.map(() => q.getNowait().name);
  assert.deepEqual(out, ["a", "c", "e", "g", "b", "d", "f", "h"]);
});

Deno.test("PriorityQueue: many random items come out sorted", () => {
  const q = new PriorityQueue<number>();
  let seed = 12345;
  const items: number[] = [];
  for (let i = 0; i < 500; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    items.push(seed % 1000);
    q.putNowait(items[i]);
  }
  const out = items.map(() => q.getNowait());
  assert.deepEqual(out, [...items].sort((a, b) => a - b));
});

Deno.test("PriorityQueue: incomparable items are a TypeError and leave no trace", () => {
  const q = new PriorityQueue<unknown>();
  q.putNowait(1);
  q.putNowait(2);
  assert.throws(() => q.putNowait("x"), /PriorityQueue cannot order/);
  assert.equal(q.qsize(), 2);
  assert.equal(q._unfinishedTasks, 2);
  assert.throws(() => q.putNowait({}), TypeError);
  assert.deepEqual([q.getNowait(), q.getNowait()], [1, 2]);
  assert.throws(
    () => new PriorityQueue({ compare: 3 as unknown as () => number }),
    TypeError,
  );
});

Deno.test("PriorityQueue: a compare that throws midway keeps the heap valid", () => {
  const q = new PriorityQueue<number>({
    compare: (a, b) => {
      if (a === 0 || b === 0) {
        if (a === -1 || b === -1) throw new RangeError("cannot compare");
      }
      return a - b;
    },
  });
  for (const n of [0, 5, 6, 7, 8, 9, 10]) q.putNowait(n);
  // -1 climbs past 7 and 5, then the comparison with 0 throws.
  assert.throws(() => q.putNowait(-1), RangeError);
  assert.equal(q.qsize(), 7);
  const out = [0, 1, 2, 3, 4, 5, 6].map(() => q.getNowait());
  assert.deepEqual(out, [0, 5, 6, 7, 8, 9, 10]);
});

Deno.test("PriorityQueue: maxsize option with a comparator", async () => {
  const q = new PriorityQueue<string>({
    maxsize: 2,
    compare: (a, b) => b.localeCompare(a), // largest first
  });
  assert.equal(q.maxsize, 2);
  await run((function* () {
    yield* q.put("a");
    yield* q.put("c");
    const p = createTask(q.put("b"));
    yield* sleep(0);
    assert.equal(p.done(), false);
    assert.equal(yield* q.get(), "c");
    yield* p;
    assert.equal(q.getNowait(), "b");
    assert.equal(q.getNowait(), "a");
  })());
});

// ---------------------------------------------------------------- for await

Deno.test("for await from outside the loop; ends on shutdown", async () => {
  const loop = new EventLoop();
  const q = new Queue<number>();
  const producer = loop.runUntilComplete((function* () {
    for (let i = 0; i < 5; i++) {
      yield* sleep(1);
      yield* q.put(i);
    }
    yield* sleep(1);
    q.shutdown();
  })());
  const got: number[] = [];
  try {
    for await (const n of q.iterate({ loop })) got.push(n);
    await producer;
  } finally {
    loop.close();
  }
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
});

Deno.test("for await uses the loop the queue is bound to", async () => {
  const loop = new EventLoop();
  const q = new Queue<string>();
  const got: string[] = [];
  try {
    // Bind the queue to the loop: a getter waits there first.
    const first = loop.createTask(q.get());
    const producer = loop.runUntilComplete((function* () {
      yield* sleep(1);
      q.putNowait("first");
      yield* first;
      for (const s of ["a", "b"]) {
        yield* sleep(1);
        q.putNowait(s);
      }
      yield* sleep(1);
      q.shutdown();
    })());
    for await (const s of q) got.push(s);
    await producer;
    assert.equal(await first, "first");
  } finally {
    loop.close();
  }
  assert.deepEqual(got, ["a", "b"]);
});

Deno.test("for await: break cancels the pending get without losing an item", async () => {
  const loop = new EventLoop();
  const q = new Queue<number>();
  const got: number[] = [];
  try {
    const producer = loop.runUntilComplete((function* () {
      yield* sleep(1);
      q.putNowait(1);
      yield* sleep(5);
      q.putNowait(2);
    })());
    for await (const n of q.iterate({ loop })) {
      got.push(n);
      break;
    }
    await producer;
    assert.equal(q._getters.length, 0, "the pending get was cancelled");
    assert.equal(q.getNowait(), 2, "the next item is still there");
  } finally {
    loop.close();
  }
  assert.deepEqual(got, [1]);
});

Deno.test("for await: a pending iteration ends when the queue shuts down", async () => {
  const loop = new EventLoop();
  const q = new Queue<number>();
  try {
    const it = q.iterate({ loop });
    const stopper = loop.runUntilComplete((function* () {
      yield* sleep(5);
      q.shutdown(true);
    })());
    const r = await it.next();
    assert.deepEqual(r, { value: undefined, done: true });
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    await stopper;
  } finally {
    loop.close();
  }
});

Deno.test("for await: return() while next() waits ends that next()", async () => {
  const loop = new EventLoop();
  const q = new Queue<number>();
  try {
    const it = q.iterate({ loop });
    const ticker = loop.runUntilComplete(sleep(5));
    const pending = it.next();
    await new Promise((resolve) => setTimeout(resolve, 1));
    assert.deepEqual(await it.return!(), { value: undefined, done: true });
    assert.deepEqual(await pending, { value: undefined, done: true });
    await ticker;
    assert.equal(q._getters.length, 0);
  } finally {
    loop.close();
  }
});

Deno.test("for await: no loop known for an unused, empty queue", async () => {
  const q = new Queue<number>();
  await assert.rejects(
    q.iterate().next(),
    /is not bound to an event loop yet: use it in a loop first, or pass \{ loop \}/,
  );
});

Deno.test("for await: items already queued need no running loop", async () => {
  const q = new LifoQueue<number>();
  for (const n of [1, 2, 3]) q.putNowait(n);
  q.shutdown();
  const got: number[] = [];
  for await (const n of q) got.push(n);
  assert.deepEqual(got, [3, 2, 1]);
});

// The FIFO's storage reuses its slots: emptied, it starts again at slot 0;
// grown past 1024 consumed slots, it compacts. A seeded mix of puts and gets
// against an array model crosses both, for the FIFO and the LIFO.
Deno.test("storage: puts and gets keep order across emptying and compaction", () => {
  let seed = 7;
  const rand = () =>
    (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const lifo of [false, true]) {
    const q = lifo ? new LifoQueue<number>() : new Queue<number>();
    const model: number[] = [];
    let next = 0;
    for (let round = 0; round < 40; round++) {
      // Bursts that fill past the compaction threshold, then drain.
      const puts = Math.floor(rand() * 3000);
      for (let i = 0; i < puts; i++) {
        q.putNowait(next);
        model.push(next++);
        if (rand() < 0.3 && model.length > 0) {
          assert.equal(q.getNowait(), lifo ? model.pop() : model.shift());
        }
      }
      assert.equal(q.qsize(), model.length);
      const gets = rand() < 0.5
        ? model.length
        : Math.floor(rand() * model.length);
      for (let i = 0; i < gets; i++) {
        assert.equal(q.getNowait(), lifo ? model.pop() : model.shift());
      }
      assert.equal(q.qsize(), model.length);
    }
    while (model.length > 0) {
      assert.equal(q.getNowait(), lifo ? model.pop() : model.shift());
    }
    assert.equal(q.empty(), true);
    assert.throws(() => q.getNowait(), QueueEmpty);
  }
});
