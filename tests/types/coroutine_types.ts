// Type tests (issue 11), checked by `deno check` (deno task check) and, against
// the packed npm package, by tsc in scripts/pack_test.sh (lib es2022, types [],
// strict, skipLibCheck false; nodenext and bundler; the pinned TypeScript and
// 5.9). Never run: every `@ts-expect-error` must catch a mistake (an unused one
// fails the check) and every correct form must have the exact type asserted.
import {
  asCompleted,
  coroAwait,
  coroEager,
  CoroStart,
  type Coroutine,
  createTask,
  eager,
  ensureFuture,
  type EventLoop,
  funcEager,
  type Future,
  gather,
  Lock,
  type LockGuard,
  run,
  type Runner,
  shield,
  sleep,
  type Suspend,
  type Task,
  TaskGroup,
  taskGroup,
  timeout,
  timeoutAt,
  wait,
  waitFor,
} from "@x/runner";
import { abortSignal } from "@x/runner/interop";
import { coroDrive } from "@x/runner/scheduling";
import type { Queue } from "@x/runner/queues";
import type { Equal, IsAnyUnknownOrNever, YieldOf } from "./_expect.ts";

declare const loop: EventLoop;
declare const runner: Runner;
declare const group: TaskGroup;
declare const fut: Future<number>;
declare const task: Task<string>;
declare const promise: Promise<number>;

// ---- 1. A forgotten `*` is a compile error ---------------------------------

// Annotated bodies: the error is at the `yield`.
export function* annotatedCoro(): Coroutine<void> {
  // @ts-expect-error forgotten * on a coroutine
  yield sleep(1);
}
export function* annotatedFut(): Coroutine<void> {
  // @ts-expect-error forgotten * on a future
  yield fut;
}
export function* annotatedTask(): Coroutine<void> {
  // @ts-expect-error forgotten * on a task
  yield task;
}
export function* annotatedPromise(): Coroutine<void> {
  // @ts-expect-error forgotten * on a promise
  yield promise;
}
export function* annotatedBare(): Coroutine<void> {
  // @ts-expect-error a bare yield
  yield;
}

// Unannotated bodies compile alone; passing them on is the error.
function* badCoro() {
  yield sleep(1);
}
function* badFut() {
  yield fut;
}
function* badTask() {
  yield task;
}
function* badPromise() {
  yield promise;
}
function* bareYield() {
  yield;
}

