#!/usr/bin/env bash
# The test command (npm test): sets up what is missing, like ./netdx, then runs every test with
# node's test runner. Kernel tests need root; in CI (CI=true) they must not skip.
set -euo pipefail
cd "$(dirname "$0")/.."
./netdx --setup-only
# Test-only peers and oracles (iproute2's ss/nstat, nftables, ethtool, bpftool and bpftrace) from apt,
# and Debian's chromium, in which the doctor's HTML report is loaded (playwright-core drives it).
need=()
command -v bpftrace >/dev/null 2>&1 || need+=(bpftrace)
command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || need+=(nftables)
command -v ethtool >/dev/null 2>&1 || [ -x /usr/sbin/ethtool ] || need+=(ethtool)
[ -x /usr/bin/chromium ] || need+=(chromium)
# Test workloads run /usr/bin/python3 by path (see PYTHON in src/testlib/kernel.ts).
[ -x /usr/bin/python3 ] || need+=(python3)
# superping's test checks its times against iputils ping's own.
[ -x /usr/bin/ping ] || need+=(iputils-ping)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ]; then
  echo "netdx test: installing ${need[*]} (apt)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 || \
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; }
fi
export PATH="$PATH:/usr/sbin:/sbin"
# Without HOME, every Python and shell a test starts looks its user up (a connect() to nscd's
# socket), which the syscall tools' tests would count as the workload's own calls.
[ -n "${HOME:-}" ] || export HOME="$(getent passwd "$(id -u)" | cut -d: -f6)"
[ -n "${HOME:-}" ] || export HOME=/tmp
files=$(find dist -name '*.test.js' | sort)
if [ -n "${TEST_FILTER:-}" ]; then files=$(echo "$files" | grep -E "$TEST_FILTER" || true); fi
exec node --test --test-concurrency=1 --test-reporter=spec $files
