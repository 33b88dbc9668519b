/**
 * An HTTP server whose requests run as Tasks on ONE long-lived event loop.
 *
 * `Deno.serve` hands each request to the host handler, which starts a Task on
 * the server's loop (the loop runs `runForever()` for the server's lifetime)
 * and answers with `task.toPromise()`. When the client disconnects,
 * `request.signal` aborts and the handler cancels that task; the
 * `CancelledError` reaches the task wherever it waits, and the work inside
 * it stops at once: its `fetch` to another route of this server is aborted
 * through {@linkcode fromAbortable}, its `sleep` is cancelled.
 *
 * Routes:
 * - `GET /work?upstream=MS&sleep=MS`: the task fetches `/upstream?ms=MS`,
 *   then sleeps `sleep` ms on the loop, then answers JSON.
 * - `GET /upstream?ms=MS`: plain host code; answers after `ms` ms unless the
 *   caller goes away first.
 * - `GET /whoami` (header `x-request-id`): the task sets a `requestId`
 *   ContextVar, then calls a native async helper through `fromAbortable`;
 *   the helper reads the variable after two `await`s and sees its own
 *   request's id (context through native await, where the host has
 *   AsyncLocalStorage).
 * - `GET /debug/tasks`: the loop's task tree (`formatTaskTree`), as text.
 *
 * Run it with `deno run --allow-net examples/server.ts`, then
 * `curl 'http://127.0.0.1:8000/work?upstream=2000&sleep=2000'` and press
 * Ctrl-C in curl: the server logs the cancellation.
 *
 * Deno 2 prints a note once that `request.signal` also aborts after a
 * successful response (its legacy behaviour). The handler drops its listener
 * as soon as the task is done, so both behaviours (and
 * `--unstable-no-legacy-abort`) work.
 *
 * @module
 */

import {
  allTasks,
  CancelledError,
  type Coroutine,
  EventLoop,
  sleep,
  type Task,
} from "../mod.ts";
import { delay, fromAbortable } from "../interop.ts";
import { ContextVar } from "../context.ts";
import { formatTaskTree } from "../graph.ts";
import { StatsLog } from "./_stats.ts";

/** The id of the request a `/whoami` task serves. */
const requestId = new ContextVar<string>("requestId", { default: "none" });

/** A native async helper, as a database client would be: no task in sight. */
async function lookUpCaller(signal: AbortSignal): Promise<string> {
  await delay(Math.random() * 5, { signal }); // first native await
  await Promise.resolve(); // second
  return requestId.get(); // the id of the request this call serves
}

/** The task behind one `/whoami` request. */
function* whoami(id: string): Coroutine<Response> {
  requestId.set(id);
  yield* sleep(Math.random() * 5); // other requests interleave here
  const seen = yield* fromAbortable((signal) => lookUpCaller(signal));
  return Response.json({ id, seen });
}

/** Counters the server keeps, for tests and curiosity. */
export interface ServerStats {
  /** `/work` tasks started. */
  started: number;
  /** `/work` tasks that answered. */
  completed: number;
  /** `/work` tasks that ended cancelled. */
  cancelled: number;
  /** `/upstream` requests received. */
  upstreamStarted: number;
  /** `/upstream` requests answered. */
  upstreamCompleted: number;
  /** `/upstream` requests whose caller went away before the answer. */
  upstreamAborted: number;
  /** Task-side `fetch`es to `/upstream` stopped by the task's cancellation. */
  innerFetchAborted: number;
}

/** Options of {@linkcode startServer}. */
export interface ServerOptions {
  /** The port; 0 (the default) picks a free one. */
  port?: number;
  /** The interface; `127.0.0.1` by default. */
  hostname?: string;
  /** Also print the log lines. */
  verbose?: boolean;
}

/** A running server, from {@linkcode startServer}. */
export interface RunningServer {
  /** The base URL, such as `http://127.0.0.1:40123`. */
  url: string;
  /** Live counters. */
  stats: ServerStats;
  /** What happened, one line per event. */
  log: string[];
  /**
   * Resolves once `predicate(stats)` holds; rejects after `ms` milliseconds
   * (5000 by default) so that a test cannot hang.
   */
  waitUntil(predicate: (s: ServerStats) => boolean, ms?: number): Promise<void>;
  /** Cancels the tasks still running, stops the server, closes the loop. */
  close(): Promise<void>;
}

/**
 * Starts the server and its event loop.
 *
 * @param options `port`, `hostname`, `verbose`.
 * @returns The running server.
 *
 * @example
 * ```ts ignore
 * const server = startServer({ port: 0 });
 * const r = await fetch(`${server.url}/work?upstream=1&sleep=1`);
 * console.log(await r.json());
 * await server.close();
 * ```
 */
