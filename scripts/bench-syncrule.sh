#!/usr/bin/env bash
# End-to-end throughput and peak memory of `mde-doctor syncrule eval --preset
# server2012r2-computer-join` over N generated computer objects (scripts/gen-computers.py,
# certificates from OpenSSL), pinned to one core.
#
#   scripts/bench-syncrule.sh [N]      (default 1000000; ~1.8 GB of LDIF)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 scripts/gen-computers.py "$n" "$work/computers.ldif"
cargo build --release --quiet
for run in 1 2 3; do
  /usr/bin/time -f "%e s wall, %U s user, %M KiB peak RSS" taskset -c 0 \
    target/release/mde-doctor syncrule eval --preset server2012r2-computer-join \
    --objects "$work/computers.ldif" > "$work/out.jsonl"
done 2> "$work/time.txt"
cat "$work/time.txt"
best=$(sort -n "$work/time.txt" | head -1 | cut -d' ' -f1)
python3 -c "import sys; n=$n; t=$best; print(f'{n} objects: best {t:.2f} s = {n/t:,.0f} objects/s on one core')"
echo "results: $(wc -l < "$work/out.jsonl") lines; filtered: $(grep -c '"value":true' "$work/out.jsonl")"
