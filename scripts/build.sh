#!/usr/bin/env bash
# Builds netdx: vmlinux.h from the running kernel's BTF (never committed), every BPF C source
# under src/ into a CO-RE object in dist/bpf/, AssemblyScript into dist/wasm/, then the TypeScript into
# dist/ and the CLI bundle dist/netdx.cjs.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p build dist/bpf

build_wasm() {
  mkdir -p dist/wasm
  local src out
  for src in $(find src -name '*.as.ts' | sort); do
    out="dist/wasm/$(basename "${src%.as.ts}").wasm"
    if [ ! -s "$out" ] || [ "$src" -nt "$out" ]; then
      npx --no-install asc "$src" -O3 --runtime stub --noAssert --initialMemory 1 -o "$out"
    fi
  done
}

# TypeScript (type-checked) into dist/, then the CLI as one CommonJS bundle, dist/netdx.cjs: Node 20
# starts it ~20 ms sooner than the same code as 17+ ES modules (module resolution and the ESM
# loader; measured 2026-11-25, `netdx sockets --help`). import.meta.url, which only core/files.ts
# reads for paths, is pinned to that module's place; koffi stays a require() at run time.
build_js() {
  # Event struct layouts from the tools' C headers (src/**/<tool>.h -> <tool>.h.ts), before tsc.
  node scripts/gen-structs.mjs .
  # Compiled modules whose source moved or went away (tsc never deletes): a stale test would run.
  local js
  while IFS= read -r js; do
    local ts="src/${js#dist/}"; ts="${ts%.js}.ts"
    [ -e "$ts" ] || rm -f "$js"
  done < <(find dist -name '*.js' -not -path 'dist/wasm/*' -not -path 'dist/bpf/*' 2>/dev/null)
  npx --no-install tsc -p tsconfig.json
  npx --no-install esbuild dist/cli/main.js --bundle --platform=node --format=cjs --target=node20 \
    --external:koffi --log-level=warning --outfile=dist/netdx.cjs --define:import.meta.url=__netdx_meta_url \
    "--banner:js=const __netdx_meta_url = require('node:url').pathToFileURL(__dirname + '/core/files.js').href;"
}

# /proc/version names the running kernel build; vmlinux.h and the objects follow it.
kid=$(cat /proc/version)
if [ ! -s build/vmlinux.h ] || [ "$kid" != "$(cat build/kernel.id 2>/dev/null)" ]; then
  if [ -r /sys/kernel/btf/vmlinux ]; then
    bpftool btf dump file /sys/kernel/btf/vmlinux format c > build/vmlinux.h.tmp
    mv build/vmlinux.h.tmp build/vmlinux.h
    rm -f dist/bpf/*.bpf.o dist/bpf/*.min.btf
    echo "$kid" > build/kernel.id
  else
    # The classical tools need no BTF: build them, and let BPF tools explain what is missing.
    echo "netdx build: this kernel has no BTF (/sys/kernel/btf/vmlinux): BPF tools are not built (they need CONFIG_DEBUG_INFO_BTF=y)" >&2
    build_wasm
    build_js
    echo "$kid" > build/kernel.id
    touch build/vmlinux.h dist/.build-stamp
    exit 0
  fi
fi

arch=$(uname -m); case "$arch" in x86_64) tarch=x86;; aarch64) tarch=arm64;; *) tarch=$arch;; esac
pids=()
objects=$(bash scripts/bpf-objects.sh .)
while read -r src obj; do
  [ -n "$src" ] || continue
  if [ ! -f "$obj" ] || [ -n "$(find "$src" "$(dirname "$src")" bpf/include build/vmlinux.h -maxdepth 1 \( -name '*.h' -o -name '*.c' \) -newer "$obj" -print -quit)" ]; then
    clang -target bpf -g -O2 -Wall -Werror -D__TARGET_ARCH_$tarch \
      -Ibuild -Ibpf/include -I"$(dirname "$src")" -c "$src" -o "$obj" &
    pids+=($!)
  fi
done <<< "$objects"
for p in "${pids[@]}"; do wait "$p"; done

# A minimal BTF per object: only the kernel types its CO-RE relocations touch (a few KiB).
# Loading with it spares libbpf parsing the kernel's whole BTF (~60 ms of a ~75 ms load here).
# Regenerated with the object or when the kernel's BTF changes; the runtime falls back to the
# kernel's BTF when it is missing.
for obj in dist/bpf/*.bpf.o; do
  min="${obj%.bpf.o}.min.btf"
  if [ ! -s "$min" ] || [ "$obj" -nt "$min" ]; then
    bpftool gen min_core_btf /sys/kernel/btf/vmlinux "$min" "$obj" 2>/dev/null || rm -f "$min"
  fi
done

# WebAssembly from AssemblyScript (src/**/*.as.ts): the hot writers of one-shot dumps, which
# WebAssembly runs compiled from their first call (see src/core/netlink/inetjson.as.ts).
build_wasm
build_js
touch dist/.build-stamp