export function startServer(options?: ServerOptions): RunningServer {
  const hostname = options?.hostname ?? "127.0.0.1";
  const verbose = options?.verbose ?? false;
  const stats: ServerStats = {
    started: 0,
    completed: 0,
    cancelled: 0,
    upstreamStarted: 0,
    upstreamCompleted: 0,
    upstreamAborted: 0,
    innerFetchAborted: 0,
  };
  const book = new StatsLog<ServerStats>(stats, verbose);
  const log = book.log;
  const note = (key: keyof ServerStats | null, line: string): void =>
    book.note(key, line);

  // The one loop every request task runs on, for the server's lifetime.
  const loop = new EventLoop();
  const forever = loop.runForever();
  let base = "";
  let requestCounter = 0;
  let closing: Promise<void> | null = null;

  /** The task behind one `/work` request. */
  function* work(url: URL, name: string): Coroutine<Response> {
    const upstreamMs = Number(url.searchParams.get("upstream") ?? "10");
    const sleepMs = Number(url.searchParams.get("sleep") ?? "10");
    note("started", `${name}: started`);
    let phase = "fetching upstream";
    try {
      // Host work tied to this task: cancelling the task aborts the fetch.
      const text = yield* fromAbortable((signal) =>
        fetch(`${base}/upstream?ms=${upstreamMs}`, { signal }).then(
          (r) => r.text(),
          (e) => {
            if (signal.aborted) {
              note("innerFetchAborted", `${name}: upstream fetch aborted`);
            }
            throw e;
          },
        )
      );
      phase = "sleeping";
      note(null, `${name}: sleeping ${sleepMs} ms`);
      yield* sleep(sleepMs);
      note("completed", `${name}: completed`);
      return Response.json({ task: name, upstream: text });
    } catch (e) {
      if (e instanceof CancelledError) {
        note("cancelled", `${name}: cancelled while ${phase} (${e.message})`);
      }
      throw e;
    }
  }

  /** `/upstream`: plain host code that stops when its caller goes away. */
  async function upstream(req: Request, url: URL): Promise<Response> {
    const ms = Number(url.searchParams.get("ms") ?? "10");
    note("upstreamStarted", `upstream: started (${ms} ms)`);
    try {
      await delay(ms, { signal: req.signal });
    } catch {
      note("upstreamAborted", "upstream: caller went away");
      return new Response(null, { status: 499 });
    }
    note("upstreamCompleted", "upstream: answered");
    return new Response("upstream ok");
  }

  function handler(req: Request): Response | Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/upstream") return upstream(req, url);
    if (url.pathname === "/debug/tasks") {
      // Read from host code: pass the loop. One pass over tasks and timers.
      return new Response(formatTaskTree(loop) + "\n");
    }
    if (url.pathname !== "/work" && url.pathname !== "/whoami") {
      return new Response("not found", { status: 404 });
    }
    if (closing !== null) {
      return new Response("shutting down", { status: 503 });
    }
    const name = `request-${++requestCounter}`;
    const task: Task<Response> = loop.createTask(
      url.pathname === "/work"
        ? work(url, name)
        : whoami(req.headers.get("x-request-id") ?? name),
      { name },
    );
    // A disconnect cancels the task; the cancel is queued on the loop, like
    // any other event coming from the host.
    const onAbort = (): void => {
      if (!loop.isClosed()) {
        loop.callSoon(() => task.cancel("client disconnected"));
      }
    };
    req.signal.addEventListener("abort", onAbort, { once: true });
    return task.toPromise().then(
      (response) => response,
      (e) =>
        e instanceof CancelledError
          ? new Response("cancelled", { status: 499 })
          : new Response(String(e), { status: 500 }),
    ).finally(() => req.signal.removeEventListener("abort", onAbort));
  }

  const server = Deno.serve({
    port: options?.port ?? 0,
    hostname,
    onListen: () => {}, // quiet: the log below says it
  }, handler);
  base = `http://${server.addr.hostname}:${server.addr.port}`;
  note(null, `listening on ${base}`);

  const waitUntil = (
    predicate: (s: ServerStats) => boolean,
    ms?: number,
  ): Promise<void> => book.waitUntil(predicate, ms);

  function close(): Promise<void> {
    closing ??= (async () => {
      // Cancel what is still running and let it finish its cleanup, so
      // every response is written before the server shuts down.
      const pending = [...allTasks(loop)];
      loop.callSoon(() => {
        for (const t of pending) t.cancel("server closing");
      });
      await Promise.allSettled(pending.map((t) => t.toPromise()));
      await server.shutdown();
      loop.stop();
      await forever;
      loop.close();
      note(null, "closed");
    })();
    return closing;
  }

  return { url: base, stats, log, waitUntil, close };
}

if (import.meta.main) {
  const server = startServer({
    port: Number(Deno.args[0] ?? "8000"),
    verbose: true,
  });
  console.log(
    `try: curl '${server.url}/work?upstream=2000&sleep=2000' (Ctrl-C it to cancel)`,
  );
  Deno.addSignalListener("SIGINT", () => {
    server.close().then(() => Deno.exit(0));
  });
}
