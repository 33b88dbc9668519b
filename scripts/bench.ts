/**
 * Side-by-side benchmark of @x/runner against native async/await, run in
 * one process so the ratios compare like with like:
 *
 * - switch: 1,000 tasks × 1,000 `yield* sleep(0)` (ns per task switch),
 *   against 1,000 async functions × 1,000 `await null`;
 * - spawn: 100,000 tasks then `gather` (µs per task), against 100,000 async
 *   calls then `Promise.all`; then with eager tasks (`eagerTaskFactory`:
 *   tasks run their first step at once, as async functions do); then in ten
 *   bursts of 10,000, each its own `run` (small enough for V8's young
 *   generation);
 * - timers: 10,000 tasks sleeping 0–20 ms (one host timer in all), against
 *   10,000 `setTimeout` promises;
 * - memory: heap bytes per pending task (100,000 tasks waiting on one
 *   future), against async functions waiting on one promise (needs
 *   `--v8-flags=--expose-gc`).
 *
 * Each side of a workload runs `--reps` times (default 15) in blocks of 3
 * consecutive repetitions, each block after one unmeasured repetition, the
 * blocks of the two sides alternating. The table gives the medians, their
 * ratio, and the ratio of the two fastest repetitions (the least disturbed
 * on a shared machine). A block lets
 * each side run in its own steady state, heap included, while alternating
 * spreads the machine's drift over both. `--mode=interleave` alternates
 * single repetitions instead (the sides then pay for part of each other's
 * garbage collection); `--mode=gc-each` also collects the heap before each
 * one (which shrinks V8's young generation and so penalises the side that
 * allocates more).
 *
 * After the table, `spawn floor` rows time the same 100,000 spawns without
 * any loop: bare generators, then generators each held by a plain object of
 * the size of a Task. They show where the spawn ratio comes from (see the
 * README's performance section).
 *
 * Run: `deno task bench` (or `deno run scripts/bench.ts`); `--only=NAME`
 * runs the rows whose name starts with NAME. `deno task bench:node` and
 * `deno task bench:bun` run the same script, bundled, on Node and on Bun
 * (against the npm build's sources: the bundle inlines them).
 *
 * @module
 */

import {
  type Coroutine,
  createTask,
  eagerTaskFactory,
  type Future,
  gather,
  getRunningLoop,
  run,
  sleep,
} from "../mod.ts";

// The same script runs on Node and Bun, bundled (`deno task bench:node`,
// `deno task bench:bun`): the few host APIs it needs are looked up here.
interface Host {
  Deno?: {
    args: string[];
    version: { deno: string };
    memoryUsage(): { heapUsed: number };
  };
  Bun?: { version: string; gc(force: boolean): void };
  process?: {
    argv: string[];
    versions: { node: string };
    memoryUsage(): { heapUsed: number };
  };
  gc?: () => void;
}
const host = globalThis as unknown as Host;
const argv = host.Deno?.args ?? host.process!.argv.slice(2);
const runtime = host.Deno
  ? `Deno ${host.Deno.version.deno}`
  : host.Bun
  ? `Bun ${host.Bun.version}`
  : `Node ${host.process!.versions.node}`;
const heapUsed = (): number =>
  (host.Deno ?? host.process!).memoryUsage().heapUsed;

const args = new Map<string, string>();
for (const a of argv) {
  const [k, v] = a.replace(/^--/, "").split("=");
  args.set(k, v ?? "true");
}
const REPS = Number(args.get("reps") ?? 15);
const BLOCK = 3;
const SWITCH_TASKS = 1_000;
const SWITCH_STEPS = 1_000;
const SPAWN = 100_000;
const SMALL_BURST = 10_000;
const TIMERS = 10_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const bun = host.Bun;
const gc = host.gc ?? (bun ? () => bun.gc(true) : undefined);
const MODE = args.get("mode") ?? "blocks";
if (!["blocks", "interleave", "gc-each"].includes(MODE)) {
  throw new Error(
    `--mode must be blocks, interleave or gc-each, got ${MODE}`,
  );
}
if (MODE === "gc-each" && typeof gc !== "function") {
  throw new Error("--mode=gc-each needs --v8-flags=--expose-gc");
}

