// The host hooks the loop and the runner use, detected once here and
// nowhere else: the macrotask that hands the thread back after a time slice,
// the longest host timer, environment flags, and the SIGINT listener. Every
// lookup is feature detection, so the module loads on every host (Deno,
// Node, Bun, browsers, Deno Deploy).

// How the loop hands control back to the host after a time slice.
const hostGlobal = globalThis as unknown as {
  setImmediate?: (fn: () => void) => unknown;
  MessageChannel?: typeof MessageChannel;
};
function makeMacrotask(): (fn: () => void) => void {
  const si = hostGlobal.setImmediate;
  if (typeof si === "function") return (fn) => void si(fn);
  if (typeof hostGlobal.MessageChannel === "function") {
    const queue: (() => void)[] = [];
    let channel: MessageChannel | null = null;
    return (fn) => {
      if (channel === null) {
        channel = new MessageChannel();
        channel.port1.onmessage = () => {
          const f = queue.shift();
          if (queue.length === 0 && channel !== null) {
            channel.port1.close();
            channel = null;
          }
          if (f) f();
        };
      }
      queue.push(fn);
      channel.port2.postMessage(0);
    };
  }
  return (fn) => void setTimeout(fn, 0);
}
/** Runs `fn` in a new host task (after pending I/O callbacks). */
export const macrotask: (fn: () => void) => void = makeMacrotask();

/** The longest delay a host's `setTimeout` honours (a signed 32-bit int). */
export const MAX_HOST_DELAY: number = 2 ** 31 - 1;

/**
 * Whether the environment variable `name` is set to a non-empty value, where
 * the host lets us read it (Deno asks for a permission: no prompt, `false`
 * unless granted).
 */
export function envFlag(name: string): boolean {
  const g = globalThis as unknown as {
    Deno?: {
      env: { get(k: string): string | undefined };
      permissions?: {
        querySync?(d: { name: "env"; variable: string }): { state: string };
      };
    };
    process?: { env?: Record<string, string | undefined> };
  };
  try {
    if (g.Deno !== undefined) {
      const state = g.Deno.permissions?.querySync?.({
        name: "env",
        variable: name,
      }).state;
      if (state !== "granted") return false;
      return !!g.Deno.env.get(name);
    }
    return !!g.process?.env?.[name];
  } catch {
    return false;
  }
}

/** The host's SIGINT hook, if it has one; returns the remover. */
export function installSigint(handler: () => void): () => void {
  const g = globalThis as unknown as {
    Deno?: {
      addSignalListener?(s: "SIGINT", h: () => void): void;
      removeSignalListener?(s: "SIGINT", h: () => void): void;
      build?: { os?: string };
    };
    process?: {
      on?(s: "SIGINT", h: () => void): void;
      off?(s: "SIGINT", h: () => void): void;
      listenerCount?(s: string): number;
      versions?: { node?: string };
    };
  };
  const deno = g.Deno;
  if (deno?.addSignalListener !== undefined) {
    try {
      deno.addSignalListener("SIGINT", handler);
    } catch {
      return noop; // signals unsupported here (Deploy, permissions)
    }
    return () => {
      try {
        deno.removeSignalListener?.("SIGINT", handler);
      } catch {
        // already gone
      }
    };
  }
  const proc = g.process;
  if (typeof proc?.on === "function" && typeof proc.off === "function") {
    // A user handler wins, as with asyncio's check for the default handler.
    if ((proc.listenerCount?.("SIGINT") ?? 0) > 0) return noop;
    proc.on("SIGINT", handler);
    return () => proc.off!("SIGINT", handler);
  }
  return noop;
}

function noop(): void {}
