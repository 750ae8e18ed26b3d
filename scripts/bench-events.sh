#!/usr/bin/env bash
# Side-by-side throughput (and peak memory) of `mde-doctor events` and the evtx crate's own `evtx_dump` on the
# same large .evtx, both using every core. Builds the input from a real sample with
# gen-large-evtx.py. Needs hyperfine (apt) and evtx_dump (`cargo install evtx --locked`).
#
#   scripts/bench-events.sh [COPIES]      (default 40: a ~68 MB log of ~90 000 records)
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-40}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
big="$work/big-security.evtx"
python3 scripts/gen-large-evtx.py examples/events/security.evtx "$copies" "$big"
cargo build --release --quiet
size=$(stat -c %s "$big")
records=$(evtx_dump -t 0 -o jsonl "$big" | wc -l)
echo "input: $size bytes, $records records"
hyperfine --warmup 1 --runs 5 --export-json "$work/h.json" \
  "evtx_dump -t 0 -o jsonl $big > /dev/null" \
  "target/release/mde-doctor events $big > /dev/null" \
  "target/release/mde-doctor events --all --format json $big > /dev/null"
python3 - "$work/h.json" "$size" "$records" <<'PY'
import json, sys
data = json.load(open(sys.argv[1])); size = int(sys.argv[2]); records = int(sys.argv[3])
base = data["results"][0]["mean"]
for r in data["results"]:
    m = r["mean"]
    print(f"{r['command'].split(' ')[0]:<28} {m*1000:8.1f} ms  {size/m/1e6:7.1f} MB/s  {records/m:10.0f} records/s  x{m/base:.2f} of evtx_dump  [{r['command'][:60]}]")
PY
echo "peak memory (maximum resident set, /usr/bin/time -v):"
for cmd in "evtx_dump -t 0 -o jsonl $big" \
           "target/release/mde-doctor events $big" \
           "target/release/mde-doctor events --all --format json $big"; do
  { /usr/bin/time -v $cmd > /dev/null; } 2>&1 |
    awk -F': ' -v cmd="${cmd:0:60}" '/Maximum resident/ {printf "  %7.1f MB  %s\n", $2 / 1024, cmd}'
done