async function measure(fn: () => Promise<void> | void): Promise<number> {
  if (MODE === "gc-each") gc!();
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

type Workload = () => Promise<void> | void;

/** Times both sides as `--mode` says; returns both sets of times (ms). */
async function sideBySide(
  ours: Workload,
  native: Workload,
): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  if (MODE === "blocks") {
    while (a.length < REPS) {
      for (const [fn, out] of [[ours, a], [native, b]] as const) {
        await fn(); // settle into this side's steady state
        for (let i = 0; i < BLOCK && out.length < REPS; i++) {
          out.push(await measure(fn));
        }
      }
    }
  } else {
    await ours();
    await native();
    for (let i = 0; i < REPS; i++) {
      a.push(await measure(ours));
      b.push(await measure(native));
    }
  }
  return [a, b];
}

/**
 * Prints a table row: the medians and their ratio, and the ratio of the
 * fastest repetitions (the least disturbed by a shared machine).
 */
function printRow(
  name: string,
  unit: string,
  per: number,
  [a, b]: [number[], number[]],
): void {
  const ma = median(a) * per;
  const mb = median(b) * per;
  const fastest = Math.min(...a) / Math.min(...b);
  console.log(
    `| ${name} | ${ma.toFixed(2)} ${unit} | ${mb.toFixed(2)} ${unit} | ${
      (ma / mb).toFixed(2)
    }× | ${fastest.toFixed(2)}× |`,
  );
}

function* switcher(): Coroutine<void> {
  for (let j = 0; j < SWITCH_STEPS; j++) yield* sleep(0);
}

async function runnerSwitch(): Promise<void> {
  await run((function* () {
    const tasks = [];
    for (let i = 0; i < SWITCH_TASKS; i++) tasks.push(createTask(switcher()));
    yield* gather(tasks);
  })());
}

async function nativeSwitch(): Promise<void> {
  const ps = [];
  for (let i = 0; i < SWITCH_TASKS; i++) {
    ps.push((async () => {
      for (let j = 0; j < SWITCH_STEPS; j++) await null;
    })());
  }
  await Promise.all(ps);
}

// deno-lint-ignore require-yield
function* leaf(i: number): Coroutine<number> {
  return i;
}

async function runnerSpawnBurst(n: number): Promise<void> {
  await run((function* () {
    const tasks = new Array(n);
    for (let i = 0; i < n; i++) tasks[i] = createTask(leaf(i));
    yield* gather(tasks);
  })());
}

// deno-lint-ignore require-await
const leafAsync = async (i: number) => i;

async function nativeSpawnBurst(n: number): Promise<void> {
  const ps = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = leafAsync(i);
  await Promise.all(ps);
}

const runnerSpawn = () => runnerSpawnBurst(SPAWN);

/** runnerSpawn with eager tasks: each runs its first step in createTask. */
async function runnerSpawnEager(): Promise<void> {
  await run((function* () {
    getRunningLoop().setTaskFactory(eagerTaskFactory);
    const tasks = new Array(SPAWN);
    for (let i = 0; i < SPAWN; i++) tasks[i] = createTask(leaf(i));
    yield* gather(tasks);
  })());
}
const nativeSpawn = () => nativeSpawnBurst(SPAWN);

/** SPAWN tasks in bursts of SMALL_BURST, each burst its own `run`. */
async function runnerSpawnSmall(): Promise<void> {
  for (let b = 0; b < SPAWN / SMALL_BURST; b++) {
    await runnerSpawnBurst(SMALL_BURST);
  }
}

async function nativeSpawnSmall(): Promise<void> {
  for (let b = 0; b < SPAWN / SMALL_BURST; b++) {
    await nativeSpawnBurst(SMALL_BURST);
  }
}

async function runnerTimers(): Promise<void> {
  await run((function* () {
    const tasks = new Array(TIMERS);
    for (let i = 0; i < TIMERS; i++) tasks[i] = createTask(sleep(i % 21));
    yield* gather(tasks);
  })());
}

async function nativeTimers(): Promise<void> {
  const ps = new Array(TIMERS);
  for (let i = 0; i < TIMERS; i++) {
    ps[i] = new Promise<void>((r) => setTimeout(r, i % 21));
  }
  await Promise.all(ps);
}

const PENDING = 100_000;

// Declared once, as a program would: a function expression per task would
// also measure a new function, prototype and maps per task.
function* waitOn(f: Future<void>): Coroutine<void> {
  yield* f;
}

async function waitOnAsync(p: Promise<void>): Promise<void> {
  await p;
}

/** Heap bytes per pending task: 100k tasks all waiting on one future. */
async function runnerPendingBytes(): Promise<number> {
  let bytes = 0;
  await run((function* () {
    const loop = getRunningLoop();
    const never = loop.createFuture<void>();
    gc!();
    const before = heapUsed();
    const tasks = new Array(PENDING);
    for (let i = 0; i < PENDING; i++) tasks[i] = createTask(waitOn(never));
    yield* sleep(0); // every task has run its first step and now waits
    gc!();
    bytes = (heapUsed() - before) / PENDING;
    never.cancel();
    yield* gather(tasks, { returnExceptions: true });
  })());
  return bytes;
}

