#!/usr/bin/env bash
# Lists the BPF sources under ROOT/src and the object each builds, "SRC OBJ" per line (paths
# relative to ROOT). Objects are named by basename (dist/bpf/<name>.bpf.o, as the runtime looks
# them up), so two sources with one basename would overwrite each other: refused, both named.
set -euo pipefail
root="${1:-.}"
cd "$root"
declare -A seen=()
out=()
while IFS= read -r src; do
  name="$(basename "${src%.c}")"
  if [ -n "${seen[$name]:-}" ]; then
    echo "netdx build: ${seen[$name]} and $src would both build dist/bpf/$name.o: rename one" >&2
    exit 1
  fi
  seen[$name]="$src"
  out+=("$src dist/bpf/$name.o")
done < <(find src -name '*.bpf.c' | LC_ALL=C sort)
[ ${#out[@]} -eq 0 ] || printf '%s\n' "${out[@]}"
