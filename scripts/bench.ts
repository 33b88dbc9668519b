/**
 * Side-by-side benchmark of @x/runner against native async/await. The
 * workloads of issue 13:
 *
 * - W1 spawn: 100,000 tasks that return at once, then `gather` (µs per
 *   task), against 100,000 async calls then `Promise.all`;
 * - W2 switch: 1,000 tasks × 1,000 `yield* sleep(0)` (ns per switch),
 *   against 1,000 async functions × 1,000 `await null`;
 * - W3 queue ping-pong: two tasks passing a value back and forth through
 *   two `Queue(1)`, 200,000 hops (ns per hop), against the same through a
 *   hand-written native one-slot channel;
 * - W4 timers: 100,000 tasks sleeping 0–50 ms (one host timer in all), the
 *   wall time minus 50 ms, against 100,000 `setTimeout` promises;
 * - W5 memory: heap bytes per pending task (100,000 tasks waiting on one
 *   future), against async functions waiting on one promise (needs
 *   `--expose-gc`); with the bytes per created, not yet started task, and
 *   the same made from a `function*` expression per task (what that costs
 *   any library: a new function and prototype per call).
 *
 * Two modes:
 *
 * - warm (`deno task bench`): both sides in one process. Each side runs
 *   `--reps` times (default 15) in blocks of 3 repetitions, each block after
 *   one unmeasured repetition, the blocks of the two sides alternating. The
 *   table gives the medians, their ratio, and the ratio of the two fastest
 *   repetitions. `--mode=interleave` alternates single repetitions instead;
 *   `--mode=gc-each` also collects the heap before each one.
 * - cold (`deno task bench:cold`, or `--cold`): every workload runs once
 *   in its own fresh process for each side (the way a one-shot program
 *   meets it), the two sides' processes interleaved (their order swapping
 *   every round), for `--rounds` rounds (default 7, at least 5). The table
 *   gives the medians of each side, their ratio, and the range of the
 *   per-round ratios.
 *
 * The floor rows measure what V8 itself costs for the same allocations, with
 * no loop: `W1 floor` times 100k generators (alone, then each held by an
 * object with a Task's field count) against native spawn; `W4 floor` times
 * 100k Task-sized objects holding timer-sized ones through one binary heap
 * against native timers; `W2 floor` resumes W2's 1000 generators in turn
 * from a bare loop, each `yield*`-ing a shared bare-yield iterator as
 * `sleep(0)` does, against native switches; the last `W5` row sets a created
 * task's bytes against that generator-plus-object.
 *
 * `--only=NAME` runs the rows whose name starts with NAME (`W3`, say).
 * `deno task bench:node` and `deno task bench:bun` run the same script,
 * bundled, on Node and on Bun (add `--cold` for the fresh-process mode).
 *
 * @module
 */

import { spawnSync } from "node:child_process";
import {
  type Coroutine,
  createTask,
  eagerTaskFactory,
  type Future,
  gather,
  getRunningLoop,
  Queue,
  run,
  sleep,
} from "../mod.ts";
import { type TimerEntry, TimerHeap } from "../_timer_heap.ts";