/** The same with native async functions waiting on one promise. */
async function nativePendingBytes(): Promise<number> {
  let release!: () => void;
  const never = new Promise<void>((r) => release = r);
  gc!();
  const before = heapUsed();
  const ps = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) ps[i] = waitOnAsync(never);
  await null;
  gc!();
  const bytes = (heapUsed() - before) / PENDING;
  release();
  await Promise.all(ps);
  return bytes;
}

interface Row {
  name: string;
  unit: string;
  per: number;
  ours: () => Promise<void>;
  native: () => Promise<void>;
}

const rows: Row[] = [
  {
    name: "switch (1k tasks × 1k sleep(0))",
    unit: "ns/switch",
    per: 1e6 / (SWITCH_TASKS * SWITCH_STEPS),
    ours: runnerSwitch,
    native: nativeSwitch,
  },
  {
    name: "spawn (100k tasks + gather)",
    unit: "µs/task",
    per: 1e3 / SPAWN,
    ours: runnerSpawn,
    native: nativeSpawn,
  },
  {
    name: "spawn eager (100k, eagerTaskFactory)",
    unit: "µs/task",
    per: 1e3 / SPAWN,
    ours: runnerSpawnEager,
    native: nativeSpawn,
  },
  {
    name: "spawn (10 × 10k tasks + gather)",
    unit: "µs/task",
    per: 1e3 / SPAWN,
    ours: runnerSpawnSmall,
    native: nativeSpawnSmall,
  },
  {
    name: "timers (10k sleeps 0–20 ms)",
    unit: "ms total",
    per: 1,
    ours: runnerTimers,
    native: nativeTimers,
  },
];

const only = args.get("only");
console.log(
  `@x/runner benchmark on ${runtime}, ${REPS} reps, median, ${
    MODE === "blocks" ? `blocks of ${BLOCK}` : MODE
  }`,
);
console.log(
  "| workload | @x/runner | native | ratio | ratio of fastest |\n| --- | --- | --- | --- | --- |",
);
for (const row of rows) {
  if (only && !row.name.startsWith(only)) continue;
  printRow(row.name, row.unit, row.per, await sideBySide(row.ours, row.native));
}
if (!only || "memory".startsWith(only)) {
  if (typeof gc === "function") {
    const a = await runnerPendingBytes();
    const b = await nativePendingBytes();
    console.log(
      `| memory (100k pending tasks) | ${a.toFixed(0)} B/task | ${
        b.toFixed(0)
      } B/task | ${(a / b).toFixed(2)}× | – |`,
    );
  } else {
    console.log(
      "(memory row skipped: run with --v8-flags=--expose-gc, as `deno task bench` does)",
    );
  }
}

/** A plain object with a Task's field count (12), for the floor rows. */
class TaskSized {
  a: unknown;
  b: unknown = null;
  c: unknown = null;
  d: unknown = null;
  e: unknown = null;
  f: unknown = null;
  g: unknown = null;
  h: unknown = null;
  i: unknown = null;
  j: unknown = null;
  k = 0;
  l: unknown = null;
  constructor(a: unknown) {
    this.a = a;
  }
}

/** 100k generators made, then each stepped once: no task, no loop. */
function floorGenerators(): void {
  const gens = new Array(SPAWN);
  for (let i = 0; i < SPAWN; i++) gens[i] = leaf(i);
  for (let i = 0; i < SPAWN; i++) gens[i].next();
}

/** The same, each generator held by a Task-sized object. */
function floorWithRecords(): void {
  const recs = new Array(SPAWN);
  for (let i = 0; i < SPAWN; i++) recs[i] = new TaskSized(leaf(i));
  for (let i = 0; i < SPAWN; i++) {
    const r = recs[i];
    r.c = (r.a as Coroutine<number>).next().value;
    r.k = 2;
  }
}

if (!only || "spawn floor".startsWith(only) || only.startsWith("spawn")) {
  const floors: [string, () => void][] = [
    ["spawn floor: generators only, no loop", floorGenerators],
    [
      "spawn floor: generators + Task-sized objects",
      floorWithRecords,
    ],
  ];
  for (const [name, fn] of floors) {
    printRow(name, "µs/task", 1e3 / SPAWN, await sideBySide(fn, nativeSpawn));
  }
}
