// graph.ts: 3.14's call graph and the task tree (pstree without frames).
import assert from "node:assert/strict";
import {
  CancelledError,
  type Coroutine,
  createTask,
  currentTask,
  EventLoop,
  Future,
  gather,
  getRunningLoop,
  Lock,
  Queue,
  run,
  sleep,
  type Task,
} from "../mod.ts";
import { asCompleted, shield, wait, waitFor } from "../combinators.ts";
import { TaskGroup } from "../taskgroup.ts";
import {
  captureCallGraph,
  formatCallGraph,
  formatTaskTree,
  type FutureCallGraph,
} from "../graph.ts";
import { VirtualTimeLoop } from "../testing.ts";

// The 3.14 docs' example (asyncio-tools.html), in this library's terms.
function* play(_track: string): Coroutine<void> {
  yield* sleep(3_600_000);
}
function* album(_name: string, tracks: string[]): Coroutine<void> {
  yield* new TaskGroup().run(function* (tg) {
    for (const track of tracks) tg.createTask(play(track), { name: track });
  });
}

/** Names of a call graph from the leaf upwards, as nested arrays. */
function shape(g: FutureCallGraph): unknown {
  const f = g.future as Task<unknown>;
  const name = typeof f.getName === "function" ? f.getName() : "Future";
  return g.awaitedBy.length === 0 ? name : [name, ...g.awaitedBy.map(shape)];
}

Deno.test("graph: the album/track TaskGroup example gives 3.14's pstree and call graph", async () => {
  let leafGraph: FutureCallGraph | null = null;
  let leafText = "";
  let tree = "";
  // As in the docs: main() runs a TaskGroup of two albums of two tracks.
  function* main(): Coroutine<void> {
    const loop = getRunningLoop();
    const me = currentTask()!;
    me.setName("Task-1"); // asyncio.run's main task, whatever ran before
    // Looked at from a plain callback, as a debugger or signal handler does.
    loop.callLater(10, () => {
      tree = formatTaskTree(loop);
      const leaf = [...loop._tasks].find((t) => t.getName() === "Levitate")!;
      leafGraph = captureCallGraph(leaf);
      leafText = formatCallGraph(leaf);
      me.cancel();
    });
    yield* new TaskGroup().run(function* (tg) {
      tg.createTask(album("Sundowning", ["TNDNBTG", "Levitate"]), {
        name: "Sundowning",
      });
      tg.createTask(album("TMBTE", ["DYWTYLM", "Aqua Regia"]), {
        name: "TMBTE",
      });
    });
  }
  await assert.rejects(
    run(main(), { loopFactory: () => new VirtualTimeLoop() }),
    CancelledError,
  );
  console.log(tree);
  console.log(leafText);
  // pstree's tree (names, nesting), frames left out.
  const names = tree.split("\n").map((l) =>
    l.replace(/ \[.*$/, "").replace(/\(T\) /, "")
  );
  assert.deepEqual(names, [
    "└── Task-1",
    "    ├── Sundowning",
    "    │   ├── TNDNBTG",
    "    │   └── Levitate",
    "    └── TMBTE",
    "        ├── DYWTYLM",
    "        └── Aqua Regia",
  ]);
  assert.match(tree, /Task-1 \[pending\] waiting on <TaskGroup tasks=2/);
  assert.match(tree, /Levitate \[pending\] sleeping, 3599990 ms left/);
  // print_call_graph from the leaf: Levitate ← Sundowning ← Task-1.
  assert.deepEqual(shape(leafGraph!), [
    "Levitate",
    ["Sundowning", "Task-1"],
  ]);
  const heads = leafText.split("\n").filter((l) => l.includes("* Task"))
    .map((l) => l.replace(/, id=0x[0-9a-f]+\)/, ")"));
  assert.deepEqual(heads, [
    "* Task(name='Levitate')",
    "    * Task(name='Sundowning')",
    "        * Task(name='Task-1')",
  ]);
  assert.match(leafText, /^ {2}\+ Call stack:$/m);
  assert.match(leafText, /^ {2}\+ Awaited by:$/m);
});

