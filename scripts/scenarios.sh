#!/usr/bin/env bash
# The doctor's scorecard (npm run scenarios): builds if needed, then runs every scenario (faults in
# network namespaces this makes and removes) and prints expected against found. Needs root.
#   npm run scenarios -- [--seconds S] [--only REGEX] [--save DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
./netdx --setup-only
[ "$(id -u)" = 0 ] || { echo "netdx scenarios: needs root (namespaces, BPF)" >&2; exit 2; }
export PATH="$PATH:/usr/sbin:/sbin"
exec node dist/tools/doctor/scorecard.js "$@"
