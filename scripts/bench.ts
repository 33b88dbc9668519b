/**
 * Side-by-side benchmark of @x/runner against native async/await, run in
 * one process so the ratios compare like with like:
 *
 * - switch: 1,000 tasks × 1,000 `yield* sleep(0)` (ns per task switch),
 *   against 1,000 async functions × 1,000 `await null`;
 * - spawn: 100,000 tasks then `gather` (µs per task), against 100,000 async
 *   calls then `Promise.all`;
 * - timers: 10,000 tasks sleeping 0–20 ms (one host timer in all), against
 *   10,000 `setTimeout` promises;
 * - memory: heap bytes per pending task (100,000 tasks waiting on one
 *   future), against async functions waiting on one promise (needs
 *   `--v8-flags=--expose-gc`).
 *
 * Each workload runs `--reps` times (default 7) after a warm-up; the median
 * is reported. Run: `deno task bench` (or `deno run scripts/bench.ts`).
 *
 * @module
 */

import { createTask, gather, getRunningLoop, run, sleep } from "../mod.ts";

const args = new Map<string, string>();
for (const a of Deno.args) {
  const [k, v] = a.replace(/^--/, "").split("=");
  args.set(k, v ?? "true");
}
const REPS = Number(args.get("reps") ?? 7);
const SWITCH_TASKS = 1_000;
const SWITCH_STEPS = 1_000;
const SPAWN = 100_000;
const TIMERS = 10_000;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measure(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function* switcher(): Generator<unknown, void, unknown> {
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
function* leaf(i: number): Generator<unknown, number, unknown> {
  return i;
}

async function runnerSpawn(): Promise<void> {
  await run((function* () {
    const tasks = new Array(SPAWN);
    for (let i = 0; i < SPAWN; i++) tasks[i] = createTask(leaf(i));
    yield* gather(tasks);
  })());
}

async function nativeSpawn(): Promise<void> {
  // deno-lint-ignore require-await
  const leafAsync = async (i: number) => i;
  const ps = new Array(SPAWN);
  for (let i = 0; i < SPAWN; i++) ps[i] = leafAsync(i);
  await Promise.all(ps);
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
const gc = (globalThis as { gc?: () => void }).gc;

/** Heap bytes per pending task: 100k tasks all waiting on one future. */
async function runnerPendingBytes(): Promise<number> {
  let bytes = 0;
  await run((function* () {
    const loop = getRunningLoop();
    const never = loop.createFuture<void>();
    gc!();
    const before = Deno.memoryUsage().heapUsed;
    const tasks = new Array(PENDING);
    for (let i = 0; i < PENDING; i++) {
      tasks[i] = createTask((function* () {
        yield* never;
      })());
    }
    yield* sleep(0); // every task has run its first step and now waits
    gc!();
    bytes = (Deno.memoryUsage().heapUsed - before) / PENDING;
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
  const before = Deno.memoryUsage().heapUsed;
  const ps = new Array(PENDING);
  for (let i = 0; i < PENDING; i++) ps[i] = (async () => await never)();
  await null;
  gc!();
  const bytes = (Deno.memoryUsage().heapUsed - before) / PENDING;
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
    name: "timers (10k sleeps 0–20 ms)",
    unit: "ms total",
    per: 1,
    ours: runnerTimers,
    native: nativeTimers,
  },
];

const only = args.get("only");
console.log(
  `@x/runner benchmark on ${navigator.userAgent}, ${REPS} reps, median`,
);
console.log(
  "| workload | @x/runner | native | ratio |\n| --- | --- | --- | --- |",
);
for (const row of rows) {
  if (only && !row.name.startsWith(only)) continue;
  await row.ours();
  await row.native();
  const ours: number[] = [];
  const native: number[] = [];
  for (let i = 0; i < REPS; i++) {
    // Interleave so machine noise hits both sides alike.
    ours.push(await measure(row.ours));
    native.push(await measure(row.native));
  }
  const a = median(ours) * row.per;
  const b = median(native) * row.per;
  console.log(
    `| ${row.name} | ${a.toFixed(2)} ${row.unit} | ${
      b.toFixed(2)
    } ${row.unit} | ${(a / b).toFixed(2)}× |`,
  );
}
if (!only || "memory".startsWith(only)) {
  if (typeof gc === "function") {
    const a = await runnerPendingBytes();
    const b = await nativePendingBytes();
    console.log(
      `| memory (100k pending tasks) | ${a.toFixed(0)} B/task | ${
        b.toFixed(0)
      } B/task | ${(a / b).toFixed(2)}× |`,
    );
  } else {
    console.log(
      "(memory row skipped: run with --v8-flags=--expose-gc, as `deno task bench` does)",
    );
  }
}