// The same script runs on Node and Bun, bundled (`deno task bench:node`,
// `deno task bench:bun`): the few host APIs it needs are looked up here.
interface Host {
  Deno?: {
    args: string[];
    version: { deno: string };
    execPath(): string;
    memoryUsage(): { heapUsed: number };
  };
  Bun?: { version: string; gc(force: boolean): void };
  process?: {
    argv: string[];
    execPath: string;
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
const ROUNDS = Math.max(5, Number(args.get("rounds") ?? 7));
const BLOCK = 3;
const SWITCH_TASKS = 1_000;
const SWITCH_STEPS = 1_000;
const SPAWN = 100_000;
const SMALL_BURST = 10_000;
const HOPS = 200_000;
const TIMERS = 100_000;
const MAX_SLEEP = 50;
const PENDING = 100_000;

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

/** One run of one side of a workload: its figure, in the row's unit. */
type Workload = () => Promise<number> | number;

/** Times `fn`: milliseconds. */
async function timed(fn: () => Promise<void> | void): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

// W2 switch.

function* switcher(): Coroutine<void> {
  for (let j = 0; j < SWITCH_STEPS; j++) yield* sleep(0);
}

function* switchMain(): Coroutine<void> {
  const tasks = [];
  for (let i = 0; i < SWITCH_TASKS; i++) tasks.push(createTask(switcher()));
  yield* gather(tasks);
}

async function switchAsync(): Promise<void> {
  for (let j = 0; j < SWITCH_STEPS; j++) await null;
}

async function nativeSwitch(): Promise<void> {
  const ps = [];
  for (let i = 0; i < SWITCH_TASKS; i++) ps.push(switchAsync());
  await Promise.all(ps);
}

// W1 spawn.

// deno-lint-ignore require-yield
function* leaf(i: number): Coroutine<number> {
  return i;
}

function* spawnMain(n: number): Coroutine<void> {
  const tasks = new Array(n);
  for (let i = 0; i < n; i++) tasks[i] = createTask(leaf(i));
  yield* gather(tasks);
}

function* spawnEagerMain(): Coroutine<void> {
  getRunningLoop().setTaskFactory(eagerTaskFactory);
  yield* spawnMain(SPAWN);
}

// deno-lint-ignore require-await
async function leafAsync(i: number): Promise<number> {
  return i;
}

async function nativeSpawnBurst(n: number): Promise<void> {
  const ps = new Array(n);
  for (let i = 0; i < n; i++) ps[i] = leafAsync(i);
  await Promise.all(ps);
}

async function runnerSpawnSmall(): Promise<void> {
  for (let b = 0; b < SPAWN / SMALL_BURST; b++) {
    await run(spawnMain(SMALL_BURST));
  }
}

async function nativeSpawnSmall(): Promise<void> {
  for (let b = 0; b < SPAWN / SMALL_BURST; b++) {
    await nativeSpawnBurst(SMALL_BURST);
  }
}

// W3 queue ping-pong.

function* pinger(
  out: Queue<number>,
  back: Queue<number>,
): Coroutine<void> {
  for (let i = 0; i < HOPS / 2; i++) {
    yield* out.put(i);
    yield* back.get();
  }
}

function* pingPongMain(): Coroutine<void> {
  const a = new Queue<number>(1);
  const b = new Queue<number>(1);
  yield* gather([createTask(pinger(a, b)), createTask(echo(a, b))]);
}

function* echo(
  inq: Queue<number>,
  out: Queue<number>,
): Coroutine<void> {
  for (let i = 0; i < HOPS / 2; i++) yield* out.put(yield* inq.get());
}

/** A hand-written one-slot channel, as native code would write it. */
class Channel<T> {
  value: T | undefined = undefined;
  full = false;
  getter: (() => void) | null = null;
  putter: (() => void) | null = null;

  async put(v: T): Promise<void> {
    while (this.full) {
      await new Promise<void>((r) => this.putter = r);
    }
    this.value = v;
    this.full = true;
    const g = this.getter;
    if (g !== null) {
      this.getter = null;
      g();
    }
  }

  async get(): Promise<T> {
    while (!this.full) {
      await new Promise<void>((r) => this.getter = r);
    }
    const v = this.value as T;
    this.value = undefined;
    this.full = false;
    const p = this.putter;
    if (p !== null) {
      this.putter = null;
      p();
    }
    return v;
  }
}

async function pingAsync(out: Channel<number>, back: Channel<number>) {
  for (let i = 0; i < HOPS / 2; i++) {
    await out.put(i);
    await back.get();
  }
}

async function echoAsync(inq: Channel<number>, out: Channel<number>) {
  for (let i = 0; i < HOPS / 2; i++) await out.put(await inq.get());
}

async function nativePingPong(): Promise<void> {
  const a = new Channel<number>();
  const b = new Channel<number>();
  await Promise.all([pingAsync(a, b), echoAsync(a, b)]);
}

// W4 timers.

function* timersMain(): Coroutine<void> {
  const tasks = new Array(TIMERS);
  for (let i = 0; i < TIMERS; i++) {
    tasks[i] = createTask(sleep(i % (MAX_SLEEP + 1)));
  }
  yield* gather(tasks);
}

async function nativeTimers(): Promise<void> {
  const ps = new Array(TIMERS);
  for (let i = 0; i < TIMERS; i++) {
    ps[i] = new Promise<void>((r) => setTimeout(r, i % (MAX_SLEEP + 1)));
  }
  await Promise.all(ps);
}

// W5 memory.

// Declared once, as a program would: a function expression per task would
// also measure a new function, prototype and maps per task.
function* waitOn(f: Future<void>): Coroutine<void> {
  yield* f;
}

async function waitOnAsync(p: Promise<void>): Promise<void> {
  await p;
}

/**
 * Heap bytes per task: 100k tasks all waiting on one future (`started`),
 * or created and not yet run; `expression` makes each from a `function*`
 * expression, as `createTask((function* () { ... })())` in a loop does.
 */
async function runnerBytes(
  started: boolean,
  expression: boolean,
): Promise<number> {
  let bytes = 0;
  await run((function* () {
    const loop = getRunningLoop();
    const never = loop.createFuture<void>();
    gc!();
    const before = heapUsed();
    const tasks = new Array(PENDING);
    if (expression) {
      for (let i = 0; i < PENDING; i++) {
        tasks[i] = createTask((function* () {
          yield* never;
        })());
      }
    } else {
      for (let i = 0; i < PENDING; i++) tasks[i] = createTask(waitOn(never));
    }
    if (started) yield* sleep(0); // every task has run its first step
    gc!();
    bytes = (heapUsed() - before) / PENDING;
    never.cancel();
    yield* gather(tasks, { returnExceptions: true });
  })());
  return bytes;
}

/** The same with native async functions waiting on one promise. */
async function nativeBytes(expression: boolean): Promise<number> {
  let release!: () => void;
  const never = new Promise<void>((r) => release = r);
  gc!();
  const before = heapUsed();
  const ps = new Array(PENDING);
  if (expression) {
    for (let i = 0; i < PENDING; i++) {
      ps[i] = (async () => {
        await never;
      })();
    }
  } else {
    for (let i = 0; i < PENDING; i++) ps[i] = waitOnAsync(never);
  }
  await null;
  gc!();
  const bytes = (heapUsed() - before) / PENDING;
  release();
  await Promise.all(ps);
  return bytes;
}

// The spawn floor: the same allocations with no loop at all.

/** A plain object with a Task's field count (10), for the floor rows. */
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
  k = 0;
  constructor(a: unknown) {
    this.a = a;
  }
}

const keep: { value: unknown } = { value: null };

/** Heap bytes of a generator held by a Task-sized object, no loop. */
function floorBytes(): number {
  let release!: () => void;
  const never = new Promise<void>((r) => release = r);
  const f = { [Symbol.iterator]: () => never } as unknown as Future<void>;
  gc!();
  const before = heapUsed();
  const recs = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) recs[i] = new TaskSized(waitOn(f));
  keep.value = recs; // live across the collection, even in unoptimized code
  gc!();
  const bytes = (heapUsed() - before) / PENDING;
  keep.value = null;
  release();
  return bytes;
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

/**
 * A plain object with a sleep timer's field count (8), four of them the
 * fields the timer heap reads, for W4's floor.
 */
class TimerSized {
  _when: number;
  _seq: number;
  _scheduled = false;
  _cancelled = false;
  a: unknown = null;
  b: unknown = null;
  c = 0;
  d: unknown = null;
  constructor(when: number, seq: number) {
    this._when = when;
    this._seq = seq;
  }
}

/**
 * The shape of the library's shared `sleep(0)` iterator: one bare yield,
 * then done, whatever it is resumed with.
 */
class BareYieldOnce {
  armed = false;
  next(): IteratorResult<undefined, undefined> {
    if (!this.armed) return FLOOR_DONE;
    this.armed = false;
    return FLOOR_YIELD;
  }
  [Symbol.iterator](): this {
    this.armed = true;
    return this;
  }
}
const FLOOR_DONE: IteratorResult<undefined, undefined> = {
  value: undefined,
  done: true,
};
const FLOOR_YIELD: IteratorResult<undefined, undefined> = {
  value: undefined,
  done: false,
};
const bareYieldOnce = new BareYieldOnce();

function* floorSwitcher(): Generator<undefined, void, unknown> {
  for (let j = 0; j < SWITCH_STEPS; j++) yield* bareYieldOnce;
}

/** W2's floor: the same generators resumed in turn by a bare loop. */
function floorSwitch(): void {
  const gens: (Generator<undefined, void, unknown> | null)[] = [];
  for (let i = 0; i < SWITCH_TASKS; i++) gens.push(floorSwitcher());
  let live = SWITCH_TASKS;
  while (live > 0) {
    for (let i = 0; i < SWITCH_TASKS; i++) {
      const g = gens[i];
      if (g !== null && g.next().done === true) {
        gens[i] = null;
        live--;
      }
    }
  }
}

/**
 * W4's floor: 100k Task-sized objects, each holding a timer-sized object
 * pushed on the loop's own timer heap (`_timer_heap.ts`); after one 50 ms
 * host timer, all popped in order. No loop, no steps: what V8 costs for the
 * allocations and the heap alone.
 */
async function floorTimers(): Promise<void> {
  const recs = new Array(TIMERS);
  const heap = new TimerHeap();
  const now = performance.now();
  for (let i = 0; i < TIMERS; i++) {
    const t = new TimerSized(now + i % (MAX_SLEEP + 1), i);
    recs[i] = new TaskSized(t);
    heap.push(t as unknown as TimerEntry);
  }
  await new Promise((r) => setTimeout(r, MAX_SLEEP));
  while (heap.length > 0) (heap.pop() as unknown as TimerSized).a = recs;
}

interface Row {
  name: string;
  unit: string;
  ours: Workload;
  native: Workload;
  /** Not in the cold table. */
  warmOnly?: boolean;
  /** Needs `gc()`. */
  memory?: boolean;
}

const perSpawn = (ms: number) => ms * 1e3 / SPAWN;

const rows: Row[] = [
  {
    name: "W1 spawn 100k + gather",
    unit: "µs/task",
    ours: async () => perSpawn(await timed(() => run(spawnMain(SPAWN)))),
    native: async () => perSpawn(await timed(() => nativeSpawnBurst(SPAWN))),
  },
  {
    name: "W1 spawn eager (eagerTaskFactory)",
    unit: "µs/task",
    ours: async () => perSpawn(await timed(() => run(spawnEagerMain()))),
    native: async () => perSpawn(await timed(() => nativeSpawnBurst(SPAWN))),
    warmOnly: true,
  },
  {
    name: "W1 spawn 10 × 10k + gather",
    unit: "µs/task",
    ours: async () => perSpawn(await timed(runnerSpawnSmall)),
    native: async () => perSpawn(await timed(nativeSpawnSmall)),
    warmOnly: true,
  },
  {
    name: "W2 switch 1k tasks × 1k sleep(0)",
    unit: "ns/switch",
    ours: async () =>
      await timed(() => run(switchMain())) * 1e6 /
      (SWITCH_TASKS * SWITCH_STEPS),
    native: async () =>
      await timed(nativeSwitch) * 1e6 / (SWITCH_TASKS * SWITCH_STEPS),
  },
  {
    name: "W3 ping-pong 2 × Queue(1), 200k hops",
    unit: "ns/hop",
    ours: async () => await timed(() => run(pingPongMain())) * 1e6 / HOPS,
    native: async () => await timed(nativePingPong) * 1e6 / HOPS,
  },
  {
    name: "W4 100k timers 0–50 ms: wall − 50 ms",
    unit: "ms",
    ours: async () => await timed(() => run(timersMain())) - MAX_SLEEP,
    native: async () => await timed(nativeTimers) - MAX_SLEEP,
  },
  {
    name: "W5 memory: pending task",
    unit: "B/task",
    ours: () => runnerBytes(true, false),
    native: () => nativeBytes(false),
    memory: true,
  },
  {
    name: "W5 memory: created, not started task",
    unit: "B/task",
    ours: () => runnerBytes(false, false),
    native: () => nativeBytes(false),
    memory: true,
  },
  {
    name: "W5 memory: pending, function* expression per task",
    unit: "B/task",
    ours: () => runnerBytes(true, true),
    native: () => nativeBytes(true),
    memory: true,
  },
  {
    name: "W1 floor: generators only, no loop",
    unit: "µs/task",
    ours: async () => perSpawn(await timed(floorGenerators)),
    native: async () => perSpawn(await timed(() => nativeSpawnBurst(SPAWN))),
  },
  {
    name: "W1 floor: generators + Task-sized objects, no loop",
    unit: "µs/task",
    ours: async () => perSpawn(await timed(floorWithRecords)),
    native: async () => perSpawn(await timed(() => nativeSpawnBurst(SPAWN))),
  },
  {
    name: "W2 floor: W2's generators resumed in turn, no loop",
    unit: "ns/switch",
    ours: async () =>
      await timed(floorSwitch) * 1e6 / (SWITCH_TASKS * SWITCH_STEPS),
    native: async () =>
      await timed(nativeSwitch) * 1e6 / (SWITCH_TASKS * SWITCH_STEPS),
  },
  {
    name:
      "W4 floor: Task-sized + timer-sized objects through one heap, no loop",
    unit: "ms",
    ours: async () => await timed(floorTimers) - MAX_SLEEP,
    native: async () => await timed(nativeTimers) - MAX_SLEEP,
  },
  {
    // The "native" column here is V8's own cost for what a created task
    // must hold: its generator and a Task-sized object, no loop.
    name: "W5 created task vs its V8 floor (generator + Task-sized object)",
    unit: "B/task",
    ours: () => runnerBytes(false, false),
    native: floorBytes,
    memory: true,
  },
];

/** Runs both sides as `--mode` says; returns both sets of figures. */
async function sideBySide(row: Row): Promise<[number[], number[]]> {
  const a: number[] = [];
  const b: number[] = [];
  const one = (fn: Workload) => {
    if (MODE === "gc-each") gc!();
    return fn();
  };
  if (row.memory) {
    // Deterministic enough: three of each, alternating.
    for (let i = 0; i < 3; i++) {
      a.push(await row.ours());
      b.push(await row.native());
    }
  } else if (MODE === "blocks") {
    while (a.length < REPS) {
      for (const [fn, out] of [[row.ours, a], [row.native, b]] as const) {
        await fn(); // settle into this side's steady state
        for (let i = 0; i < BLOCK && out.length < REPS; i++) {
          out.push(await one(fn));
        }
      }
    }
  } else {
    await row.ours();
    await row.native();
    for (let i = 0; i < REPS; i++) {
      a.push(await one(row.ours));
      b.push(await one(row.native));
    }
  }
  return [a, b];
}

const fmt = (x: number) =>
  Math.abs(x) >= 100
    ? x.toFixed(0)
    : Math.abs(x) >= 10
    ? x.toFixed(1)
    : x.toFixed(2);

const only = args.get("only");
const selected = rows.filter((r) =>
  (!only || r.name.startsWith(only)) &&
  (!r.memory || typeof gc === "function")
);

/** Where this script is, and how to start it again in a fresh process. */
function childCommand(): [string, string[]] {
  const script = new URL(import.meta.url).pathname;
  if (host.Deno) {
    return [host.Deno.execPath(), [
      "run",
      "--allow-read",
      "--allow-env",
      "--v8-flags=--expose-gc",
      script,
    ]];
  }
  if (host.Bun) return [host.process!.execPath, [script]];
  return [host.process!.execPath, ["--expose-gc", script]];
}

/** Runs one side of one workload in a fresh process: its figure. */
function runChild(index: number, side: "ours" | "native"): number {
  const [cmd, base] = childCommand();
  const r = spawnSync(cmd, [...base, `--child=${index}`, `--side=${side}`], {
    encoding: "utf8",
  });
  const m = /^RESULT (\S+)$/m.exec(r.stdout ?? "");
  if (r.status !== 0 || m === null) {
    throw new Error(
      `child ${
        rows[index].name
      } (${side}) failed: ${r.status}\n${r.stdout}\n${r.stderr}`,
    );
  }
  return Number(m[1]);
}

const child = args.get("child");
if (child !== undefined) {
  const row = rows[Number(child)];
  const fn = args.get("side") === "native" ? row.native : row.ours;
  console.log(`RESULT ${await fn()}`);
} else if (args.has("cold")) {
  console.log(
    `@x/runner benchmark on ${runtime}, cold: each workload in a fresh process per side, ${ROUNDS} rounds, sides interleaved, medians`,
  );
  console.log(
    "| workload | @x/runner | native | ratio | per-round ratios |\n| --- | --- | --- | --- | --- |",
  );
  for (const row of selected) {
    if (row.warmOnly) continue;
    const index = rows.indexOf(row);
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      // Swap the order every round so that drift falls on both sides.
      if (i % 2 === 0) {
        a.push(runChild(index, "ours"));
        b.push(runChild(index, "native"));
      } else {
        b.push(runChild(index, "native"));
        a.push(runChild(index, "ours"));
      }
    }
    const ratios = a.map((x, i) => x / b[i]);
    const ma = median(a);
    const mb = median(b);
    console.log(
      `| ${row.name} | ${fmt(ma)} ${row.unit} | ${fmt(mb)} ${row.unit} | ${
        (ma / mb).toFixed(2)
      }× | ${Math.min(...ratios).toFixed(2)}–${
        Math.max(...ratios).toFixed(2)
      }× |`,
    );
  }
} else {
  console.log(
    `@x/runner benchmark on ${runtime}, warm, ${REPS} reps, median, ${
      MODE === "blocks" ? `blocks of ${BLOCK}` : MODE
    }`,
  );
  console.log(
    "| workload | @x/runner | native | ratio | ratio of fastest |\n| --- | --- | --- | --- | --- |",
  );
  for (const row of selected) {
    const [a, b] = await sideBySide(row);
    const ma = median(a);
    const mb = median(b);
    console.log(
      `| ${row.name} | ${fmt(ma)} ${row.unit} | ${fmt(mb)} ${row.unit} | ${
        (ma / mb).toFixed(2)
      }× | ${
        row.memory ? "–" : (Math.min(...a) / Math.min(...b)).toFixed(2) + "×"
      } |`,
    );
  }
  if (typeof gc !== "function") {
    console.log(
      "(memory rows skipped: run with --v8-flags=--expose-gc, as `deno task bench` does)",
    );
  }
}
