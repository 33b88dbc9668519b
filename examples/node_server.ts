/**
 * A `node:http` server with one Task per request, on the loop of a Runner
 * that runs for the server's lifetime. Runs on Node (and on Deno, through
 * its `node:http`).
 *
 * The request handler is host code: it runs outside the loop, so the
 * module-level `createTask()` (which needs a running loop) would throw
 * `no running event loop`. The handler holds the loop instead and calls
 * `loop.createTask()` (here `runner.getLoop()`). When the client
 * disconnects before the answer, the response's `close` event cancels the
 * task, through the loop's queue like any other host event; the
 * `CancelledError` reaches the task wherever it waits.
 *
 * Routes:
 * - `GET /work?ms=MS`: the task sleeps `ms` ms on the loop, then answers.
 * - `GET /fail`: the task throws; the client gets a 500, the error is
 *   logged, and nothing is left unretrieved.
 *
 * Run it with `deno run --allow-net examples/node_server.ts` (or, on Node
 * >= 24.2, `node examples/node_server.ts`), then
 * `curl 'http://127.0.0.1:8000/work?ms=5000'` and press Ctrl-C in curl: the
 * server logs the cancellation.
 *
 * @module
 */

import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  CancelledError,
  type Coroutine,
  Runner,
  sleep,
  type Task,
} from "../mod.ts";
import { StatsLog } from "./_stats.ts";

/** Counters the server keeps, for tests and curiosity. */
export interface NodeServerStats {
  /** Request tasks started. */
  started: number;
  /** Request tasks that answered. */
  completed: number;
  /** Request tasks cancelled because their client went away. */
  cancelled: number;
  /** Request tasks that failed (answered with a 500). */
  failed: number;
  /** Errors the loop reported (its exception handler was called). */
  reported: number;
}

/** A running server, from {@linkcode startNodeServer}. */
export interface RunningNodeServer {
  /** The base URL, such as `http://127.0.0.1:40123`. */
  url: string;
  /** Live counters. */
  stats: NodeServerStats;
  /** What happened, one line per event. */
  log: string[];
  /**
   * Resolves once `predicate(stats)` holds; rejects after `ms` milliseconds
   * (5000 by default) so that a test cannot hang.
   */
  waitUntil(
    predicate: (s: NodeServerStats) => boolean,
    ms?: number,
  ): Promise<void>;
  /** Cancels the tasks still running, closes the server and the runner. */
  close(): Promise<void>;
}

/** Options of {@linkcode startNodeServer}. */
export interface NodeServerOptions {
  /** The port; 0 (the default) picks a free one. */
  port?: number;
  /** Also print the log lines. */
  verbose?: boolean;
}

/**
 * Starts the server and the runner whose loop its request tasks run on.
 *
 * @param options `port`, `verbose`.
 * @returns The running server, once it listens.
 *
 * @example
 * ```ts ignore
 * const server = await startNodeServer({ port: 0 });
 * console.log(await (await fetch(`${server.url}/work?ms=10`)).text());
 * await server.close();
 * ```
 */
export async function startNodeServer(
  options?: NodeServerOptions,
): Promise<RunningNodeServer> {
  const verbose = options?.verbose ?? false;
  const stats: NodeServerStats = {
    started: 0,
    completed: 0,
    cancelled: 0,
    failed: 0,
    reported: 0,
  };
  const book = new StatsLog<NodeServerStats>(stats, verbose);
  const log = book.log;
  const note = (key: keyof NodeServerStats | null, line: string): void =>
    book.note(key, line);

  // The runner's main task lives as long as the server: its loop runs the
  // request tasks. Resolving `stopped` ends it.
  const runner = new Runner();
  const loop = runner.getLoop();
  // What the loop reports (a failure nobody retrieved, a callback's error)
  // goes to the server's log.
  loop.setExceptionHandler((_loop, ctx) => {
    note("reported", `loop: ${ctx.message}: ${ctx.exception}`);
  });
  const stopped = loop.createFuture<void>();
  const running = runner.run((function* () {
    yield* stopped;
  })());
  let requestCounter = 0;

  /** The task behind one request. */
  function* handle(
    url: URL,
    res: ServerResponse,
    name: string,
  ): Coroutine<void> {
    note("started", `${name}: started ${url.pathname}`);
    try {
      if (url.pathname === "/fail") {
        yield* sleep(1);
        throw new Error(`${name}: handler bug`);
      }
      yield* sleep(Number(url.searchParams.get("ms") ?? "10"));
      res.end(`${name}: done\n`);
      note("completed", `${name}: completed`);
    } catch (e) {
      if (e instanceof CancelledError) {
        note("cancelled", `${name}: cancelled (${e.message})`);
      }
      throw e;
    }
  }

  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname !== "/work" && url.pathname !== "/fail") {
      res.statusCode = 404;
      res.end("not found\n");
      return;
    }
    const name = `request-${++requestCounter}`;
    // Host code: no loop is running here, so hold it (createTask() alone
    // would throw "no running event loop").
    const task: Task<void> = loop.createTask(handle(url, res, name), { name });
    // The client went away before the answer: cancel the task, through the
    // loop's queue like any other event coming from the host.
    res.on("close", () => {
      if (!res.writableEnded && !loop.isClosed()) {
        loop.callSoon(() => task.cancel("client disconnected"));
      }
    });
    // Retrieving the outcome here means a failure is answered, not lost.
    task.toPromise().catch((e) => {
      if (e instanceof CancelledError) return;
      note("failed", `${name}: failed: ${e}`);
      res.statusCode = 500;
      res.end("internal error\n");
    });
  }

  const server = createServer(onRequest);
  await new Promise<void>((ok) =>
    server.listen(options?.port ?? 0, "127.0.0.1", ok)
  );
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  note(null, `listening on ${url}`);

  const waitUntil = (
    predicate: (s: NodeServerStats) => boolean,
    ms?: number,
  ): Promise<void> => book.waitUntil(predicate, ms);

  let closing: Promise<void> | null = null;
  function close(): Promise<void> {
    closing ??= (async () => {
      await new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections?.();
      });
      // The main task ends; Runner.close() cancels what is left and waits.
      loop.callSoon(() => stopped.setResult());
      await running;
      await runner.close();
      note(null, "closed");
    })();
    return closing;
  }

  return { url, stats, log, waitUntil, close };
}

// Run as a script (Deno; Node >= 24.2): serve on port 8000 until Ctrl-C.
if (import.meta.main) {
  const server = await startNodeServer({ port: 8000, verbose: true });
  console.log(`try: curl '${server.url}/work?ms=5000' (Ctrl-C it to cancel)`);
}
