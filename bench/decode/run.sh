#!/usr/bin/env bash
# The user side's cost per event (decode.mjs, on the build in dist/): no kernel, no root; for A/B
# of the decoders and renderers (build, run; change, build, run).   bench/decode/run.sh (env: N=20000)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
"$ROOT/netdx" --setup-only   # node_modules and dist/
node "$ROOT/bench/decode/decode.mjs"
