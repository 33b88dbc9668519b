/**
 * Side-by-side benchmark of @x/runner against native async/await, run in
 * one process so the ratios compare like with like:
 *
 * - switch: 1,000 tasks × 1,000 `yield* sleep(0)` (ns per task switch),
 *   against 1,000 async functions × 1,000 `await null`;
 * - spawn: 100,000 tasks then `gather` (µs per task), against 100,000 async
 *   calls then `Promise.all`;
 * - timers: 10,000 tasks sleeping 0–20 ms (one host timer in all), against
 *   10,000 `setTimeout` promises.
 *
 * Each workload runs `--reps` times (default 7) after a warm-up; the median
 * is reported. Run: `deno task bench` (or `deno run scripts/bench.ts`).
 *
 * @module
 */

import { createTask, gather, run, sleep } from "../mod.ts";

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
