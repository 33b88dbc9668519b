// End to end: a real SIGINT sent to a child process running a Runner.
import assert from "node:assert/strict";

const canSignal = typeof Deno !== "undefined" && Deno.build.os !== "windows";
if (!canSignal) {
  console.log(
    "sigint_test: skipped (needs Deno and an OS with POSIX signals)",
  );
}

const CHILD = new URL("./fixtures/sigint_child.ts", import.meta.url);
const LIMIT_MS = 20_000;

/** Runs the child, sends SIGINT after "ready"; returns its stdout lines and exit code. */
async function interruptChild(mode: string): Promise<{
  lines: string[];
  code: number;
  stderr: string;
}> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--quiet",
      decodeURIComponent(CHILD.pathname),
      mode,
    ],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  // Bound the whole exchange: a hung child is killed and the test fails.
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, LIMIT_MS);
  const lines: string[] = [];
  let sent = false;
  const stderrText = new Response(child.stderr).text();
  try {
    let buf = "";
    const decoder = new TextDecoder();
    for await (const chunk of child.stdout) {
      buf += decoder.decode(chunk, { stream: true });
      let nl;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        if (line === "ready" && !sent) {
          sent = true;
          child.kill("SIGINT");
        }
      }
    }
    if (buf) lines.push(buf);
    const status = await child.status;
    const stderr = await stderrText;
    assert.ok(!timedOut, `child hung; stdout: ${lines.join(" | ")}`);
    return { lines, code: status.code, stderr };
  } finally {
    clearTimeout(killer);
  }
}

Deno.test({
  name:
    "sigint: Ctrl-C cancels the main task, runs finally, rejects KeyboardInterrupt",
  ignore: !canSignal,
  fn: async () => {
    const { lines, code, stderr } = await interruptChild("raise");
    assert.equal(code, 0, stderr);
    assert.deepEqual(lines, [
      "ready",
      "finally ran",
      "caught KeyboardInterrupt",
      "closed",
    ], stderr);
  },
});

Deno.test({
  name: "sigint: a main task that swallows the cancellation returns its value",
  ignore: !canSignal,
  fn: async () => {
    const { lines, code, stderr } = await interruptChild("swallow");
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      lines,
      ["ready", "finally ran", "result x", "closed"],
      stderr,
    );
  },
});