Deno.test("graph: no future and no task: null and empty text", () => {
  assert.equal(captureCallGraph(), null);
  assert.equal(formatCallGraph(), "");
  assert.throws(() => formatTaskTree(), /no running event loop/);
  assert.throws(
    // @ts-expect-error: wrong type on purpose
    () => captureCallGraph({}),
    /captureCallGraph\(\) expects a Future or a Task, got/,
  );
  assert.throws(
    () => captureCallGraph(undefined, { depth: 1.5 }),
    /options.depth to be an integer, got 1.5/,
  );
});

Deno.test("graph: a task waiting on a task, and a plain future", () =>
  run(
    (function* () {
      const fut = getRunningLoop().createFuture<void>();
      const a = createTask(
        (function* () {
          yield* fut;
        })(),
        { name: "a" },
      );
      const b = createTask(
        (function* () {
          yield* a;
        })(),
        { name: "b" },
      );
      yield* sleep(1); // a and b reach their waits (any batch order)
      assert.deepEqual(shape(captureCallGraph(fut)!), ["Future", ["a", "b"]]);
      const text = formatCallGraph(fut);
      assert.match(text, /^\* Future\(id=0x[0-9a-f]+\)\n {2}\+ Awaited by:/);
      assert.equal(captureCallGraph(a)!.callStack.length, 1);
      assert.equal(captureCallGraph(a, { limit: 0 })!.callStack.length, 0);
      assert.match(
        formatTaskTree(),
        /── \(T\) b \[pending\] awaiting Task 'a'/,
      );
      assert.match(
        formatTaskTree(),
        /── \(T\) a \[pending\] waiting on <Future pending/,
      );
      fut.setResult();
      yield* b;
      assert.equal(captureCallGraph(fut)!.awaitedBy.length, 0);
    })(),
    { loopFactory: () => new VirtualTimeLoop() },
  ));

Deno.test("graph: gather and shield children are awaited by the caller; records end with the wait", () =>
  run(
    (function* () {
      const main = currentTask()!;
      const kids: Task<unknown>[] = [];
      const g = gather([sleep(10), sleep(20)].map((c) => {
        const t = createTask(c);
        kids.push(t);
        return t;
      }));
      const inner = createTask(sleep(30), { name: "inner" });
      const s = shield(inner);
      yield* sleep(1);
      for (const k of [...kids, inner]) {
        assert.deepEqual(
          captureCallGraph(k)!.awaitedBy.map((x) => x.future),
          [main],
        );
      }
      const probe = createTask((function* () {
        yield* sleep(1);
        return formatTaskTree();
      })());
      yield* g; // the caller now also waits on the gather itself
      yield* s;
      const tree = yield* probe;
      void tree;
      for (const k of [...kids, inner]) {
        assert.equal(captureCallGraph(k)!.awaitedBy.length, 0);
      }
    })(),
    { loopFactory: () => new VirtualTimeLoop() },
  ));

Deno.test("graph: a gather shows in the tree with its children", () =>
  run(
    (function* () {
      let tree = "";
      const probe = createTask(
        (function* () {
          yield* sleep(5);
          tree = formatTaskTree();
        })(),
        { name: "probe" },
      );
      const worker = createTask(
        (function* () {
          yield* gather([
            createTask(sleep(10), { name: "g1" }),
            createTask(sleep(20), { name: "g2" }),
          ]);
        })(),
        { name: "worker" },
      );
      yield* probe;
      yield* worker;
      assert.match(
        tree,
        /worker \[pending\] waiting on gather \(0 of 2 done\)/,
      );
      assert.match(tree, /── \(T\) worker[^\n]*\n\s+├── \(T\) g1/);
      assert.match(tree, /\(T\) g2 \[pending\] sleeping, 15 ms left/);
    })(),
    { loopFactory: () => new VirtualTimeLoop() },
  ));

