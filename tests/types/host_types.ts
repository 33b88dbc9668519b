// Type tests of the AbortSignal bridge for consumers whose types have a host
// AbortSignal and fetch (the DOM lib, @types/node, Deno): checked by
// `deno check` and, against the packed package, by tsc in
// scripts/pack_test.sh with lib ["es2022", "dom"] and with types ["node"].
import { type Coroutine, fromPromise } from "@x/runner";
import {
  abortSignal,
  delay,
  fromAbortable,
  type HostAbortSignal,
} from "@x/runner/interop";
import type { Equal } from "./_expect.ts";

// The task's signal goes straight into fetch.
export function* download(url: string): Coroutine<Response> {
  return yield* fromPromise(fetch(url, { signal: abortSignal() }));
}

// fromAbortable hands the host's own signal type to the callback.
export function* fetchText(url: string): Coroutine<string> {
  const res = yield* fromAbortable((signal) => fetch(url, { signal }));
  return yield* fromAbortable(() => res.text());
}

// The host's real AbortSignal is accepted where the package takes one.
const ctl = new AbortController();
export const rested: Promise<void> = delay(1, { signal: ctl.signal });
export const signalType: Equal<HostAbortSignal, AbortSignal> = true;
export const native: AbortSignal = abortSignal();
