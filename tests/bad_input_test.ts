// Every export of mod.ts, and every public method of its classes, called with
// bad arguments (issue 9 §3). Each probe must throw (or reject with) the
// expected error class, whose message names the function and the parameter;
// no probe may hang (each is bounded) or crash the host (an uncaught error in
// a host timer or promise). The completeness test fails when an export or a
// method has neither a probe nor a stated reason for having none.

import assert from "node:assert/strict";
import * as mod from "../mod.ts";
import {
  Barrier,
  BoundedSemaphore,
  Condition,
  Context,
  ContextVar,
  CoroStart,
  type Coroutine,
  EventLoop,
  Future,
  GeneratorObject,
  GeneratorObjectIterator,
  type Handle,
  LifoQueue,
  Monitor,
  MonitorAwaitable,
  PriorityQueue,
  Queue,
  Runner,
  Semaphore,
  sleep,
  Task,
  TaskGroup,
  Timeout,
} from "../mod.ts";

// ---- the harness --------------------------------------------------------------

/** What a probe can use: valid values of every kind, on a fresh loop. */
interface Env {
  loop: EventLoop;
  /** A fresh coroutine that finishes at once. */
  coro(): Coroutine<unknown>;
  /** A pending task of `loop` (it sleeps). */
  task: Task<unknown>;
  /** A pending future of `loop`. */
  fut: Future<unknown>;
  /** A handle in `loop`'s ready queue. */
  handle: Handle;
  /** Another loop, closed. */
  closed: EventLoop;
}

type ErrorClass = typeof TypeError | typeof RangeError | typeof Error;

interface Probe {
  /** `sleep`, `new Queue`, `EventLoop.callSoon`: what it calls (see `covered`). */
  key: string;
  call(env: Env): unknown;
  error: ErrorClass;
  /** The message must contain `${fn}(`. */
  fn: string;
  /** The message must contain this (the parameter), unless `null`. */
  param: string | null;
  /**
   * Where the call runs: in a task of the running loop (default), or
   * outside any loop ("outside": functions that return a promise and must
   * be called with no loop running).
   */
  where?: "task" | "outside";
  /** The call returns a coroutine that must throw when driven (`yield*`). */
  drive?: boolean;
}

const BOUND_MS = 2000;

/** Settles like `p`, or rejects after BOUND_MS: a hang is a failure. */
async function bounded<T>(p: PromiseLike<T>, what: string): Promise<T> {
  let id: ReturnType<typeof setTimeout> | undefined;
  const timer = new Promise<never>((_, reject) => {
    id = setTimeout(
      () => reject(new Error(`${what}: hung (no outcome in ${BOUND_MS} ms)`)),
      BOUND_MS,
    );
  });
  try {
    return await Promise.race([p, timer]);
  } finally {
    clearTimeout(id);
  }
}

// Host crashes: uncaught errors and unhandled rejections, caught here so that
// a probe that would end the process fails its test instead.
const crashes: unknown[] = [];
{
  const g = globalThis as unknown as {
    Deno?: unknown;
    addEventListener?(t: string, f: (e: Event) => void): void;
    process?: { on?(t: string, f: (e: unknown) => void): void };
  };
  if (g.Deno !== undefined && typeof g.addEventListener === "function") {
    g.addEventListener("error", (e) => {
      e.preventDefault();
      crashes.push((e as ErrorEvent).error);
    });
    g.addEventListener("unhandledrejection", (e) => {
      e.preventDefault();
      crashes.push((e as PromiseRejectionEvent).reason);
    });
  } else if (typeof g.process?.on === "function") {
    g.process.on("uncaughtException", (e) => crashes.push(e));
    g.process.on("unhandledRejection", (e) => crashes.push(e));
  }
}

