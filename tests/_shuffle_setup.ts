// The default-loop hook for schedule shuffling (EventLoopOptions.shuffle):
// `RUNNER_SHUFFLE=<seed> deno test --preload tests/_shuffle_setup.ts ...`
// makes every loop the tests create without a `shuffle` option shuffle its
// batches with that seed. Tests that assert asyncio's exact FIFO order opt
// out by name (SHUFFLE_OPT_OUT): they run with FIFO loops. .ci/run runs the
// suite so under a few seeds.

import { shuffleDefaults } from "../_shuffle.ts";

/**
 * Tests whose point is asyncio's FIFO order (or an ordering built on it:
 * asynkit's ready-queue scheduling, exact interleavings ported from
 * CPython), by name. Each is a test *of* FIFO order, not code that merely
 * happens to depend on it.
 */
export const SHUFFLE_OPT_OUT: ReadonlySet<string> = new Set<string>([
  // Order of a batch is the point of these: which sub-error is listed
  // first, a timer callback against a callSoon, a hand-driven sleep(0)
  // against the task that another task's step queued before it.
  "the TaskGroup's AggregateError message names its sub-errors",
  "TimerHandle: context captured at callLater time",
  "sleep(0) under a hand-written driver inside a task",
  // The inner task must start before the EPSILON timeout fires; shuffled,
  // a loaded machine can put both in one batch with the timeout first.
  "waitFor: waits for the task's cancellation to finish",
  "waitFor: an exception raised during the cancellation is rethrown",
  // combinators_test.ts
  "asCompleted: a timeout makes the remaining awaits throw",
  "waitFor: cancelled while the work ignores cancellation",
  "waitFor: cancelling a blocking waitFor cancels the task",
  "waitFor: cancelling a waitFor cancels the task",
  // context_test.ts
  "Handle: context captured at callSoon time",
  "Task: tasks that never write share a snapshot that later writes never reach",
  "Task: two tasks may share one Context",
  // eager_test.ts
  "README: plain coroutine, createTask and eager orderings",
  "coroAwait: return value, exception, cancellation",
  "coroState: new, suspended in a task, done, running",
  "probe: a child awaiting a future the parent resolves at once",
  "probe: createTask / eager / descend / factory resume orders",
  // future_test.ts
  "addDoneCallback: a throwing callback is reported; the others still run",
  "addDoneCallback: callbacks are call_soon'd at completion time, FIFO with other callSoons",
  "addDoneCallback: context captured at add time; explicit context honoured",
  "addDoneCallback: tasks and callbacks wake in registration order",
  "removeDoneCallback: removes every registration and returns the count",
  // interop_test.ts
  "abortSignal: stops host work the task waits on",
  // locks_test.ts
  "Barrier: filling task by task",
  "Barrier: filling tasks, cancel one",
  "Barrier: repr through its states",
  "Barrier: waiting on a broken barrier",
  "Condition: cancelled while re-taking the lock: same error",
  "Condition: cancelled while waiting for the wake-up: same error",
  "Condition: notify wakes n, notify beyond the waiters is fine",
  "Condition: notifyAll",
  "Condition: wait and notify counts",
  "Condition: wait_cancel_contested (notified: no cancellation point)",
  "Event: clear_with_waiters (a set-then-clear still wakes)",
  "Event: repr",
  "Event: wait wakes waiters, a later waiter that sees it set first",
  "Lock: acquire is FIFO",
  "Lock: acquire_cancel leaves no waiter",
  "Lock: bound to a different event loop",
  "Lock: cancel_race (B cancelled as A releases: C gets it)",
  "Lock: cancel_release_race (only one lock taken)",
  "Lock: finished_waiter_cancelled (the next waiter is woken)",
  "Lock: repr",
  "Semaphore: acquire with racing tasks",
  "Semaphore: acquire_cancel",
  "Semaphore: acquire_cancel_before_awoken",
  "Semaphore: acquire_fifo_order",
  "Semaphore: acquire_fifo_order_2",
  "Semaphore: acquire_fifo_order_3 (a cancelled waiter skipped)",
  "Semaphore: acquire_fifo_order_4 (a woken task wakes those queued behind)",
  "Semaphore: acquire_no_hang",
  "Semaphore: repr",
  // loop_test.ts
  "loop: callInsert schedules at a position in the ready queue",
  "loop: callSoon/callLater ordering matches asyncio's verified order",
  "loop: callbacks run in the given context, or a copy of the caller's",
  "loop: callbacks scheduled during an iteration run in the next one",
  "loop: many cancelled timers (heap purge) leave the live ones in order",
  "loop: one iteration runs exactly what was ready when it began",
  "loop: readyInsert follows list.insert (negative, clamped positions)",
  "loop: readyLen counts queued handles",
  "loop: readyPop of a task's step gives a handle that runs the step",
  "loop: readyRotate rotates like deque.rotate",
  "loop: stop() lets the rest of the current iteration run",
  "loop: timers run in deadline order regardless of scheduling order",
  "loop: timers with equal deadlines run in scheduling order",
  "timers set in one burst fire in one iteration, even if the host timer fires early",
  // monitor_test.ts
  "GeneratorObject: cancelling the consumer cancels a pending handoff",
  "GeneratorObject: concurrent use is an error (agRunning)",
  "GeneratorObject: helper tasks get the replies; several helpers queue",
  // queues_test.ts
  "LifoQueue: immediate shutdown",
  "LifoQueue: immediate shutdown with unfinished tasks",
  "LifoQueue: shutdown of a non-empty queue",
  "LifoQueue: shutdown of an empty queue",
  "PriorityQueue: immediate shutdown",
  "PriorityQueue: immediate shutdown with unfinished tasks",
  "PriorityQueue: shutdown of a non-empty queue",
  "PriorityQueue: shutdown of an empty queue",
  "Queue: immediate shutdown",
  "Queue: immediate shutdown with unfinished tasks",
  "Queue: shutdown of a non-empty queue",
  "Queue: shutdown of an empty queue",
  "get: cancelled race (the other getter gets the item)",
  "get: with waiting putters",
  "maxsize: the putter blocks after filling the queue",
  "put: cancelled puts are not kept in _putters",
  "put: cancelled race (a cancelled putter loses nothing)",
  "repr: maxsize, items, getters, putters, tasks",
  // task_test.ts
  "a bare yield and sleep(0) each give up exactly one iteration: a1 b1 a2 b2",
  "allTasks holds the pending tasks; currentTask is the stepping task",
  "cancel twice: the first message wins once the waiter is cancelled",
  "cancellation is a throw, not return(): a finally that yield*s keeps running",
  "cancelling a task blocked on another task cancels the inner one; awaiters see O, then ''",
  "cancelling a task deep in a yield* chain unwinds every frame, innermost first",
  "test_cancel_gather_1: cancelling a task that awaits gather cancels the children",
  "test_cancel_task_catching: catching the cancel and returning a value is not cancelled",
  "test_cancel_task_ignoring: a task may ignore the cancel and keep awaiting",
  "test_cancel_with_message_then_future_result: first awaiter gets the original, later calls a fresh one",
  "test_yield_future_passes_cancel: the cancel reaches the innermost await",
  // taskgroup_test.ts
  "eager: tasks that keep running interleave normally",
  // testing_test.ts
  "VirtualTimeLoop: advance() from a task walks the timers in deadline order",
  "VirtualTimeLoop: start, ties in scheduling order, one batch",
  // timeouts_test.ts
  "timeout: expires in the iteration the awaited future finished",
  "timeout: expires in the iteration the awaited future finished [VirtualTimeLoop]",
  "timeout: expiring just after the body finished does nothing",
  "timeout: expiring just after the body finished does nothing [VirtualTimeLoop]",
  "timeout: in the past, body does sleep(0)",
  "timeout: in the past, body does sleep(0) [VirtualTimeLoop]",
  "timeout: zero, body does sleep(0)",
  "timeout: zero, body does sleep(0) [VirtualTimeLoop]",
]);

