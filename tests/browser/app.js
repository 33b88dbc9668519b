// A Runner program for the browser check (scripts/browser_check.mjs): tasks, a
// cancellation, a context variable and timers, on the built npm package. The
// outcome goes into #result (data-status="done" | "error") for the test to read.
import {
  CancelledError,
  ContextVar,
  createTask,
  gather,
  getRunningLoop,
  Runner,
  sleep,
} from "@x/runner";

const out = document.getElementById("result");
const log = [];
const user = new ContextVar("user", { default: "nobody" });

function* worker(name, ms) {
  user.set(name); // seen only in this task's context copy
  yield* sleep(ms);
  log.push(`${name}:${user.get()}`);
  return name.toUpperCase();
}

function* sleeper() {
  try {
    yield* sleep(60_000);
    return "not cancelled";
  } catch (err) {
    if (err instanceof CancelledError) log.push(`cancelled:${err.message}`);
    throw err;
  }
}

function* main() {
  const loop = getRunningLoop();
  const start = loop.time();
  const a = createTask(worker("a", 20), { name: "a" });
  const b = createTask(worker("b", 5), { name: "b" });
  const s = createTask(sleeper(), { name: "sleeper" });
  yield* sleep(0); // one iteration: every task is now suspended in its sleep
  s.cancel("stop"); // delivered next iteration, before any timer is due
  const names = yield* gather([a, b]);
  let cancelled = false;
  try {
    yield* s;
  } catch (err) {
    cancelled = err instanceof CancelledError;
  }
  let timer = "";
  const fut = loop.createFuture();
  loop.callLater(3, () => {
    timer = "fired";
    fut.setResult(user.get());
  });
  const seenByTimer = yield* fut;
  return {
    names,
    cancelled,
    timer,
    seenByTimer,
    outer: user.get(),
    waited: loop.time() - start >= 20,
    log,
  };
}

try {
  const runner = new Runner();
  let result;
  try {
    result = await runner.run(main());
  } finally {
    await runner.close();
  }
  out.textContent = JSON.stringify(result);
  out.dataset.status = "done";
} catch (err) {
  out.textContent = String(err && err.stack || err);
  out.dataset.status = "error";
}