Deno.test("graph: wait, asCompleted and waitFor record who waits; records end with the wait", () =>
  run(
    (function* () {
      const main = currentTask()!;
      const a = createTask(sleep(10), { name: "a" });
      const b = createTask(sleep(20), { name: "b" });
      const c = createTask(sleep(30), { name: "c" });
      const seen: string[] = [];
      const probe = createTask((function* () {
        for (let i = 0; i < 3; i++) {
          yield* sleep(5);
          seen.push(
            [a, b, c].filter((t) =>
              captureCallGraph(t)!.awaitedBy.some((g) => g.future === main)
            ).map((t) => t.getName()).join(""),
          );
          yield* sleep(5);
        }
      })());
      yield* wait([a], {}); // 0..10: waits on a
      for (const next of asCompleted([b])) yield* next; // 10..20: b
      yield* waitFor(c, 1000); // 20..30: the task awaits c directly
      yield* probe;
      assert.deepEqual(seen, ["a", "b", "c"]);
      for (const t of [a, b, c]) {
        assert.equal(captureCallGraph(t)!.awaitedBy.length, 0);
      }
    })(),
    { loopFactory: () => new VirtualTimeLoop() },
  ));

Deno.test("graph: the tree names locks and queues", () =>
  run(
    (function* () {
      const lock = new Lock();
      const q = new Queue<number>();
      yield* lock.acquire();
      const l = createTask(
        (function* () {
          using _g = yield* lock.acquire();
        })(),
        { name: "locker" },
      );
      const g = createTask(q.get(), { name: "getter" });
      yield* sleep(1); // both reach their waits (any batch order)
      const tree = formatTaskTree();
      assert.match(tree, /locker \[pending\] waiting on <Lock \[locked/);
      assert.match(tree, /getter \[pending\] waiting on <Queue/);
      q.putNowait(1);
      yield* g;
      lock.release();
      yield* l;
    })(),
    { loopFactory: () => new VirtualTimeLoop() },
  ));

Deno.test("graph: formatTaskTree from host code", async () => {
  const loop = new EventLoop();
  const f = new Future<void>({ loop });
  const t = loop.createTask(
    (function* () {
      yield* f;
    })(),
    { name: "blocked" },
  );
  const done = loop.runUntilComplete(t);
  await new Promise((r) => setTimeout(r, 1));
  assert.match(
    formatTaskTree(loop),
    /^└── \(T\) blocked \[pending\] waiting on/,
  );
  f.setResult();
  await done;
  assert.equal(formatTaskTree(loop), "");
  loop.close();
});

Deno.test("graph: TaskGroup children are awaited by the parent during the body; records end with them", () =>
  run(
    (function* () {
      const main = currentTask()!;
      let child: Task<unknown> | undefined;
      yield* new TaskGroup().run(function* (tg) {
        child = tg.createTask(sleep(10), { name: "child" });
        yield* sleep(1); // the body waits on something else meanwhile
        assert.deepEqual(
          captureCallGraph(child)!.awaitedBy.map((g) => g.future),
          [main],
        );
      });
      assert.ok(child!.done());
      assert.equal(captureCallGraph(child!)!.awaitedBy.length, 0);
    })(),
    { loopFactory: () => new VirtualTimeLoop() },
  ));

Deno.test("graph: in debug mode the call stack says where the task was created", () =>
  run(
    (function* () {
      const t = createTask(sleep(1), { name: "made-here" });
      const [entry] = captureCallGraph(t)!.callStack;
      assert.match(entry.location ?? "", /graph_test\.(ts|js):\d+:\d+$/);
      assert.match(formatCallGraph(t), /File '.*graph_test\.(ts|js):\d+:\d+'/);
      yield* t;
    })(),
    { debug: true },
  ));