/**
 * Whole files that opt out: asynkit's ready-queue scheduling is about
 * positions in the FIFO queue, so every test of it asserts FIFO order.
 */
export const SHUFFLE_OPT_OUT_FILES: ReadonlySet<string> = new Set<string>([
  "scheduling_test.ts",
  "shuffle_test.ts", // sets its own seeds, and checks the FIFO default
  "_parking_lot_test.ts", // the lot's FIFO wake order
  "fidelity_test.ts", // asyncio's exact interleavings, iteration by iteration
  "experimental_test.ts", // priority scheduling: an order of its own
]);

/** The test file calling Deno.test, from the stack. */
function callerFile(): string {
  const m = /\/tests\/([\w.-]+_test\.ts)/.exec(new Error().stack ?? "");
  return m === null ? "" : m[1];
}

type TestFn = (t: Deno.TestContext) => void | Promise<void>;

const raw = Deno.env.get("RUNNER_SHUFFLE");
if (raw !== undefined && raw !== "") {
  const seed = Number(raw);
  if (!Number.isInteger(seed)) {
    throw new TypeError(`RUNNER_SHUFFLE must be an integer seed, got ${raw}`);
  }
  console.error(`[shuffle] every loop shuffles its batches, seed ${seed}`);
  const wrap = (name: string, fn: TestFn): TestFn => {
    const optOut = SHUFFLE_OPT_OUT.has(name) ||
      SHUFFLE_OPT_OUT_FILES.has(callerFile());
    const own = optOut ? undefined : seed;
    return async (t) => {
      shuffleDefaults.seed = own;
      try {
        await fn(t);
      } finally {
        shuffleDefaults.seed = seed;
      }
    };
  };
  const test = Deno.test;
  // Deno.test(name, fn) / (name, options, fn) / (options, fn) /
  // ({ name, fn, ... }) / (fn): wrap the function, keep the rest.
  const patched = function (this: unknown, ...args: unknown[]): void {
    const last = args.length - 1;
    if (typeof args[last] === "function") {
      const fn = args[last] as TestFn;
      const first = args[0];
      const name = typeof first === "string"
        ? first
        : typeof first === "object" && first !== null &&
            typeof (first as { name?: unknown }).name === "string"
        ? (first as { name: string }).name
        : fn.name;
      args[last] = wrap(name, fn);
    } else {
      const def = args[0] as Deno.TestDefinition;
      args[0] = { ...def, fn: wrap(def.name, def.fn as TestFn) };
    }
    return (test as (...a: unknown[]) => void).apply(this, args);
  };
  Object.assign(patched, test);
  // Deno.test is read-only in the types, writable at run time.
  (Deno as { test: unknown }).test = patched;
  shuffleDefaults.seed = seed;
}
