/**
 * Builds the npm package of `@x/runner` into `npm/`, with TypeScript's `tsc`
 * (pinned in scripts/tools/package.json) standing in for dnt, which lives on
 * JSR and cannot be fetched here.
 *
 * Everything comes from deno.json: each `exports` entry becomes an entry of
 * `npm/package.json` `exports` (`types` + `default`), so a new module needs
 * no edit here.
 *
 * Output:
 * - `npm/esm/*.js` (ES2022 ESM: `using` is lowered for Node 20), `.js.map`
 *   with inlined sources, `.d.ts` whose relative imports end in `.js`;
 * - `npm/src/*.ts`: the sources the maps name (`../src/x.ts`), so a mapped
 *   stack frame names a file inside the installed package;
 * - `npm/package.json`, README.md, LICENSE;
 * - `npm/tests/*.js`: tests/*.ts compiled without type checks, importing the
 *   built `../esm/*.js`, with `Deno.test` mapped onto node:test / bun:test by
 *   `npm/tests/_deno_test_shim.mjs` (scripts/node_test_shim.mjs). Not packed.
 * - `npm/examples/*.js`: the examples tests import (node:http), compiled the
 *   same way, importing `../esm/*.js`. Not packed.
 *
 * Where JSR is reachable, swapping back to dnt is one line: set
 * `const BUILDER = buildWithDnt;` below (untested here: JSR is unreachable).
 * dnt then builds, type-checks and runs the tests on Node with its own
 * Deno.test shim (its `npm/` layout is the same `esm/` tree).
 *
 * Run: `deno task build:npm` (installs the pinned tools with `npm ci` once).
 *
 * @module
 */

const root = new URL("../", import.meta.url);
const rootPath = decodeURIComponent(root.pathname);
const npmDir = rootPath + "npm/";
const toolsDir = rootPath + "scripts/tools/";
// The package's own bin, not .bin/tsc: scripts/tools also holds TypeScript
// 5.9 (the consumer type test's second compiler), whose bin has the same name.
const tsc = toolsDir + "node_modules/typescript/bin/tsc";

interface DenoJson {
  name: string;
  version: string;
  license?: string;
  description?: string;
  exports: string | Record<string, string>;
}

/** Runs a command, failing the build with its output when it fails. */
async function sh(cmd: string, args: string[], cwd = rootPath): Promise<void> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "inherit",
    stderr: "inherit",
  })
    .output();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed with exit code ${out.code}`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Installs the pinned npm tools (scripts/tools/package.json) if missing. */
export async function ensureTools(): Promise<void> {
  if (await exists(tsc)) return;
  console.log(
    "build:npm: installing the pinned tools (npm ci in scripts/tools)",
  );
  await sh("npm", ["ci", "--no-audit", "--no-fund", "--prefix", toolsDir]);
}

/** The entry points: [export name, "./file.ts"]. */
function entriesOf(cfg: DenoJson): [string, string][] {
  const ex = typeof cfg.exports === "string"
    ? { ".": cfg.exports }
    : cfg.exports;
  return Object.entries(ex);
}

/** `./x.ts` → `./esm/x.js` (and `.d.ts`). */
function outPath(src: string, ext: ".js" | ".d.ts"): string {
  return "./esm/" + src.replace(/^\.\//, "").replace(/\.ts$/, ext);
}

/** The first sentence of README.md's first paragraph, as plain text. */
async function descriptionOf(cfg: DenoJson): Promise<string> {
  if (cfg.description) return cfg.description;
  const readme = await Deno.readTextFile(rootPath + "README.md");
  const para = readme.split(/\n\s*\n/).map((p) => p.trim())
    .find((p) => p !== "" && !p.startsWith("#")) ?? "";
  const text = para.replace(/\s+/g, " ").replace(/`/g, "");
  const m = /^(.+?[.!?])(\s|$)/.exec(text);
  const sentence = m ? m[1] : text;
  // npm shows one line: keep a long sentence's head ("X: details" → "X.").
  const colon = sentence.indexOf(": ");
  return sentence.length > 120 && colon > 0
    ? sentence.slice(0, colon) + "."
    : sentence;
}

/** npm/package.json, generated from deno.json. */
async function packageJson(cfg: DenoJson): Promise<Record<string, unknown>> {
  const exports: Record<string, { types: string; default: string }> = {};
  for (const [name, src] of entriesOf(cfg)) {
    exports[name] = {
      types: outPath(src, ".d.ts"),
      default: outPath(src, ".js"),
    };
  }
  const main = exports["."];
  return {
    name: cfg.name,
    version: cfg.version,
    description: await descriptionOf(cfg),
    license: cfg.license ?? "UNLICENSED",
    type: "module",
    ...(main ? { main: main.default, types: main.types } : {}),
    exports,
    files: ["esm/", "src/"],
    sideEffects: false,
    engines: { node: ">=20" },
  };
}

