/**
 * A short tour of @x/runner: a Runner with several tasks, a cancellation
 * whose cleanup runs in `finally`, a context variable that follows its task,
 * and concurrent sleeps that take as long as the longest one, not the sum.
 *
 * Run it with `npx -y deno@2.9.6 task demo`.
 *
 * @module
 */

import {
  CancelledError,
  ContextVar,
  createTask,
  currentTask,
  gather,
  Runner,
  sleep,
} from "../mod.ts";

const requestId = new ContextVar<string>("requestId", { default: "-" });

function log(msg: string): void {
  const task = currentTask()?.getName() ?? "-";
  console.log(
    `[${task.padEnd(8)} request=${requestId.get().padEnd(3)}] ${msg}`,
  );
}

/** A worker: sets its own request id, sleeps, reports. */
function* worker(id: string, ms: number) {
  requestId.set(id); // visible to this task only
  log(`start, will take ${ms} ms`);
  yield* sleep(ms);
  log("done");
  return `${id}:${ms}`;
}

/** A task that runs until cancelled, then cleans up (with a yield*). */
function* poller() {
  requestId.set("pol");
  let polls = 0;
  try {
    for (;;) {
      yield* sleep(25);
      polls++;
    }
  } finally {
    log(`cancelled after ${polls} polls; cleaning up...`);
    yield* sleep(5); // cleanup may itself wait: cancellation is not return()
    log("cleanup finished");
  }
}

function* main() {
  log("main starts three workers and a poller");
  const t0 = performance.now();
  const workers = [
    createTask(worker("a", 120), { name: "worker-a" }),
    createTask(worker("b", 80), { name: "worker-b" }),
    createTask(worker("c", 40), { name: "worker-c" }),
  ];
  const pol = createTask(poller(), { name: "poller" });

  const results = yield* gather(workers);
  const elapsed = performance.now() - t0;
  log(`results ${JSON.stringify(results)} in ${elapsed.toFixed(0)} ms`);
  log("(120 + 80 + 40 = 240 ms of sleeping, done concurrently)");

  pol.cancel("demo over");
  try {
    yield* pol;
  } catch (e) {
    if (e instanceof CancelledError) {
      log(`poller ended: CancelledError("${e.message}")`);
    } else throw e;
  }
  log(`main's own request id is still "${requestId.get()}"`);
  return results.length;
}

await using runner = new Runner();
const n = await runner.run(main());
console.log(`runner.run() returned ${n}`);