export function* passedToEachEntryPoint(): Coroutine<void> {
  // run
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to run
  run(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to run
  run(badFut());
  // @ts-expect-error a task (`yield task`) passed to run
  run(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to run
  run(badPromise());
  // @ts-expect-error a bare `yield` passed to run
  run(bareYield());
  // Runner.run
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to Runner.run
  runner.run(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to Runner.run
  runner.run(badFut());
  // @ts-expect-error a task (`yield task`) passed to Runner.run
  runner.run(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to Runner.run
  runner.run(badPromise());
  // @ts-expect-error a bare `yield` passed to Runner.run
  runner.run(bareYield());
  // createTask
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to createTask
  createTask(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to createTask
  createTask(badFut());
  // @ts-expect-error a task (`yield task`) passed to createTask
  createTask(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to createTask
  createTask(badPromise());
  // @ts-expect-error a bare `yield` passed to createTask
  createTask(bareYield());
  // loop.createTask
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to loop.createTask
  loop.createTask(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to loop.createTask
  loop.createTask(badFut());
  // @ts-expect-error a task (`yield task`) passed to loop.createTask
  loop.createTask(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to loop.createTask
  loop.createTask(badPromise());
  // @ts-expect-error a bare `yield` passed to loop.createTask
  loop.createTask(bareYield());
  // runUntilComplete
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to runUntilComplete
  loop.runUntilComplete(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to runUntilComplete
  loop.runUntilComplete(badFut());
  // @ts-expect-error a task (`yield task`) passed to runUntilComplete
  loop.runUntilComplete(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to runUntilComplete
  loop.runUntilComplete(badPromise());
  // @ts-expect-error a bare `yield` passed to runUntilComplete
  loop.runUntilComplete(bareYield());
  // gather
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to gather
  gather([badCoro()]);
  // @ts-expect-error a future (`yield fut`) passed to gather
  gather([badFut()]);
  // @ts-expect-error a task (`yield task`) passed to gather
  gather([badTask()]);
  // @ts-expect-error a promise (`yield promise`) passed to gather
  gather([badPromise()]);
  // @ts-expect-error a bare `yield` passed to gather
  gather([bareYield()]);
  // ensureFuture
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to ensureFuture
  ensureFuture(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to ensureFuture
  ensureFuture(badFut());
  // @ts-expect-error a task (`yield task`) passed to ensureFuture
  ensureFuture(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to ensureFuture
  ensureFuture(badPromise());
  // @ts-expect-error a bare `yield` passed to ensureFuture
  ensureFuture(bareYield());
  // shield
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to shield
  shield(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to shield
  shield(badFut());
  // @ts-expect-error a task (`yield task`) passed to shield
  shield(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to shield
  shield(badPromise());
  // @ts-expect-error a bare `yield` passed to shield
  shield(bareYield());
  // waitFor
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to waitFor
  waitFor(badCoro(), 10);
  // @ts-expect-error a future (`yield fut`) passed to waitFor
  waitFor(badFut(), 10);
  // @ts-expect-error a task (`yield task`) passed to waitFor
  waitFor(badTask(), 10);
  // @ts-expect-error a promise (`yield promise`) passed to waitFor
  waitFor(badPromise(), 10);
  // @ts-expect-error a bare `yield` passed to waitFor
  waitFor(bareYield(), 10);
  // eager
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to eager
  eager(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to eager
  eager(badFut());
  // @ts-expect-error a task (`yield task`) passed to eager
  eager(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to eager
  eager(badPromise());
  // @ts-expect-error a bare `yield` passed to eager
  eager(bareYield());
  // coroEager
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to coroEager
  coroEager(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to coroEager
  coroEager(badFut());
  // @ts-expect-error a task (`yield task`) passed to coroEager
  coroEager(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to coroEager
  coroEager(badPromise());
  // @ts-expect-error a bare `yield` passed to coroEager
  coroEager(bareYield());
  // coroAwait
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to coroAwait
  coroAwait(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to coroAwait
  coroAwait(badFut());
  // @ts-expect-error a task (`yield task`) passed to coroAwait
  coroAwait(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to coroAwait
  coroAwait(badPromise());
  // @ts-expect-error a bare `yield` passed to coroAwait
  coroAwait(bareYield());
  // CoroStart
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to CoroStart
  new CoroStart(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to CoroStart
  new CoroStart(badFut());
  // @ts-expect-error a task (`yield task`) passed to CoroStart
  new CoroStart(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to CoroStart
  new CoroStart(badPromise());
  // @ts-expect-error a bare `yield` passed to CoroStart
  new CoroStart(bareYield());
  // TaskGroup.createTask
  // @ts-expect-error a coroutine (`yield sleep(1)`) passed to TaskGroup.createTask
  group.createTask(badCoro());
  // @ts-expect-error a future (`yield fut`) passed to TaskGroup.createTask
  group.createTask(badFut());
  // @ts-expect-error a task (`yield task`) passed to TaskGroup.createTask
  group.createTask(badTask());
  // @ts-expect-error a promise (`yield promise`) passed to TaskGroup.createTask
  group.createTask(badPromise());
  // @ts-expect-error a bare `yield` passed to TaskGroup.createTask
  group.createTask(bareYield());
  // eager(fn)
  // @ts-expect-error a coroutine (`yield sleep(1)`) in a function given to eager(fn)
  eager(badCoro);
  // @ts-expect-error a future (`yield fut`) in a function given to eager(fn)
  eager(badFut);
  // @ts-expect-error a task (`yield task`) in a function given to eager(fn)
  eager(badTask);
  // @ts-expect-error a promise (`yield promise`) in a function given to eager(fn)
  eager(badPromise);
  // @ts-expect-error a bare `yield` in a function given to eager(fn)
  eager(bareYield);
  // funcEager
  // @ts-expect-error a coroutine (`yield sleep(1)`) in a function given to funcEager
  funcEager(badCoro);
  // @ts-expect-error a future (`yield fut`) in a function given to funcEager
  funcEager(badFut);
  // @ts-expect-error a task (`yield task`) in a function given to funcEager
  funcEager(badTask);
  // @ts-expect-error a promise (`yield promise`) in a function given to funcEager
  funcEager(badPromise);
  // @ts-expect-error a bare `yield` in a function given to funcEager
  funcEager(bareYield);
  // timeout body
  // @ts-expect-error a coroutine (`yield sleep(1)`) in a function given to timeout body
  timeout(10, badCoro);
  // @ts-expect-error a future (`yield fut`) in a function given to timeout body
  timeout(10, badFut);
  // @ts-expect-error a task (`yield task`) in a function given to timeout body
  timeout(10, badTask);
  // @ts-expect-error a promise (`yield promise`) in a function given to timeout body
  timeout(10, badPromise);
  // @ts-expect-error a bare `yield` in a function given to timeout body
  timeout(10, bareYield);
  // timeoutAt body
  // @ts-expect-error a coroutine (`yield sleep(1)`) in a function given to timeoutAt body
  timeoutAt(null, badCoro);
  // @ts-expect-error a future (`yield fut`) in a function given to timeoutAt body
  timeoutAt(null, badFut);
  // @ts-expect-error a task (`yield task`) in a function given to timeoutAt body
  timeoutAt(null, badTask);
  // @ts-expect-error a promise (`yield promise`) in a function given to timeoutAt body
  timeoutAt(null, badPromise);
  // @ts-expect-error a bare `yield` in a function given to timeoutAt body
  timeoutAt(null, bareYield);
  // taskGroup body
  // @ts-expect-error a coroutine (`yield sleep(1)`) in a function given to taskGroup body
  taskGroup(badCoro);
  // @ts-expect-error a future (`yield fut`) in a function given to taskGroup body
  taskGroup(badFut);
  // @ts-expect-error a task (`yield task`) in a function given to taskGroup body
  taskGroup(badTask);
  // @ts-expect-error a promise (`yield promise`) in a function given to taskGroup body
  taskGroup(badPromise);
  // @ts-expect-error a bare `yield` in a function given to taskGroup body
  taskGroup(bareYield);
  // TaskGroup.run body
  // @ts-expect-error a coroutine (`yield sleep(1)`) in a function given to TaskGroup.run body
  new TaskGroup().run(badCoro);
  // @ts-expect-error a future (`yield fut`) in a function given to TaskGroup.run body
  new TaskGroup().run(badFut);
  // @ts-expect-error a task (`yield task`) in a function given to TaskGroup.run body
  new TaskGroup().run(badTask);
  // @ts-expect-error a promise (`yield promise`) in a function given to TaskGroup.run body
  new TaskGroup().run(badPromise);
  // @ts-expect-error a bare `yield` in a function given to TaskGroup.run body
  new TaskGroup().run(bareYield);
  yield* sleep(0);
}

function* good(): Coroutine<number> {
  yield* sleep(1);
  return 1;
}

export function* otherMistakes(): Coroutine<void> {
  // @ts-expect-error `f` passed for `f()`
  run(good);
  // @ts-expect-error `f` passed for `f()`
  createTask(good);
  // @ts-expect-error `f` passed for `f()`
  gather([good]);
  // @ts-expect-error a promise is not iterable: `yield* fromPromise(p)`
  yield* promise;
  // @ts-expect-error a wrong result type
  const s: string = yield* good();
  // @ts-expect-error a wrong result type, through a task
  const n: string = yield* createTask(good());
  // @ts-expect-error a wrong result type, through run
  const r: Promise<string> = run(good());
  void s, n, r;
}

// ---- correct programs keep compiling -------------------------------------

// Bodies annotated Coroutine<T>, unannotated bodies that only `yield*`, and
// bodies that never yield are all coroutines.
function* unannotated() {
  yield* sleep(1);
  yield* fut;
  yield* task;
  return "u";
}
// deno-lint-ignore require-yield -- a body that never yields, on purpose
function* neverYields() {
  return 2;
}
export const r1: Promise<number> = run(good());
export const r2: Promise<string> = run(unannotated());
export const r3: Promise<number> = run(neverYields());

export function* correctForms(): Coroutine<void> {
  const a: Task<string> = createTask(unannotated());
  const b: Task<number> = loop.createTask(neverYields());
  const c: Future<number> = ensureFuture(good());
  const d: Future<string> = shield(unannotated());
  const e: number = yield* waitFor(good(), 10);
  const f: Future<number> = eager(good());
  const g: Future<number> = coroEager(neverYields());
  const h: number = yield* coroAwait(good());
  const i: CoroStart<string> = new CoroStart(unannotated());
  const j: Task<number> = group.createTask(good());
  const k: string = yield* timeout(10, function* () {
    yield* sleep(1);
    return "in time";
  });
  const l: number = yield* taskGroup(function* (tg) {
    const t = tg.createTask(good());
    return yield* t;
  });
  const m: Promise<string> = runner.run(unannotated());
  const n: Promise<number> = loop.runUntilComplete(good());
  const o: number = yield* fut;
  const p: string = yield* task;
  void a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p;

  // `using _ = yield* lock.acquire()`.
  const lock = new Lock();
  {
    using guard = yield* lock.acquire();
    const gd: LockGuard = guard;
    void gd;
  }

  // eager(fn) keeps the argument types.
  const ef = eager(function* (x: number, y: string) {
    yield* sleep(x);
    return y.length;
  });
  const ef1: Future<number> = ef(1, "a");
  // @ts-expect-error eager(fn): the arguments keep their types
  ef("a", 1);
  // deno-lint-ignore require-yield -- a body that never yields, on purpose
  const fe = funcEager(function* (x: number) {
    return x * 2;
  });
  const fe1: Future<number> = fe(2);
  // @ts-expect-error funcEager(fn): the arguments keep their types
  fe("2");
  void ef1, fe1;
}

// ---- 2. gather, wait, asCompleted ----------------------------------------

function* str(): Coroutine<string> {
  yield* sleep(1);
  return "s";
}

export function* gatherForms(): Coroutine<void> {
  const plain = yield* gather([str(), good()]);
  const plainType: Equal<typeof plain, [string, number]> = true;
  const withExc = yield* gather([str(), good()], { returnExceptions: true });
  const withExcType: Equal<typeof withExc, [string | Error, number | Error]> =
    true;
  const first = withExc[0];
  if (first instanceof Error) {
    const err: Error = first;
    void err;
  } else {
    const ok: string = first;
    void ok;
  }
  // Options not known to leave returnExceptions off: errors may be there.
  const opts: { returnExceptions?: boolean } = {};
  const maybe = yield* gather([str()], opts);
  const maybeType: Equal<typeof maybe, [string | Error]> = true;
  // A non-array iterable (a Set of tasks) gives the element type.
  const set = new Set([createTask(good()), createTask(good())]);
  const fromSet = yield* gather(set);
  const fromSetType: Equal<typeof fromSet, number[]> = true;
  const mixedSet = new Set<Task<number> | Task<string>>();
  const fromMixed = yield* gather(mixedSet, { returnExceptions: true });
  const fromMixedType: Equal<typeof fromMixed, (string | number | Error)[]> =
    true;
  void plainType, withExcType, maybeType, fromSetType, fromMixedType;
}

export function* waitForms(): Coroutine<void> {
  const ta = createTask(str());
  const tb = createTask(good());
  const [done, pending] = yield* wait([ta, tb]);
  const doneType: Equal<typeof done, Set<Task<string> | Task<number>>> = true;
  const pendingType: Equal<typeof pending, Set<Task<string> | Task<number>>> =
    true;
  for (const next of asCompleted([str(), good()])) {
    const v = yield* next;
    const vType: Equal<typeof v, string | number> = true;
    void vType;
  }
  for (const next of asCompleted([ta, tb])) {
    const v: string | number = yield* next;
    void v;
  }
  // @ts-expect-error wait() takes futures, not coroutines
  yield* wait([str()]);
  void doneType, pendingType;
}

// ---- Future and Task are promise-like ------------------------------------

export async function promiseForms(): Promise<void> {
  const caught: Promise<string | number> = task.catch(() => 0);
  const fin: Promise<number> = fut.finally(() => {});
  const th: Promise<string> = task.then((s) => s + "!");
  const aw: string = await task;
  void caught, fin, th, aw;
}

// ---- the yield type is Suspend: not any, unknown or never ----------------

type SleepYield = YieldOf<ReturnType<typeof sleep>>;
type FutureYield = YieldOf<ReturnType<Future<number>[typeof Symbol.iterator]>>;
type TaskYield = YieldOf<ReturnType<Task<number>[typeof Symbol.iterator]>>;
type AcquireYield = YieldOf<ReturnType<Lock["acquire"]>>;
type QueueYield = YieldOf<ReturnType<Queue<number>["get"]>>;
type GatherYield = YieldOf<ReturnType<typeof gather>[typeof Symbol.iterator]>;
export const yieldTypes: [
  Equal<SleepYield, Suspend>,
  Equal<FutureYield, Suspend>,
  Equal<TaskYield, Suspend>,
  Equal<AcquireYield, Suspend>,
  Equal<QueueYield, Suspend>,
  Equal<YieldOf<Coroutine<number>>, Suspend>,
  IsAnyUnknownOrNever<Suspend>,
] = [true, true, true, true, true, true, false];
void (null as unknown as GatherYield);

// coroDrive takes generators that yield anything.
export const driven: number = coroDrive(
  (function* () {
    const v = (yield "need") as number;
    return v + 1;
  })(),
  () => 41,
);

// Without a host AbortSignal type (lib es2022, types []) the signal is
// structural, and still usable.
export function* signalUse(): Coroutine<boolean> {
  const signal = abortSignal();
  const aborted: boolean = signal.aborted;
  signal.addEventListener("abort", () => {}, { once: true });
  yield* sleep(0);
  return aborted;
}