function hostTurn(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function noop(): void {}

function* nothing(): Coroutine<void> {}

function makeEnv(loop: EventLoop): Env {
  const closed = new EventLoop();
  closed.close();
  return {
    loop,
    coro: () => nothing(),
    task: loop.createTask(sleep(10_000), { name: "env-task" }),
    fut: loop.createFuture(),
    handle: loop.callSoon(noop),
    closed,
  };
}

function cleanup(env: Env): void {
  env.task.cancel();
  env.handle.cancel();
}

type Outcome = { threw: true; error: unknown } | {
  threw: false;
  value: unknown;
};

function attempt(f: () => unknown): Outcome {
  try {
    return { threw: false, value: f() };
  } catch (error) {
    return { threw: true, error };
  }
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return x !== null && (typeof x === "object" || typeof x === "function") &&
    typeof (x as PromiseLike<unknown>).then === "function";
}

function isCoroutineLike(x: unknown): x is Coroutine<unknown> {
  return x !== null && typeof x === "object" &&
    typeof (x as Coroutine<unknown>).next === "function" &&
    typeof (x as Coroutine<unknown>).throw === "function";
}

async function runProbe(p: Probe): Promise<void> {
  const loop = new EventLoop();
  const env = makeEnv(loop);
  const crashesBefore = crashes.length;
  try {
    let outcome: Outcome;
    if (p.where === "outside") {
      outcome = attempt(() => p.call(env));
    } else {
      outcome = await bounded(
        loop.runUntilComplete((function* (): Coroutine<Outcome> {
          const o = attempt(() => p.call(env));
          if (!p.drive || o.threw) return o;
          try {
            return {
              threw: false,
              value: yield* o.value as Coroutine<unknown>,
            };
          } catch (error) {
            return { threw: true, error };
          }
        })()),
        p.key,
      );
    }
    if (!outcome.threw && isThenable(outcome.value)) {
      // A promise-returning function may reject instead of throwing.
      const value = outcome.value;
      outcome = await bounded(
        Promise.resolve(value).then(
          (v): Outcome => ({ threw: false, value: v }),
          (error): Outcome => ({ threw: true, error }),
        ),
        p.key,
      );
    }
    if (!outcome.threw) {
      assert.fail(
        `${p.key}: no error${
          isCoroutineLike(outcome.value)
            ? " at the call (it returned a coroutine: the check must run before the first step)"
            : `; it returned ${String(outcome.value)}`
        }`,
      );
    }
    const e = outcome.error;
    assert.ok(
      e instanceof p.error,
      `${p.key}: expected a ${p.error.name}, got ${
        e instanceof Error ? `${e.name}: ${e.message}` : String(e)
      }`,
    );
    const message = (e as Error).message;
    assert.ok(
      message.includes(`${p.fn}(`),
      `${p.key}: the message must name ${p.fn}(): ${message}`,
    );
    if (p.param !== null) {
      assert.ok(
        message.includes(p.param),
        `${p.key}: the message must name ${p.param}: ${message}`,
      );
    }
  } finally {
    cleanup(env);
    if (!loop.isRunning()) {
      // Let the cancelled helpers finish; then nothing is left armed.
      await bounded(loop.runUntilComplete(sleep(0)), `${p.key} (cleanup)`)
        .catch(noop);
      loop.close();
    }
  }
  await hostTurn();
  assert.deepEqual(
    crashes.slice(crashesBefore),
    [],
    `${p.key}: an error escaped to the host`,
  );
}

// ---- the probes -------------------------------------------------------------

const T = TypeError;
const R = RangeError;
const bad = {} as never;

/** `probe(key, call, error, fn, param, extra)`. */
function probe(
  key: string,
  call: (env: Env) => unknown,
  error: ErrorClass,
  fn: string,
  param: string | null,
  extra: Partial<Probe> = {},
): Probe {
  return { key, call, error, fn, param, ...extra };
}

/** Calls `f` inside an entered TaskGroup; throws what it threw. */
function* inGroup(f: (tg: TaskGroup) => unknown): Coroutine<void> {
  let error: unknown = null;
  yield* mod.taskGroup(function* (tg) {
    try {
      f(tg);
    } catch (e) {
      error = e;
    }
    yield* sleep(0);
  });
  throw error;
}

const outside = { where: "outside" } as const;
const drive = { drive: true } as const;

const probes: Probe[] = [
  // context.ts
  probe(
    "new Context",
    () => new (Context as never as new (x: number) => Context)(1),
    T,
    "Context",
    "arguments",
  ),
  probe(
    "Context.run",
    () => new Context().run(42 as never),
    T,
    "Context.run",
    "fn",
  ),
  probe(
    "Context.get",
    () => new Context().get(123 as never),
    T,
    "Context.get",
    "v",
  ),
  probe(
    "Context.has",
    () => new Context().has(123 as never),
    T,
    "Context.has",
    "v",
  ),
  probe(
    "new ContextVar",
    () => new ContextVar(1 as never),
    T,
    "ContextVar",
    "name",
  ),
  probe(
    "new ContextVar",
    () => new ContextVar("v", 5 as never),
    T,
    "ContextVar",
    "options",
  ),
  probe(
    "ContextVar.reset",
    () => new ContextVar("v").reset(bad),
    T,
    "ContextVar.reset",
    "token",
  ),
  probe(
    "new Token",
    () => new (mod.Token as never as new () => unknown)(),
    Error,
    "Token",
    null,
  ),

  // future.ts
  probe("new Future", () => new Future(5 as never), T, "Future", "options"),
  probe(
    "new Future",
    () => new Future({ loop: bad }),
    T,
    "Future",
    "options.loop",
  ),
  probe("new Future", () => new Future(undefined, bad), T, "Future", "loop"),
  probe(
    "Future.cancel",
    (e) => e.fut.cancel(5 as never),
    T,
    "Future.cancel",
    "msg",
  ),
  probe(
    "Future.addDoneCallback",
    (e) => e.fut.addDoneCallback(42 as never),
    T,
    "Future.addDoneCallback",
    "callback",
  ),
  probe(
    "Future.addDoneCallback",
    (e) => e.fut.addDoneCallback(noop, 5 as never),
    T,
    "Future.addDoneCallback",
    "options",
  ),
  probe(
    "Future.addDoneCallback",
    (e) => e.fut.addDoneCallback(noop, { context: 123 as never }),
    T,
    "Future.addDoneCallback",
    "options.context",
  ),

  // task.ts
  probe("new Task", () => new Task(1 as never), T, "Task", "coro"),
  probe(
    "new Task",
    (e) => new Task(e.coro(), { context: 123 as never }),
    T,
    "Task",
    "options.context",
  ),
  probe(
    "new Task",
    (e) => new Task(e.coro(), { loop: bad }),
    T,
    "Task",
    "options.loop",
  ),
  probe(
    "new Task",
    (e) => new Task(e.coro(), { eagerStart: "yes" as never }),
    T,
    "Task",
    "options.eagerStart",
  ),
  probe(
    "new Task",
    (e) => new Task(e.coro(), undefined, bad),
    T,
    "Task",
    "loop",
  ),
  probe(
    "Task.cancel",
    (e) => e.task.cancel(5 as never),
    T,
    "Task.cancel",
    "msg",
  ),
  probe(
    "createTask",
    () => mod.createTask(1 as never),
    T,
    "createTask",
    "coro",
  ),
  probe(
    "createTask",
    () => mod.createTask(nothing as never, {}),
    T,
    "createTask",
    "call it",
  ),
  probe(
    "createTask",
    (e) => mod.createTask(e.coro(), 5 as never),
    T,
    "createTask",
    "options",
  ),
  probe(
    "createTask",
    (e) => mod.createTask(e.coro(), { context: 123 as never }),
    T,
    "createTask",
    "options.context",
  ),
  probe("currentTask", () => mod.currentTask(bad), T, "currentTask", "loop"),
  probe("allTasks", () => mod.allTasks(bad), T, "allTasks", "loop"),
  probe("sleep", () => mod.sleep("1" as never), T, "sleep", "ms"),
  probe("sleep", () => mod.sleep(NaN), R, "sleep", "NaN"),
  probe(
    "ensureFuture",
    () => mod.ensureFuture(1 as never),
    T,
    "ensureFuture",
    "x",
  ),
  probe(
    "ensureFuture",
    (e) => mod.ensureFuture(e.coro(), bad),
    T,
    "ensureFuture",
    "loop",
  ),
  probe(
    "fromPromise",
    () => mod.fromPromise(123 as never),
    T,
    "fromPromise",
    "promise",
  ),
  probe(
    "fromPromise",
    () => mod.fromPromise(Promise.resolve(1), 5 as never),
    T,
    "fromPromise",
    "options",
  ),
  probe(
    "fromPromise",
    () => mod.fromPromise(Promise.resolve(1), { loop: bad }),
    T,
    "fromPromise",
    "options.loop",
  ),
  probe("gather", () => mod.gather(5 as never), T, "gather", "awaitables"),
  probe("gather", () => mod.gather([1 as never]), T, "gather", "awaitables"),
  probe("gather", () => mod.gather([], 5 as never), T, "gather", "options"),
  probe(
    "gather",
    () => mod.gather([], { returnExceptions: "yes" as never }),
    T,
    "gather",
    "options.returnExceptions",
  ),

  // loop.ts
  probe(
    "new EventLoop",
    () => new EventLoop(5 as never),
    T,
    "EventLoop",
    "options",
  ),
  probe(
    "new EventLoop",
    () => new EventLoop({ debug: "yes" as never }),
    T,
    "EventLoop",
    "options.debug",
  ),
  probe(
    "new EventLoop",
    () => new EventLoop({ timeSlice: "x" as never }),
    T,
    "EventLoop",
    "options.timeSlice",
  ),
  probe(
    "new EventLoop",
    () => new EventLoop({ shuffle: 1.5 }),
    T,
    "EventLoop",
    "options.shuffle",
  ),
  probe(
    "new EventLoop",
    () => new EventLoop({ timeSlice: -1 }),
    R,
    "EventLoop",
    "options.timeSlice",
  ),
  probe(
    "EventLoop.callSoon",
    (e) => e.loop.callSoon(42 as never),
    T,
    "EventLoop.callSoon",
    "callback",
  ),
  probe(
    "EventLoop.callSoon",
    (e) => e.loop.callSoon(noop, 5 as never),
    T,
    "EventLoop.callSoon",
    "options",
  ),
  probe(
    "EventLoop.callSoon",
    (e) => e.loop.callSoon(noop, { context: 123 as never }),
    T,
    "EventLoop.callSoon",
    "options.context",
  ),
  probe(
    "EventLoop.callLater",
    (e) => e.loop.callLater("5" as never, noop),
    T,
    "EventLoop.callLater",
    "ms",
  ),
  probe(
    "EventLoop.callLater",
    (e) => e.loop.callLater(NaN, noop),
    R,
    "EventLoop.callLater",
    "NaN",
  ),
  probe(
    "EventLoop.callLater",
    (e) => e.loop.callLater(1, 42 as never),
    T,
    "EventLoop.callLater",
    "callback",
  ),
  probe(
    "EventLoop.callLater",
    (e) => e.loop.callLater(1, noop, { context: 1 as never }),
    T,
    "EventLoop.callLater",
    "options.context",
  ),
  probe(
    "EventLoop.callAt",
    (e) => e.loop.callAt(NaN, noop),
    R,
    "EventLoop.callAt",
    "when",
  ),
  probe(
    "EventLoop.callAt",
    (e) => e.loop.callAt(1n as never, noop),
    T,
    "EventLoop.callAt",
    "1n",
  ),
  probe(
    "EventLoop.callAt",
    (e) => e.loop.callAt(1, noop, [] as never),
    T,
    "EventLoop.callAt",
    "options",
  ),
  probe(
    "EventLoop.createTask",
    (e) => e.loop.createTask(1 as never),
    T,
    "createTask",
    "coro",
  ),
  probe(
    "EventLoop.createTask",
    (e) => e.loop.createTask(e.coro(), { context: 123 as never }),
    T,
    "createTask",
    "options.context",
  ),
  probe(
    "EventLoop.createTask",
    (e) => {
      e.loop.setTaskFactory(() => undefined as never);
      try {
        return e.loop.createTask(e.coro());
      } finally {
        e.loop.setTaskFactory(null);
      }
    },
    T,
    "createTask",
    "task factory",
  ),
  probe(
    "EventLoop.createTask",
    (e) => {
      e.loop.setTaskFactory(() => 5 as never);
      try {
        return e.loop.createTask(e.coro());
      } finally {
        e.loop.setTaskFactory(null);
      }
    },
    T,
    "createTask",
    "task factory",
  ),
  probe(
    "EventLoop.setTaskFactory",
    (e) => e.loop.setTaskFactory(5 as never),
    T,
    "EventLoop.setTaskFactory",
    "factory",
  ),
  probe(
    "EventLoop.runUntilComplete",
    (e) => e.loop.runUntilComplete(42 as never),
    T,
    "EventLoop.runUntilComplete",
    "future",
    outside,
  ),
  probe(
    "EventLoop.runUntilComplete",
    (e) => e.loop.runUntilComplete(e.closed.createFuture()),
    T,
    "EventLoop.runUntilComplete",
    "closed",
    outside,
  ),
  probe(
    "EventLoop.setExceptionHandler",
    (e) => e.loop.setExceptionHandler(5 as never),
    T,
    "EventLoop.setExceptionHandler",
    "handler",
  ),
  probe(
    "EventLoop.callExceptionHandler",
    (e) => e.loop.callExceptionHandler(undefined as never),
    T,
    "EventLoop.callExceptionHandler",
    "context",
  ),
  probe(
    "EventLoop.defaultExceptionHandler",
    (e) => e.loop.defaultExceptionHandler(undefined as never),
    T,
    "EventLoop.defaultExceptionHandler",
    "context",
  ),
  probe(
    "EventLoop.readyPop",
    (e) => e.loop.readyPop("x" as never),
    T,
    "EventLoop.readyPop",
    "pos",
  ),
  probe(
    "EventLoop.readyPop",
    (e) => e.loop.readyPop(NaN),
    R,
    "EventLoop.readyPop",
    "pos",
  ),
  probe(
    "EventLoop.readyInsert",
    (e) => e.loop.readyInsert(0, bad),
    T,
    "EventLoop.readyInsert",
    "handle",
  ),
  probe(
    "EventLoop.readyInsert",
    (e) => e.loop.readyInsert(0.5, e.handle),
    T,
    "EventLoop.readyInsert",
    "pos",
  ),
  probe(
    "EventLoop.readyRotate",
    (e) => e.loop.readyRotate(1.5),
    T,
    "EventLoop.readyRotate",
    "n",
  ),
  probe(
    "EventLoop.callInsert",
    (e) => e.loop.callInsert("x" as never, noop),
    T,
    "EventLoop.callInsert",
    "pos",
  ),
  probe(
    "EventLoop.callInsert",
    (e) => e.loop.callInsert(0, 42 as never),
    T,
    "EventLoop.callInsert",
    "callback",
  ),
  probe(
    "EventLoop.callInsert",
    (e) => e.loop.callInsert(0, noop, { context: 1 as never }),
    T,
    "EventLoop.callInsert",
    "options.context",
  ),

  // runner.ts
  probe("new Runner", () => new Runner(5 as never), T, "Runner", "options"),
  probe(
    "new Runner",
    () => new Runner({ debug: "yes" as never }),
    T,
    "Runner",
    "options.debug",
  ),
  probe(
    "new Runner",
    () => new Runner({ loopFactory: 5 as never }),
    T,
    "Runner",
    "options.loopFactory",
  ),
  probe(
    "Runner.getLoop",
    () => new Runner({ loopFactory: () => 1 as never }).getLoop(),
    T,
    "Runner",
    "loopFactory",
  ),
  probe(
    "Runner.run",
    () => new Runner().run(1 as never),
    T,
    "Runner.run",
    "coro",
    outside,
  ),
  probe(
    "Runner.run",
    (e) => new Runner().run(e.coro(), { context: 123 as never }),
    T,
    "Runner.run",
    "options.context",
    outside,
  ),
  probe(
    "Runner.run",
    (e) => new Runner().run(e.coro(), 5 as never),
    T,
    "Runner.run",
    "options",
    outside,
  ),
  probe(
    "Runner.run",
    (e) => new Runner({ loopFactory: () => 1 as never }).run(e.coro()),
    T,
    "Runner",
    "loopFactory",
    outside,
  ),
  probe("run", () => mod.run(1 as never), T, "run", "coro", outside),
  probe(
    "run",
    (e) => mod.run(e.coro(), 5 as never),
    T,
    "run",
    "options",
    outside,
  ),
  probe(
    "run",
    (e) => mod.run(e.coro(), { debug: "yes" as never }),
    T,
    "run",
    "options.debug",
    outside,
  ),
  probe(
    "run",
    (e) => mod.run(e.coro(), { loopFactory: () => 1 as never }),
    T,
    "Runner",
    "loopFactory",
    outside,
  ),

  // timeouts.ts
  probe("new Timeout", () => new Timeout("x" as never), T, "Timeout", "when"),
  probe("new Timeout", () => new Timeout(NaN), R, "Timeout", "NaN"),
  probe(
    "Timeout.reschedule",
    () => new Timeout(null).reschedule("x" as never),
    T,
    "Timeout.reschedule",
    "when",
  ),
  probe(
    "Timeout.run",
    () => new Timeout(null).run(5 as never),
    T,
    "Timeout.run",
    "body",
  ),
  probe(
    "timeout",
    () => mod.timeout("x" as never, nothing),
    T,
    "timeout",
    "ms",
  ),
  probe("timeout", () => mod.timeout(NaN, nothing), R, "timeout", "NaN"),
  probe("timeout", () => mod.timeout(1, 5 as never), T, "timeout", "body"),
  probe(
    "timeoutAt",
    () => mod.timeoutAt("x" as never, nothing),
    T,
    "timeoutAt",
    "when",
  ),
  probe("timeoutAt", () => mod.timeoutAt(NaN, nothing), R, "timeoutAt", "NaN"),
  probe(
    "timeoutAt",
    () => mod.timeoutAt(1, 5 as never),
    T,
    "timeoutAt",
    "body",
  ),

  // combinators.ts
  probe("shield", () => mod.shield(1 as never), T, "shield", "aw"),
  probe(
    "waitFor",
    (e) => mod.waitFor(e.coro(), "1" as never),
    T,
    "waitFor",
    "ms",
  ),
  probe("waitFor", (e) => mod.waitFor(e.coro(), NaN), R, "waitFor", "NaN"),
  probe("waitFor", () => mod.waitFor(1 as never, 1), T, "waitFor", "aw"),
  probe("wait", () => mod.wait(5 as never), T, "wait", "fs"),
  probe("wait", () => mod.wait([]), R, "wait", "fs"),
  probe("wait", () => mod.wait([1 as never]), T, "wait", "fs"),
  probe("wait", (e) => mod.wait([e.fut], 5 as never), T, "wait", "options"),
  probe(
    "wait",
    (e) => mod.wait([e.fut], { returnWhen: "BOGUS" as never }),
    R,
    "wait",
    "FIRST_COMPLETED",
  ),
  probe(
    "wait",
    (e) => mod.wait([e.fut], { timeout: NaN }),
    R,
    "wait",
    "options.timeout",
  ),
  probe(
    "asCompleted",
    () => mod.asCompleted(5 as never),
    T,
    "asCompleted",
    "fs",
  ),
  probe(
    "asCompleted",
    () => mod.asCompleted([1 as never]),
    T,
    "asCompleted",
    "fs",
  ),
  probe(
    "asCompleted",
    () => mod.asCompleted([], 5 as never),
    T,
    "asCompleted",
    "options",
  ),
  probe(
    "asCompleted",
    () => mod.asCompleted([], { timeout: "1" as never }),
    T,
    "asCompleted",
    "options.timeout",
  ),
  probe(
    "asCompleted",
    () => mod.asCompleted([], { timeout: NaN }),
    R,
    "asCompleted",
    "NaN",
  ),

  // interop.ts
  probe("delay", () => mod.delay("1" as never), T, "delay", "ms", outside),
  probe("delay", () => mod.delay(NaN), R, "delay", "NaN", outside),
  probe(
    "delay",
    () => mod.delay(20, { signal: bad }),
    T,
    "delay",
    "options.signal must be an AbortSignal, got {}",
    outside,
  ),
  probe(
    "delay",
    () => mod.delay(20, 5 as never),
    T,
    "delay",
    "options",
    outside,
  ),
  probe(
    "fromAbortable",
    () => mod.fromAbortable(5 as never),
    T,
    "fromAbortable",
    "fn",
  ),
  probe(
    "fromAbortable",
    () => mod.fromAbortable(() => Promise.resolve(), { loop: bad }),
    T,
    "fromAbortable",
    "options.loop",
    outside,
  ),
  probe(
    "fromAbortable",
    () => mod.fromAbortable(() => Promise.resolve(), 5 as never),
    T,
    "fromAbortable",
    "options",
  ),

  // taskgroup.ts
  probe(
    "new TaskGroup",
    () => new TaskGroup(5 as never),
    T,
    "TaskGroup",
    "options",
  ),
  probe(
    "new TaskGroup",
    () => new TaskGroup({ eager: "yes" as never }),
    T,
    "TaskGroup",
    "options.eager",
  ),
  probe(
    "TaskGroup.run",
    () => new TaskGroup().run(5 as never),
    T,
    "TaskGroup.run",
    "body",
  ),
  probe(
    "TaskGroup.createTask",
    () => inGroup((tg) => tg.createTask(1 as never)),
    T,
    "TaskGroup.createTask",
    "coro",
    drive,
  ),
  probe(
    "TaskGroup.createTask",
    (e) => inGroup((tg) => tg.createTask(e.coro(), { context: 1 as never })),
    T,
    "TaskGroup.createTask",
    "options.context",
    drive,
  ),
  probe("taskGroup", () => mod.taskGroup(5 as never), T, "taskGroup", "body"),
  probe(
    "eagerTaskGroup",
    () => mod.eagerTaskGroup(5 as never),
    T,
    "eagerTaskGroup",
    "body",
  ),

  // locks.ts
  probe(
    "new Barrier",
    () => new Barrier("x" as never),
    T,
    "Barrier",
    "parties",
  ),
  probe("new Barrier", () => new Barrier(Infinity), T, "Barrier", "parties"),
  probe(
    "new Barrier",
    () => new Barrier(0),
    R,
    "Barrier",
    "parties must be > 0",
  ),
  probe("new Semaphore", () => new Semaphore(1.5), T, "Semaphore", "value"),
  probe(
    "new Semaphore",
    () => new Semaphore(-1),
    R,
    "Semaphore",
    "initial value must be >= 0",
  ),
  probe(
    "new BoundedSemaphore",
    () => new BoundedSemaphore(NaN),
    R,
    "BoundedSemaphore",
    "value",
  ),
  probe(
    "new Condition",
    () => new Condition(5 as never),
    T,
    "Condition",
    "lock",
  ),
  probe(
    "Condition.waitFor",
    () => new Condition().waitFor(5 as never),
    T,
    "Condition.waitFor",
    "predicate",
  ),
  probe(
    "Condition.notify",
    () => new Condition().notify(NaN),
    R,
    "Condition.notify",
    "n",
  ),
  probe(
    "Condition.notify",
    () => new Condition().notify(1.5),
    T,
    "Condition.notify",
    "n",
  ),
  probe(
    "Condition.notify",
    () => new Condition().notify(-1),
    R,
    "Condition.notify",
    "n",
  ),

  // queues.ts
  probe("new Queue", () => new Queue("3" as never), T, "Queue", "maxsize"),
  probe("new Queue", () => new Queue(NaN), R, "Queue", "maxsize"),
  probe("new Queue", () => new Queue([] as never), T, "Queue", "maxsize"),
  probe(
    "new LifoQueue",
    () => new LifoQueue({ maxsize: "1" as never }),
    T,
    "LifoQueue",
    "options.maxsize",
  ),
  probe(
    "new PriorityQueue",
    () => new PriorityQueue({ compare: 5 as never }),
    T,
    "PriorityQueue",
    "options.compare",
  ),
  probe(
    "Queue.shutdown",
    () => new Queue().shutdown("yes" as never),
    T,
    "Queue.shutdown",
    "immediate",
  ),
  probe(
    "Queue.iterate",
    () => new Queue().iterate(5 as never),
    T,
    "Queue.iterate",
    "options",
  ),
  probe(
    "Queue.iterate",
    () => new Queue().iterate({ loop: bad }),
    T,
    "Queue.iterate",
    "options.loop",
  ),

  // eager.ts
  probe(
    "new CoroStart",
    () => new CoroStart(1 as never),
    T,
    "CoroStart",
    "coro",
  ),
  probe(
    "new CoroStart",
    (e) => new CoroStart(e.coro(), { context: 1 as never }),
    T,
    "CoroStart",
    "options.context",
  ),
  probe(
    "new CoroStart",
    (e) => new CoroStart(e.coro(), { autostart: "no" as never }),
    T,
    "CoroStart",
    "options.autostart",
  ),
  probe(
    "CoroStart.start",
    (e) => new CoroStart(e.coro(), { autostart: false }).start(5 as never),
    T,
    "CoroStart.start",
    "options",
  ),
  probe(
    "CoroStart.asCoroutine",
    (e) => new CoroStart(e.coro()).asCoroutine({ context: 1 as never }),
    T,
    "CoroStart.asCoroutine",
    "options.context",
  ),
  probe(
    "CoroStart.asAwaitable",
    (e) => new CoroStart(e.coro()).asAwaitable(5 as never),
    T,
    "CoroStart.asAwaitable",
    "options",
  ),
  probe(
    "CoroStart.throw",
    (e) => new CoroStart(e.coro()).throw(new Error(), "x" as never),
    T,
    "CoroStart.throw",
    "tries",
  ),
  probe(
    "CoroStart.throw",
    (e) => new CoroStart(e.coro()).throw(new Error(), 0),
    R,
    "CoroStart.throw",
    "tries",
  ),
  probe("coroAwait", () => mod.coroAwait(1 as never), T, "coroAwait", "coro"),
  probe(
    "coroAwait",
    (e) => mod.coroAwait(e.coro(), 5 as never),
    T,
    "coroAwait",
    "options",
  ),
  probe("coroEager", () => mod.coroEager(1 as never), T, "coroEager", "coro"),
  probe(
    "coroEager",
    (e) => mod.coroEager(e.coro(), { createTask: 5 as never }),
    T,
    "coroEager",
    "options.createTask",
  ),
  probe(
    "coroEager",
    () => mod.coroEager(sleep(1), { createTask: () => 1 as never }),
    T,
    "coroEager",
    "options.createTask",
  ),
  probe("coroIsDone", () => mod.coroIsDone(1 as never), T, "coroIsDone", "c"),
  probe("coroIsNew", () => mod.coroIsNew(1 as never), T, "coroIsNew", "c"),
  probe(
    "coroIsSuspended",
    () => mod.coroIsSuspended(1 as never),
    T,
    "coroIsSuspended",
    "c",
  ),
  probe("coroState", () => mod.coroState(1 as never), T, "coroState", "c"),
  probe("coroIter", () => mod.coroIter(1 as never), T, "coroIter", "coro"),
  probe("eager", () => mod.eager(1 as never), T, "eager", "x"),
  probe("eager", (e) => mod.eager(e.coro(), 5 as never), T, "eager", "options"),
  probe(
    "eagerTaskFactory",
    (e) => mod.eagerTaskFactory(bad, e.coro()),
    T,
    "eagerTaskFactory",
    "loop",
  ),
  probe("funcEager", () => mod.funcEager(5 as never), T, "funcEager", "fn"),
  probe(
    "funcEager",
    () => mod.funcEager(nothing, { context: 1 as never }),
    T,
    "funcEager",
    "options.context",
  ),

  // monitor.ts
  probe(
    "Monitor.aawait",
    () => new Monitor().aawait(1 as never),
    T,
    "Monitor.aawait",
    "coro",
  ),
  probe(
    "Monitor.athrow",
    () => new Monitor().athrow(1 as never, new Error()),
    T,
    "Monitor.athrow",
    "coro",
  ),
  probe(
    "Monitor.aclose",
    () => new Monitor().aclose(1 as never),
    T,
    "Monitor.aclose",
    "coro",
  ),
  probe(
    "Monitor.start",
    () => new Monitor().start(1 as never),
    T,
    "Monitor.start",
    "coro",
  ),
  probe(
    "Monitor.tryAwait",
    () => new Monitor().tryAwait(1 as never),
    T,
    "Monitor.tryAwait",
    "coro",
  ),
  probe(
    "Monitor.awaitable",
    () => new Monitor().awaitable(1 as never),
    T,
    "Monitor.awaitable",
    "coro",
  ),
  probe(
    "new MonitorAwaitable",
    (e) => new MonitorAwaitable(bad, e.coro()),
    T,
    "MonitorAwaitable",
    "monitor",
  ),
  probe(
    "new MonitorAwaitable",
    () => new MonitorAwaitable(new Monitor(), 1 as never),
    T,
    "MonitorAwaitable",
    "coro",
  ),
  probe(
    "GeneratorObject.iterate",
    () => new GeneratorObject().iterate(1 as never),
    T,
    "GeneratorObject.iterate",
    "coro",
  ),
  probe(
    "GeneratorObject.iterate",
    () => new GeneratorObject().iterate(nothing(), { loop: bad }),
    T,
    "GeneratorObject.iterate",
    "options.loop",
  ),
  probe(
    "GeneratorObject.iterate",
    () => new GeneratorObject().iterate(nothing(), 5 as never),
    T,
    "GeneratorObject.iterate",
    "options",
  ),
  probe(
    "new GeneratorObjectIterator",
    () => new GeneratorObjectIterator(bad, nothing()),
    T,
    "GeneratorObjectIterator",
    "monitor",
  ),
  probe(
    "new GeneratorObjectIterator",
    () => new GeneratorObjectIterator(new Monitor(), 1 as never),
    T,
    "GeneratorObjectIterator",
    "coro",
  ),
  probe(
    "new GeneratorObjectIterator",
    () => new GeneratorObjectIterator(new Monitor(), nothing(), bad),
    T,
    "GeneratorObjectIterator",
    "loop",
  ),

  // scheduling.ts
  probe("awaitSync", () => mod.awaitSync(1 as never), T, "awaitSync", "coro"),
  probe(
    "awaitSync",
    () => mod.awaitSync(nothing(), { ignoreNullsleep: "x" as never }),
    T,
    "awaitSync",
    "options.ignoreNullsleep",
  ),
  probe(
    "coroDrive",
    () => mod.coroDrive(1 as never, noop),
    T,
    "coroDrive",
    "coro",
  ),
  probe(
    "coroDrive",
    () => mod.coroDrive(nothing(), 5 as never),
    T,
    "coroDrive",
    "callback",
  ),
  probe(
    "createTaskDescend",
    () => mod.createTaskDescend(1 as never),
    T,
    "createTaskDescend",
    "coro",
  ),
  probe(
    "createTaskDescend",
    () => mod.createTaskDescend(nothing(), 5 as never),
    T,
    "createTaskDescend",
    "options",
  ),
  probe(
    "createTaskStart",
    () => mod.createTaskStart(1 as never),
    T,
    "createTaskStart",
    "coro",
  ),
  probe("readyFind", () => mod.readyFind(1 as never), T, "readyFind", "task"),
  probe(
    "readyFind",
    (e) => mod.readyFind(e.task, { loop: bad }),
    T,
    "readyFind",
    "options.loop",
  ),
  probe(
    "readyFind",
    (e) => mod.readyFind(e.task, { remove: "yes" as never }),
    T,
    "readyFind",
    "options.remove",
  ),
  probe(
    "readyRemove",
    (e) => mod.readyRemove(e.handle, bad),
    T,
    "readyRemove",
    "loop",
  ),
  probe("readyTasks", () => mod.readyTasks(bad), T, "readyTasks", "loop"),
  probe(
    "runnableTasks",
    () => mod.runnableTasks(bad),
    T,
    "runnableTasks",
    "loop",
  ),
  probe("blockedTasks", () => mod.blockedTasks(bad), T, "blockedTasks", "loop"),
  probe(
    "sleepInsert",
    () => mod.sleepInsert("x" as never),
    T,
    "sleepInsert",
    "pos",
  ),
  probe(
    "taskIsBlocked",
    () => mod.taskIsBlocked(1 as never),
    T,
    "taskIsBlocked",
    "task",
  ),
  probe(
    "taskIsRunnable",
    () => mod.taskIsRunnable(1 as never),
    T,
    "taskIsRunnable",
    "task",
  ),
  probe(
    "taskReinsert",
    () => mod.taskReinsert(1 as never, 0),
    T,
    "taskReinsert",
    "task",
  ),
  probe(
    "taskReinsert",
    (e) => mod.taskReinsert(e.task, "x" as never),
    T,
    "taskReinsert",
    "pos",
  ),
  probe(
    "taskSwitch",
    () => mod.taskSwitch(1 as never),
    T,
    "taskSwitch",
    "task",
  ),
  probe(
    "taskSwitch",
    (e) => mod.taskSwitch(e.task, { insertPos: "x" as never }),
    T,
    "taskSwitch",
    "options.insertPos",
  ),
  probe(
    "taskSwitch",
    (e) => mod.taskSwitch(e.task, 5 as never),
    T,
    "taskSwitch",
    "options",
  ),

  // asynkit additions (eager.ts, scheduling.ts)
  probe(
    "cancelling",
    () => mod.cancelling(null as never),
    T,
    "cancelling",
    "target",
  ),
  probe(
    "cancelling",
    (e) => mod.cancelling(e.fut, 5 as never),
    T,
    "cancelling",
    "options",
  ),
  probe(
    "new Cancelling",
    (e) => new mod.Cancelling(e.fut, { msg: 5 as never }),
    T,
    "cancelling",
    "options.msg",
  ),
  probe("eagerCtx", () => mod.eagerCtx(1 as never), T, "eagerCtx", "coro"),
  probe(
    "eagerCtx",
    (e) => mod.eagerCtx(e.coro(), { createTask: 5 as never }),
    T,
    "eagerCtx",
    "options.createTask",
  ),
  probe("aiterSync", () => mod.aiterSync(42 as never), T, "aiterSync", "it"),
  probe(
    "driveAsync",
    () => mod.driveAsync(1 as never, noop),
    T,
    "driveAsync",
    "coro",
  ),
  probe(
    "driveAsync",
    () => mod.driveAsync(nothing(), 5 as never),
    T,
    "driveAsync",
    "callback",
  ),
  probe("enterAsync", () => mod.enterAsync(5 as never), T, "enterAsync", "fn"),
  probe("leaveSync", () => mod.leaveSync(5 as never), T, "leaveSync", "fn"),
  probe(
    "getReadyQueue",
    () => mod.getReadyQueue(bad),
    T,
    "getReadyQueue",
    "loop",
  ),
  probe(
    "taskFromHandle",
    () => mod.taskFromHandle(bad),
    T,
    "taskFromHandle",
    "handle",
  ),
];

/**
 * Exports and methods with no probe, and why. "no parameters" is checked
 * against the function's arity; the others accept any value by design.
 */
const NO_PROBE: Record<string, string> = {
  ...Object.fromEntries(
    [
      "Barrier.wait",
      "Barrier.reset",
      "Barrier.abort",
      "Barrier.toString",
      "BoundedSemaphore.release",
      "Condition.locked",
      "Condition.acquire",
      "Condition.release",
      "Condition.wait",
      "Condition.notifyAll",
      "Condition.toString",
      "Context.copy",
      "Context.keys",
      "Context.values",
      "Context.entries",
      "Context.toString",
      "ContextVar.toString",
      "CoroStart.done",
      "CoroStart.pending",
      "CoroStart.continued",
      "CoroStart.result",
      "CoroStart.exception",
      "CoroStart.asFuture",
      "CoroStart.close",
      "CoroStart.aclose",
      "new Event",
      "Event.isSet",
      "Event.set",
      "Event.clear",
      "Event.wait",
      "Event.toString",
      "EventLoop.time",
      "EventLoop.createFuture",
      "EventLoop.getTaskFactory",
      "EventLoop.runForever",
      "EventLoop.stop",
      "EventLoop.isRunning",
      "EventLoop.isClosed",
      "EventLoop.close",
      "EventLoop.shutdownAsyncgens",
      "EventLoop.getDebug",
      "EventLoop.getExceptionHandler",
      "EventLoop.readyLen",
      "EventLoop.toString",
      "Future.done",
      "Future.cancelled",
      "Future.result",
      "Future.exception",
      "Future.getLoop",
      "Future.toPromise",
      "Future.toString",
      "new GeneratorObject",
      "GeneratorObjectIterator.anext",
      "GeneratorObjectIterator.aclose",
      "GeneratorObjectIterator.return",
      "Handle.cancel",
      "Handle.cancelled",
      "Handle.getContext",
      "Handle.toString",
      "new Lock",
      "Lock.locked",
      "Lock.acquire",
      "Lock.release",
      "Lock.toString",
      "new Monitor",
      "MonitorAwaitable.aclose",
      "MonitorAwaitable.start",
      "Queue.qsize",
      "Queue.empty",
      "Queue.full",
      "Queue.get",
      "Queue.getNowait",
      "Queue.taskDone",
      "Queue.join",
      "Queue.toString",
      "Runner.close",
      "Semaphore.locked",
      "Semaphore.acquire",
      "Semaphore.release",
      "Semaphore.toString",
      "Task.getName",
      "Task.getCoro",
      "Task.getContext",
      "Task.cancelling",
      "Task.uncancel",
      "TaskGroup.toString",
      "Timeout.when",
      "Timeout.expired",
      "Timeout.toString",
      "TimerHandle.when",
      "TimerHandle.cancel",
      "Token.toString",
      "abortSignal",
      "copyContext",
      "getRunningLoop",
      "getCurrentContext",
      "inSyncDrive",
      "requireSyncDrive",
    ].map((k) => [k, "no parameters"]),
  ),
  // Error classes: as `Error`, the message is converted with String.
  ...Object.fromEntries(
    [
      "BrokenBarrierError",
      "CancelledError",
      "GeneratorExit",
      "InvalidStateError",
      "KeyboardInterrupt",
      "LookupError",
      "QueueEmpty",
      "QueueFull",
      "QueueShutDown",
      "SynchronousAbort",
      "SynchronousError",
      "TimeoutError",
      "SyncDriveRequiredError",
    ].map((k) => [`new ${k}`, "an error class: any message, as Error"]),
  ),
  "new OOBData": "carries any data",
  "ContextVar.get": "the fallback may be any value",
  "ContextVar.set": "the value may be anything",
  "Future.setResult": "the result may be anything",
  "Future.setException": "JS can throw any value",
  "Future.removeDoneCallback": "anything not registered is not removed (0)",
  "Future.then": "Promise rules: a non-function handler is ignored",
  "Future.catch": "Promise rules: a non-function handler is ignored",
  "Future.finally": "Promise rules: a non-function handler is ignored",
  "Task.setName": "any name, converted with String (Python's str(name))",
  "Task.setResult": "always an error: a Task has no setResult",
  "Task.setException": "always an error: a Task has no setException",
  "EventLoop.setDebug": "any value, taken as a boolean (Python's bool())",
  "GeneratorObject.ayield": "the value may be anything",
  "GeneratorObjectIterator.asend": "the value may be anything",
  "GeneratorObjectIterator.athrow": "JS can throw any value",
  "GeneratorObjectIterator.next": "the value may be anything",
  "GeneratorObjectIterator.throw": "JS can throw any value",
  "CoroStart.athrow": "JS can throw any value",
  "Monitor.oob": "the data may be anything",
  "MonitorAwaitable.aawait": "the reply may be anything",
  "MonitorAwaitable.athrow": "JS can throw any value",
  "MonitorAwaitable.tryAwait": "the reply and the sentinel may be anything",
  "Queue.put": "the item may be anything",
  "Queue.putNowait": "the item may be anything",
  "new Handle":
    "made by the loop (callSoon, callLater, callAt, callInsert check the arguments)",
  "new TimerHandle": "made by the loop (callLater, callAt check the arguments)",
};

// ---- the tests -------------------------------------------------------------

Deno.test("bad input: every export and public method has a probe or a reason", () => {
  const covered = new Set(probes.map((p) => p.key));
  const missing: string[] = [];
  const wrongArity: string[] = [];
  const check = (key: string, f: unknown): void => {
    if (covered.has(key)) return;
    const why = NO_PROBE[key];
    if (why === undefined) missing.push(key);
    else if (why === "no parameters" && (f as () => void).length !== 0) {
      wrongArity.push(key);
    }
  };
  for (const [name, value] of Object.entries(mod)) {
    if (typeof value !== "function") continue;
    if (!/^[A-Z]/.test(name)) {
      check(name, value);
      continue;
    }
    check(`new ${name}`, () => {});
    const proto = value.prototype as Record<string, unknown>;
    for (const m of Object.getOwnPropertyNames(proto)) {
      if (m === "constructor" || m.startsWith("_")) continue;
      const d = Object.getOwnPropertyDescriptor(proto, m)!;
      if (typeof d.value === "function") check(`${name}.${m}`, d.value);
    }
  }
  assert.deepEqual(
    missing,
    [],
    "add a probe to tests/bad_input_test.ts, or a reason to NO_PROBE",
  );
  assert.deepEqual(wrongArity, [], "these take parameters: probe them");
});

for (const p of probes) {
  Deno.test(`bad input: ${p.key}: ${p.param ?? ""}`, () => runProbe(p));
}

Deno.test("bad input: values that are valid stay valid", async () => {
  const v = new ContextVar("v", null as never); // null options: none
  assert.equal(v.get("fallback"), "fallback");
  assert.equal(new Queue(1.5).maxsize, 1.5); // CPython accepts a float maxsize
  new Semaphore(Infinity); // no limit
  new EventLoop(null as never).close();
  new Runner(null as never);
  await mod.run((function* () {
    const loop = mod.getRunningLoop();
    loop.callLater(Infinity, noop).cancel(); // Infinity: never
    loop.callSoon(noop, null as never);
    mod.createTask(nothing(), null as never);
    mod.createTask(nothing(), { name: undefined, context: undefined });
    yield* mod.gather([], null as never);
    assert.equal(yield* mod.waitFor(sleep(0, 1), null), 1);
  })());
});

// ---- the hangs and crashes of issue 9 §3, one by one -------------------------

Deno.test("bad input: run() whose main returns a pending Task settles with its result", async () => {
  const r = await bounded(
    mod.run((function* () {
      yield* sleep(0);
      return mod.createTask(sleep(5, "from the task"));
    })()),
    "run returning a Task",
  );
  assert.equal(r, "from the task");
});

Deno.test("bad input: run() whose main returns a pending Future settles with its result", async () => {
  const r = await bounded(
    mod.run((function* () {
      yield* sleep(0);
      const loop = mod.getRunningLoop();
      const f = loop.createFuture<string>();
      loop.callLater(5, () => f.setResult("later"));
      return f;
    })()),
    "run returning a Future",
  );
  assert.equal(r, "later");
});

Deno.test("bad input: createTask(coro, { context: 123 }) fails the run instead of hanging", async () => {
  await bounded(
    assert.rejects(
      mod.run((function* () {
        mod.createTask(nothing(), { context: 123 as never });
        yield* sleep(0);
      })()),
      { name: "TypeError", message: /createTask\(\): options\.context/ },
    ),
    "createTask with a bad context",
  );
});

Deno.test("bad input: Runner.run(coro, { context: 123 }) rejects and close() settles", async () => {
  const runner = new Runner();
  await bounded(
    assert.rejects(runner.run(nothing(), { context: 123 as never }), {
      name: "TypeError",
      message: /Runner\.run\(\): options\.context must be a Context, got 123/,
    }),
    "Runner.run",
  );
  await bounded(runner.close(), "Runner.close");
});

Deno.test("bad input: awaiting a pending future of a closed loop rejects", async () => {
  const loop = new EventLoop();
  const f = loop.createFuture();
  const g = loop.createFuture();
  loop.close();
  await bounded(
    assert.rejects(Promise.resolve(f), { message: "Event loop is closed" }),
    "await fut",
  );
  await bounded(
    assert.rejects(g.toPromise(), { message: "Event loop is closed" }),
    "fut.toPromise()",
  );
});

Deno.test("bad input: delay(20, { signal: {} }) throws at the call, nothing escapes later", async () => {
  const before = crashes.length;
  assert.throws(() => mod.delay(20, { signal: {} as never }), {
    name: "TypeError",
    message: "delay(): options.signal must be an AbortSignal, got {}",
  });
  await hostTurn(40);
  assert.deepEqual(crashes.slice(before), []);
});

Deno.test("bad input: fromAbortable(fn, { loop: {} }) throws at the call", async () => {
  const before = crashes.length;
  let called = false;
  assert.throws(
    () =>
      mod.fromAbortable(() => {
        called = true;
        return Promise.reject(new Error("should not run"));
      }, { loop: {} as never }),
    {
      name: "TypeError",
      message: "fromAbortable(): options.loop must be an EventLoop, got {}",
    },
  );
  assert.equal(called, false);
  await hostTurn(10);
  assert.deepEqual(crashes.slice(before), []);
});

Deno.test("bad input: run() with a loopFactory returning 1 rejects and leaves nothing behind", async () => {
  await bounded(
    assert.rejects(mod.run(nothing(), { loopFactory: () => 1 as never }), {
      name: "TypeError",
      message:
        "Runner(): the result of options.loopFactory() must be an EventLoop, got 1",
    }),
    "run with a bad loopFactory",
  );
});

Deno.test("bad input: messages show what was given", () => {
  assert.throws(() => sleep(10n as never), {
    message: "sleep(): ms must be a number, got 10n",
  });
  assert.throws(() => new EventLoop({ debug: "yes" as never }), {
    message: 'EventLoop(): options.debug must be a boolean, got "yes"',
  });
  assert.throws(() => new Context().get(123 as never), {
    message: "Context.get(): v must be a ContextVar, got 123",
  });
  assert.throws(() => mod.fromPromise([1, 2] as never), {
    message: "fromPromise(): promise must be a promise or thenable, got [1, 2]",
  });
});

Deno.test("bad input: no probe let an error escape to the host", async () => {
  await hostTurn(50); // past delay(20)'s timer, had one been armed
  assert.deepEqual(crashes, []);
});
