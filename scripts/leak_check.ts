/**
 * Leak check for failures nobody retrieves (`deno task leak`, and on Node
 * `deno task leak:node`, which bundles this script as `bench:node` bundles
 * the benchmark; both run in `.ci/run`):
 *
 * - tasks: 100,000 fire-and-forget tasks whose coroutines throw an Error
 *   they make themselves (as a handler bug does);
 * - futures: 100,000 Futures failed by loop callbacks that do not keep them.
 *
 * For each workload, after a smaller unmeasured run (for compiled code), on
 * a fresh loop that stays open, it collects the heap until
 * every failure has been reported as "… exception was never retrieved",
 * then prints the report counts (at collection, then at loop close: every
 * failure exactly once in all) and the heap growth after GC. It exits 1
 * unless each count is 100,000 and each growth is under 5 MB. Needs
 * `--expose-gc` (`--v8-flags=--expose-gc` on Deno).
 *
 * @module
 */

import { EventLoop, type ExceptionContext } from "../loop.ts";
import { createTask, sleep } from "../task.ts";
import type { Coroutine } from "../_coro.ts";

interface Host {
  Deno?: { version: { deno: string }; memoryUsage(): { heapUsed: number } };
  process?: {
    versions: { node: string };
    memoryUsage(): { heapUsed: number };
    exitCode?: number;
  };
  gc?: () => void;
}
const host = globalThis as unknown as Host;
const runtime = host.Deno
  ? `Deno ${host.Deno.version.deno}`
  : `Node ${host.process!.versions.node}`;
const heapUsed = (): number =>
  (host.Deno ?? host.process!).memoryUsage().heapUsed;
const gc = host.gc;
if (typeof gc !== "function") {
  throw new Error("leak_check needs --expose-gc (--v8-flags=--expose-gc)");
}

const N = 100_000;
const MAX_GROWTH = 5 * 1024 * 1024;

/** Collects until `done()` or after enough rounds; lets finalizers run. */
async function collect(done: () => boolean): Promise<void> {
  for (let round = 0; round < 100; round++) {
    gc!();
    await new Promise((r) => setTimeout(r, 10));
    if (done() && round >= 3) return;
  }
}

/** The heap after full collections: the least of a few readings. */
async function settledHeap(): Promise<number> {
  let least = Infinity;
  for (let i = 0; i < 5; i++) {
    gc!();
    await new Promise((r) => setTimeout(r, 5));
    least = Math.min(least, heapUsed());
  }
  return least;
}

type Workload = (loop: EventLoop, n: number) => Promise<void>;

// deno-lint-ignore require-yield
function* failing(i: number): Coroutine<void> {
  throw new Error(`handler bug ${i}`);
}

const tasks: Workload = async (loop, n) => {
  await loop.runUntilComplete((function* () {
    for (let i = 0; i < n; i++) createTask(failing(i), { name: `worker-${i}` });
    yield* sleep(0);
  })());
};

function failFuture(this: void, loop: EventLoop): void {
  loop.createFuture().setException(new Error("callback bug"));
}

const futures: Workload = async (loop, n) => {
  await loop.runUntilComplete((function* () {
    for (let i = 0; i < n; i++) loop.callSoon(() => failFuture(loop));
    yield* sleep(0);
  })());
};

interface Outcome {
  atCollection: number;
  atClose: number;
  growth: number;
}

/** Runs `work` for `n` failures on a fresh loop and measures. */
async function measure(work: Workload, n: number): Promise<Outcome> {
  const loop = new EventLoop();
  let reports = 0;
  let wrong = 0;
  loop.setExceptionHandler((_l, ctx: ExceptionContext) => {
    if (/^(Task|Future) exception was never retrieved$/.test(ctx.message)) {
      reports++;
    } else wrong++;
  });
  const before = await settledHeap();
  await work(loop, n);
  await collect(() => reports >= n);
  const growth = await settledHeap() - before;
  const atCollection = reports;
  loop.close();
  if (wrong > 0) throw new Error(`${wrong} unexpected reports`);
  return { atCollection, atClose: reports - atCollection, growth };
}

let ok = true;
console.log(`leak check on ${runtime}: ${N} failures per workload`);
for (const [name, work] of [["tasks", tasks], ["futures", futures]] as const) {
  await measure(work, N / 10); // compiled code, not counted
  const r = await measure(work, N);
  const total = r.atCollection + r.atClose;
  const mb = r.growth / (1024 * 1024);
  const good = total === N && r.growth < MAX_GROWTH;
  ok &&= good;
  console.log(
    `${name}: ${total} reports (${r.atCollection} at collection, ${r.atClose} at close), heap growth after GC ${
      mb.toFixed(2)
    } MB ${good ? "ok" : `FAIL (want ${N} reports, < 5 MB)`}`,
  );
}
if (!ok) {
  if (host.process) host.process.exitCode = 1;
  // deno-lint-ignore no-explicit-any
  else (globalThis as any).Deno.exit(1);
}
