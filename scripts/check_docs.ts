/**
 * JSR readiness check (`deno task check:docs`), offline:
 *
 * 1. every entry point in deno.json `exports` has a `@module` doc
 *    (`deno doc --json`; `deno doc --lint` does not check this);
 * 2. `deno doc --lint` passes on all entry points (JSDoc on every exported
 *    symbol, explicit types, no private types in the public API);
 * 3. `deno publish --dry-run --allow-dirty` succeeds with no warning (it fails
 *    on slow types);
 * 4. `deno doc --html` builds the reference site without warnings.
 *
 * Runs every check, then exits 1 if any failed. Entry points come from
 * deno.json, so new modules need no edit here.
 *
 * @module
 */

const rootPath = decodeURIComponent(new URL("../", import.meta.url).pathname);
const deno = Deno.execPath();

interface Result {
  code: number;
  text: string;
}

/** Runs deno with args in the project root, capturing its output. */
async function denoRun(args: string[]): Promise<Result> {
  const out = await new Deno.Command(deno, {
    args,
    cwd: rootPath,
    env: { NO_COLOR: "1", RUST_BACKTRACE: "0" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return {
    code: out.code,
    text: dec.decode(out.stdout) + dec.decode(out.stderr),
  };
}

/** The entry points' paths (`./x.ts`) from deno.json `exports`. */
export async function entryPoints(): Promise<string[]> {
  const cfg = JSON.parse(await Deno.readTextFile(rootPath + "deno.json")) as {
    exports: string | Record<string, string>;
  };
  const ex = typeof cfg.exports === "string"
    ? { ".": cfg.exports }
    : cfg.exports;
  return [...new Set(Object.values(ex))];
}

interface DocJson {
  nodes?: Record<string, { module_doc?: { doc?: string } }>;
}

/** Entry points (of `entries`) whose file has no `@module` doc. */
export async function missingModuleDocs(entries: string[]): Promise<string[]> {
  const r = await denoRun(["doc", "--json", ...entries]);
  if (r.code !== 0) throw new Error(`deno doc --json failed:\n${r.text}`);
  const doc = JSON.parse(r.text.slice(r.text.indexOf("{"))) as DocJson;
  const nodes = doc.nodes ?? {};
  return entries.filter((e) => {
    const url = new URL(e, "file://" + rootPath).href;
    return !(nodes[url]?.module_doc?.doc ?? "").trim();
  });
}

async function main(): Promise<number> {
  const entries = await entryPoints();
  let failures = 0;

  console.log(
    `check:docs: ${entries.length} entry points: ${entries.join(" ")}`,
  );
  const missing = await missingModuleDocs(entries);
  if (missing.length > 0) {
    failures++;
    for (const m of missing) {
      console.error(
        `missing @module doc: ${m} (start the file with a /** … @module */ comment)`,
      );
    }
  } else {
    console.log("ok: every entry point has a @module doc");
  }

  const lint = await denoRun(["doc", "--lint", ...entries]);
  if (lint.code !== 0) {
    failures++;
    console.error(lint.text.trimEnd());
    console.error("deno doc --lint: failed");
  } else {
    console.log("ok: deno doc --lint");
  }

  const pub = await denoRun(["publish", "--dry-run", "--allow-dirty"]);
  const warnings = pub.text.split("\n").filter((l) =>
    /^\s*(warning|error)\b/i.test(l)
  );
  if (pub.code !== 0 || warnings.length > 0) {
    failures++;
    console.error(pub.text.trimEnd());
    console.error("deno publish --dry-run: not clean");
  } else {
    console.log("ok: deno publish --dry-run --allow-dirty");
  }

  const out = await Deno.makeTempDir({ prefix: "x_runner_docs_" });
  try {
    const html = await denoRun([
      "doc",
      "--html",
      "--name=@x/runner",
      `--output=${out}`,
      ...entries,
    ]);
    const htmlWarnings = html.text.split("\n").filter((l) =>
      /warning|error/i.test(l)
    );
    if (html.code !== 0 || htmlWarnings.length > 0) {
      failures++;
      console.error(html.text.trimEnd());
      console.error("deno doc --html: not clean");
    } else {
      console.log("ok: deno doc --html builds without warnings");
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }

  console.log(
    failures === 0
      ? "check:docs: ok"
      : `check:docs: ${failures} check(s) failed`,
  );
  return failures === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main());
