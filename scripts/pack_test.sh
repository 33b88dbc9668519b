#!/usr/bin/env bash
# Pack test of the npm build (`deno task test:pack`; needs `deno task build:npm`):
# `npm pack` in npm/, install the tarball into a fresh folder, then
#  1. import every entry point on Node (ESM) and run a small Runner program;
#  2. type-check scripts/typetest/main.ts against the installed .d.ts with the
#     pinned tsc (nodenext), where @ts-expect-error lines must catch wrong calls;
#  3. type-check tests/types/ (and every entry point) the way a consumer
#     compiles them: strict, skipLibCheck false, lib ["es2022"] and types []
#     (plus the DOM lib, or @types/node, for the host-type tests),
#     moduleResolution nodenext and bundler, the pinned TypeScript and 5.9;
#  4. source maps: a TaskGroup failure under `node --enable-source-maps`
#     names files inside the installed package (esm/ maps point at src/);
#  5. the README quick start's Node form, compiled by tsc and run on Node.
# Prints `pack: N passed, N failed`.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The packages' own bins: .bin/tsc may be either of the two TypeScripts.
tsc="$root/scripts/tools/node_modules/typescript/bin/tsc"
tsc59="$root/scripts/tools/node_modules/typescript-5.9/bin/tsc"
node_types="$root/scripts/tools/node_modules/@types"
[ -f "$root/npm/package.json" ] || { echo "pack: npm/ is missing: run deno task build:npm first" >&2; exit 1; }
[ -x "$tsc" ] || { echo "pack: $tsc is missing: npm ci --prefix scripts/tools" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
check() { # name, command...
  local name=$1
  shift
  if "$@"; then
    echo "pack: ok: $name"
    passed=$((passed + 1))
  else
    echo "pack: FAILED: $name" >&2
    failed=$((failed + 1))
  fi
}

set -e
tarball=$(cd "$root/npm" && npm pack --silent --pack-destination "$tmp" | tail -n 1)
echo "pack: $tarball ($(du -k "$tmp/$tarball" | cut -f1) KiB)"
tar -tzf "$tmp/$tarball" | sed 's/^/pack:   /'
mkdir "$tmp/app"
cd "$tmp/app"
printf '{ "name": "pack-test", "private": true, "type": "module" }\n' >package.json
npm install --silent --no-audit --no-fund "../$tarball"
set +e

cat >check.mjs <<'JS'
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync("node_modules/@x/runner/package.json", "utf8"));
for (const sub of Object.keys(pkg.exports)) {
  const spec = sub === "." ? pkg.name : pkg.name + sub.slice(1);
  const mod = await import(spec);
  assert.ok(Object.keys(mod).length > 0, `${spec} exports nothing`);
}
const { ContextVar, createTask, gather, Runner, sleep } = await import("@x/runner");
const who = new ContextVar("who", { default: "main" });
function* job(name, ms) {
  who.set(name);
  yield* sleep(ms);
  return `${name}:${who.get()}`;
}
const runner = new Runner();
try {
  const r = await runner.run((function* () {
    return yield* gather([createTask(job("a", 5)), createTask(job("b", 1))]);
  })());
  assert.deepEqual(r, ["a:a", "b:b"]);
} finally {
  await runner.close();
}
console.log(`pack: node ${process.version} imported ${Object.keys(pkg.exports).length} entry points`);
JS
check "import on Node (ESM) and run" node check.mjs

cp "$root/scripts/typetest/main.ts" "$root/scripts/typetest/tsconfig.typetest.json" .
check "type test (tsc nodenext, @ts-expect-error)" "$tsc" -p tsconfig.typetest.json

