/**
 * `@x/runner`: Python's asyncio execution model for TypeScript.
 *
 * An explicit {@linkcode EventLoop} with an inspectable ready queue and one
 * timer heap, {@linkcode Future}s, {@linkcode Task}s that drive generator
 * coroutines and can be cancelled at any suspension point, context
 * variables ({@linkcode ContextVar}), and Python 3.11's
 * {@linkcode Runner} / {@linkcode run}.
 *
 * A coroutine is a generator: write `function*` where Python writes
 * `async def`, and `yield*` where Python writes `await`. Delays are in
 * milliseconds.
 *
 * @example Quick start
 * ```ts
 * import { ContextVar, createTask, gather, run, sleep } from "@x/runner";
 * import assert from "node:assert/strict";
 *
 * const requestId = new ContextVar<string>("requestId");
 *
 * function* handle(id: string, ms: number) {
 *   requestId.set(id); // seen only by this task
 *   yield* sleep(ms);
 *   return `${requestId.get()} done`;
 * }
 *
 * const results = await run((function* () {
 *   const a = createTask(handle("a", 20));
 *   const b = createTask(handle("b", 10));
 *   return yield* gather([a, b]);
 * })());
 * assert.deepEqual(results, ["a done", "b done"]);
 * ```
 *
 * @module
 */

export {
  Context,
  ContextVar,
  type ContextVarOptions,
  copyContext,
  getCurrentContext,
  LookupError,
  Token,
} from "./context.ts";
export {
  CancelledError,
  type Coroutine,
  type DoneCallbackOptions,
  Future,
  type FutureOptions,
  InvalidStateError,
  KeyboardInterrupt,
  type Suspend,
  TimeoutError,
} from "./future.ts";
export {
  allTasks,
  type Awaitable,
  type AwaitedOf,
  createTask,
  currentTask,
  ensureFuture,
  fromPromise,
  type FromPromiseOptions,
  gather,
  type GatherOptions,
  sleep,
  Task,
  type TaskConstructorOptions,
  type TaskOptions,
} from "./task.ts";
export {
  type AsyncGenLike,
  type CallOptions,
  EventLoop,
  type EventLoopOptions,
  type ExceptionContext,
  type ExceptionHandler,
  getRunningLoop,
  Handle,
  type TaskFactory,
  TimerHandle,
} from "./loop.ts";
export {
  run,
  type RunFunctionOptions,
  Runner,
  type RunnerOptions,
  type RunOptions,
} from "./runner.ts";
export { Timeout, timeout, timeoutAt, type TimeoutBody } from "./timeouts.ts";
export {
  ALL_COMPLETED,
  asCompleted,
  type AsCompletedOptions,
  FIRST_COMPLETED,
  FIRST_EXCEPTION,
  type ReturnWhen,
  shield,
  wait,
  waitFor,
  type WaitOptions,
} from "./combinators.ts";
export {
  abortSignal,
  type AbortSignalLike,
  delay,
  type DelayOptions,
  fromAbortable,
  type FromAbortableOptions,
  type HostAbortSignal,
} from "./interop.ts";
export {
  eagerTaskGroup,
  TaskGroup,
  taskGroup,
  type TaskGroupOptions,
} from "./taskgroup.ts";
export {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  type LockGuard,
  Semaphore,
} from "./locks.ts";
export {
  LifoQueue,
  PriorityQueue,
  type PriorityQueueOptions,
  Queue,
  QueueEmpty,
  QueueFull,
  type QueueIterateOptions,
  type QueueOptions,
  QueueShutDown,
} from "./queues.ts";
export {
  type Cancellable,
  Cancelling,
  cancelling,
  type CancellingOptions,
  coroAwait,
  coroEager,
  coroIsDone,
  coroIsNew,
  coroIsSuspended,
  coroIter,
  CoroStart,
  type CoroStartOptions,
  type CoroState,
  coroState,
  eager,
  eagerCtx,
  type EagerCtxOptions,
  type EagerOptions,
  eagerTaskFactory,
  funcEager,
  GeneratorExit,
  type PhaseOptions,
} from "./eager.ts";
export {
  GeneratorObject,
  GeneratorObjectIterator,
  Monitor,
  MonitorAwaitable,
  OOBData,
} from "./monitor.ts";
export {
  aiterSync,
  awaitSync,
  type AwaitSyncOptions,
  blockedTasks,
  coroDrive,
  type CoroutineAsyncIterator,
  createTaskDescend,
  type CreateTaskOptions,
  createTaskStart,
  driveAsync,
  enterAsync,
  getReadyQueue,
  inSyncDrive,
  leaveSync,
  readyFind,
  type ReadyFindOptions,
  readyRemove,
  readyTasks,
  requireSyncDrive,
  runnableTasks,
  sleepInsert,
  SyncDriveRequiredError,
  SynchronousAbort,
  SynchronousError,
  taskFromHandle,
  taskIsBlocked,
  taskIsRunnable,
  taskReinsert,
  taskSwitch,
  type TaskSwitchOptions,
} from "./scheduling.ts";