/** Rewrites relative `./x.ts` specifiers (left by tsc in `.d.ts`) to `./x.js`. */
export function rewriteDtsSpecifiers(text: string): string {
  return text.replace(
    /((?:\bfrom|\bimport)\s*\(?\s*)(["'])(\.\.?\/[^"']*?)\.ts\2/g,
    (_m, pre: string, q: string, spec: string) => `${pre}${q}${spec}.js${q}`,
  );
}

/**
 * Prepends `/// <reference lib="esnext.disposable" />` to a `.d.ts` that
 * names `Disposable`, `AsyncDisposable` or `Symbol.(async)dispose`, so a
 * consumer whose `lib` is, say, `["es2022"]` still has those types (users
 * of `using` need them anyway).
 */
export function withDisposableLib(text: string): string {
  const directive = '/// <reference lib="esnext.disposable" />\n';
  if (text.startsWith(directive)) return text;
  return /\b(?:Async)?Disposable\b|\bSymbol\.(?:async)?[dD]ispose\b/.test(text)
    ? directive + text
    : text;
}

/**
 * Drops the private seam interfaces of `_events.ts` from `implements`
 * clauses: `stripInternal` removes the `@internal` members that implement
 * them, so a consumer's type check would otherwise fail on the class.
 */
export function withoutSeamImplements(text: string): string {
  const seam = new Set(["ReadyItem", "LoopCore", "TaskCore", "ContextSlot"]);
  return text.replace(
    /\s+implements\s+([^{]+?)\s*\{/g,
    (_m, list: string) => {
      const kept = list.split(",").map((s) => s.trim()).filter((s) =>
        !seam.has(s)
      );
      return kept.length === 0 ? " {" : ` implements ${kept.join(", ")} {`;
    },
  );
}

async function walk(dir: string, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const p = dir + "/" + e.name;
    if (e.isDirectory) await walk(p, out);
    else out.push(p);
  }
  return out;
}

/** Runs tsc on a config extending tsconfig.npm.json with the given overrides. */
async function runTsc(
  name: string,
  files: string[],
  compilerOptions: Record<string, unknown> = {},
): Promise<void> {
  const cfgPath = `${npmDir}${name}`;
  await Deno.writeTextFile(
    cfgPath,
    JSON.stringify(
      {
        extends: "../scripts/tsconfig.npm.json",
        compilerOptions,
        files: files.map((f) => "../" + f.replace(/^\.\//, "")),
      },
      null,
      2,
    ),
  );
  try {
    await sh(tsc, ["-p", cfgPath]);
  } finally {
    await Deno.remove(cfgPath);
  }
}

/**
 * Examples that tests import on Node, and the modules they import (built
 * into npm/examples/, not packed; compiled without resolving imports).
 */
const TESTED_EXAMPLES = ["examples/node_server.ts", "examples/_stats.ts"];

/** tests/*.ts (top level: tests/browser/ is the browser check's page). */
async function testFiles(): Promise<string[]> {
  const tests: string[] = [];
  for await (const e of Deno.readDir(rootPath + "tests")) {
    if (e.isFile && e.name.endsWith(".ts")) tests.push("tests/" + e.name);
  }
  return tests.sort();
}

/** The root modules (`./x.ts`) that the given test files import. */
async function testImports(tests: string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const t of tests) {
    const text = await Deno.readTextFile(rootPath + t);
    for (
      const m of text.matchAll(
        /(?:\bfrom|\bimport)\s*\(?\s*["']\.\.\/([\w.-]+\.ts)["']/g,
      )
    ) {
      if (await exists(rootPath + m[1])) found.add("./" + m[1]);
    }
  }
  return [...found].sort();
}

/**
 * Points every `npm/esm/*.js.map` at a copy of its source in `npm/src/`:
 * tsc writes `../../x.ts` (the repo root), which in an installed package
 * resolves outside it (`node_modules/@x/x.ts`).
 */
async function shipMappedSources(): Promise<void> {
  await Deno.mkdir(npmDir + "src", { recursive: true });
  for (const f of await walk(npmDir + "esm")) {
    if (!f.endsWith(".js.map")) continue;
    const map = JSON.parse(await Deno.readTextFile(f)) as {
      sourceRoot?: string;
      sources: string[];
    };
    const dir = f.slice(0, f.lastIndexOf("/") + 1);
    map.sources = await Promise.all(map.sources.map(async (src) => {
      const abs = decodeURIComponent(new URL(src, "file://" + dir).pathname);
      if (
        !abs.startsWith(rootPath) || abs.slice(rootPath.length).includes("/")
      ) {
        throw new Error(`${f}: unexpected source ${src}`);
      }
      const name = abs.slice(rootPath.length);
      await Deno.copyFile(abs, npmDir + "src/" + name);
      return "../src/" + name;
    }));
    map.sourceRoot = "";
    await Deno.writeTextFile(f, JSON.stringify(map));
  }
}

/** Compiles the library and the tests into npm/. */
async function buildWithTsc(entries: [string, string][]): Promise<void> {
  // Library: type-checked against no host types (`types: []`), so a stray
  // `Deno.*` fails here. Root modules the tests import but deno.json does not
  // export yet are built too (so the tests run), shipped in esm/ unexported.
  const tests = await testFiles();
  const sources = entries.map(([, src]) => src);
  const extra = (await testImports(tests)).filter((m) => !sources.includes(m));
  if (extra.length > 0) {
    console.warn(
      `build:npm: imported by tests but not in deno.json exports (built, not exported): ${
        extra.join(", ")
      }`,
    );
  }
  await runTsc(".tsconfig.lib.json", [...sources, ...extra]);
  for (const f of await walk(npmDir + "esm")) {
    if (!f.endsWith(".d.ts")) continue;
    const text = await Deno.readTextFile(f);
    const fixed = withoutSeamImplements(
      withDisposableLib(rewriteDtsSpecifiers(text)),
    );
    if (fixed !== text) await Deno.writeTextFile(f, fixed);
  }

  await shipMappedSources();

  // Tests: transpiled only (they use Deno.test, which the shim provides).
  await runTsc(".tsconfig.tests.json", tests, {
    noCheck: true,
    noResolve: true,
    noEmitOnError: false,
    declaration: false,
    isolatedDeclarations: false,
    rootDir: "../tests",
    outDir: "../npm/tests",
  });
  // Examples the tests run (node:http ones): transpiled next to the tests.
  await runTsc(".tsconfig.examples.json", TESTED_EXAMPLES, {
    noCheck: true,
    noResolve: true,
    noEmitOnError: false,
    declaration: false,
    isolatedDeclarations: false,
    rootDir: "../examples",
    outDir: "../npm/examples",
  });
  for (const f of await walk(npmDir + "examples")) {
    if (!f.endsWith(".js")) continue;
    const text = await Deno.readTextFile(f);
    await Deno.writeTextFile(
      f,
      text.replace(
        /((?:\bfrom|\bimport)\s*\(?\s*)(["'])\.\.\/(?!esm\/)/g,
        (_m, pre: string, q: string) => `${pre}${q}../esm/`,
      ),
    );
  }
  await Deno.copyFile(
    rootPath + "scripts/node_test_shim.mjs",
    npmDir + "tests/_deno_test_shim.mjs",
  );
  for (const f of await walk(npmDir + "tests")) {
    if (!f.endsWith(".js")) continue;
    let text = await Deno.readTextFile(f);
    // The library lives in ../esm/ in the build (tests import "../mod.ts");
    // the tested examples in ../examples/.
    text = text.replace(
      /((?:\bfrom|\bimport)\s*\(?\s*)(["'])\.\.\/(?!esm\/|examples\/)/g,
      (_m, pre: string, q: string) => `${pre}${q}../esm/`,
    );
    if (/\bDeno\.test\b/.test(text)) {
      text = `import { test as __denoTest } from "./_deno_test_shim.mjs";\n` +
        text.replace(/\bDeno\.test\b/g, "__denoTest");
    }
    await Deno.writeTextFile(f, text);
  }
}

/** dnt's build, for where JSR is reachable (see the header). */
export async function buildWithDnt(
  entries: [string, string][],
  pkg: Record<string, unknown>,
): Promise<void> {
  const DNT = "jsr:@deno/dnt@0.42.3"; // a variable: not resolved by deno check
  const { build } = await import(DNT);
  const { exports: _e, main: _m, types: _t, files: _f, ...packageFields } = pkg;
  await build({
    entryPoints: entries.map(([name, path]) =>
      name === "." ? path : { name, path }
    ),
    outDir: "./npm",
    shims: { deno: "dev" },
    scriptModule: false,
    typeCheck: "both",
    compilerOptions: { target: "ES2022", lib: ["ESNext", "DOM"] },
    package: packageFields,
  });
}

/** The build in use: `buildWithTsc`, or `buildWithDnt` where JSR is reachable. */
const BUILDER: (
  entries: [string, string][],
  pkg: Record<string, unknown>,
) => Promise<void> = buildWithTsc;

async function main(): Promise<void> {
  const cfg = JSON.parse(
    await Deno.readTextFile(rootPath + "deno.json"),
  ) as DenoJson;
  const entries = entriesOf(cfg);
  await ensureTools();
  await Deno.remove(npmDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(npmDir, { recursive: true });

  const pkg = await packageJson(cfg);
  await BUILDER(entries, pkg);
  if (BUILDER === buildWithTsc) {
    await Deno.writeTextFile(
      npmDir + "package.json",
      JSON.stringify(pkg, null, 2) + "\n",
    );
  }
  for (const f of ["README.md", "LICENSE"]) {
    await Deno.copyFile(rootPath + f, npmDir + f);
  }
  // Every export must have been emitted.
  for (const [name, src] of entries) {
    for (const p of [outPath(src, ".js"), outPath(src, ".d.ts")]) {
      if (!(await exists(npmDir + p.slice(2)))) {
        throw new Error(`export "${name}" (${src}): ${p} was not emitted`);
      }
    }
  }
  console.log(
    `build:npm: wrote npm/ (${pkg.name}@${pkg.version}, ${entries.length} entry points)`,
  );
}

if (import.meta.main) {
  try {
    await main();
  } catch (err) {
    console.error(
      `build:npm failed: ${err instanceof Error ? err.message : err}`,
    );
    Deno.exit(1);
  }
}