# Source maps: a task that throws inside the library's TaskGroup; with
# --enable-source-maps every mapped frame must name a file that exists in
# the installed package, and the TaskGroup frame must point at the line that
# makes the group's error.
cat >throw.mjs <<'JS'
import { run, sleep, taskGroup } from "@x/runner";
await run((function* () {
  yield* taskGroup(function* (tg) {
    tg.createTask((function* () {
      yield* sleep(1);
      throw new Error("boom");
    })());
    yield* sleep(10);
  });
})());
JS
mapped_frames() {
  local out frames f file line
  out=$(node --enable-source-maps throw.mjs 2>&1) && {
    echo "pack: throw.mjs did not fail" >&2
    return 1
  }
  frames=$(grep -Eo '/[^ ():]*node_modules/@x/runner/[^ ():]+:[0-9]+:[0-9]+' <<<"$out" | sort -u)
  grep -q '/src/taskgroup\.ts:' <<<"$frames" || {
    echo "pack: no mapped TaskGroup frame in:" >&2
    echo "$out" >&2
    return 1
  }
  for f in $frames; do
    file=${f%:*:*}
    [ -f "$file" ] || { echo "pack: mapped frame $f: no such file" >&2; return 1; }
  done
  # The topmost TaskGroup frame, in the order printed.
  f=$(grep -Eo '/[^ ():]*/src/taskgroup\.ts:[0-9]+:[0-9]+' <<<"$out" | head -n 1)
  file=${f%:*:*}
  line=${f%:*}
  line=${line##*:}
  sed -n "${line}p" "$file" | grep -q 'AggregateError' || {
    echo "pack: $f does not point at the group's error:" >&2
    sed -n "${line}p" "$file" >&2
    return 1
  }
  echo "pack: mapped: $(grep -c . <<<"$frames") frames, e.g. ${f#"$PWD/"}"
}
check "source maps name files in the package (node --enable-source-maps)" mapped_frames

# The README quick start's Node form (the block after its marker), compiled
# by tsc with the target `tsc --init` writes (esnext: `using` is not lowered)
# and run on this Node.
awk '/<!-- quick-start-node/ { on = 1; next }
  on && /^```ts$/ { inblock = 1; next }
  inblock && /^```$/ { exit }
  inblock { print }' "$root/README.md" >quickstart.ts
cat >tsconfig.quickstart.json <<JSON
{
  "compilerOptions": {
    "target": "ESNext", "module": "NodeNext", "moduleResolution": "NodeNext",
    "lib": ["es2022"], "types": ["node"], "typeRoots": ["$node_types"],
    "strict": true, "skipLibCheck": false
  },
  "files": ["quickstart.ts"]
}
JSON
quick_start_node() {
  [ -s quickstart.ts ] || { echo "pack: README has no quick-start-node block" >&2; return 1; }
  node "$tsc" -p tsconfig.quickstart.json && node quickstart.js &&
    echo "pack: README quick start (Node form) ran on node $(node --version)"
}
check "README quick start, Node form (tsc esnext, node)" quick_start_node

mkdir types
cp "$root"/tests/types/*.ts types/
# Every entry point's .d.ts, loaded under the consumer settings below.
node -e '
  const pkg = JSON.parse(require("fs").readFileSync("node_modules/@x/runner/package.json", "utf8"));
  const subs = Object.keys(pkg.exports).map((s) => s === "." ? pkg.name : pkg.name + s.slice(1));
  console.log(subs.map((s, i) => `import * as e${i} from "${s}";`).join("\n"));
  console.log(`export const entryPoints = [${subs.map((_, i) => `e${i}`).join(", ")}];`);
' >types/entry_points.ts
# typecheck NAME COMPILER RESOLUTION LIB TYPES FILE...: a consumer's tsconfig.
typecheck() {
  local name=$1 compiler=$2 resolution=$3 lib=$4 types=$5
  shift 5
  local module=NodeNext
  [ "$resolution" = bundler ] && module=ESNext
  local files
  files=$(printf '"types/%s",' "$@")
  cat >"tsconfig.$name.json" <<JSON
{
  "compilerOptions": {
    "target": "ES2022", "module": "$module", "moduleResolution": "$resolution",
    "lib": $lib, "types": $types, "typeRoots": ["$node_types"],
    "strict": true, "noEmit": true, "skipLibCheck": false
  },
  "files": [${files%,}]
}
JSON
  node "$compiler" -p "tsconfig.$name.json"
}
for ts in "$tsc" "$tsc59"; do
  v=$(node "$ts" --version | sed 's/Version //')
  for res in nodenext bundler; do
    check "tests/types (tsc $v, $res, lib es2022, types [])" \
      typecheck "core-$v-$res" "$ts" "$res" '["es2022"]' '[]' coroutine_types.ts entry_points.ts
    check "tests/types host (tsc $v, $res, lib es2022 + dom)" \
      typecheck "dom-$v-$res" "$ts" "$res" '["es2022", "dom"]' '[]' host_types.ts
    check "tests/types host (tsc $v, $res, lib es2022, @types/node)" \
      typecheck "node-$v-$res" "$ts" "$res" '["es2022"]' '["node"]' host_types.ts
  done
done

echo "pack: ${passed} passed, ${failed} failed"
[ "$failed" -eq 0 ]
