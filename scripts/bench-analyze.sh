#!/usr/bin/env bash
# Throughput of `mde-doctor analyze` over many bundles (batch mode, every core), and the time
# of one bundle end to end. The input is the example bundles copied COPIES times (the
# example-sized bundles of a fleet: registry exports, dsregcmd output, probes, SCP LDIF,
# event XML), so that every scenario the diagnosis knows is in the mix.
#
#   scripts/bench-analyze.sh [COPIES]     (default 100: 1,400 bundles)
#
# Reports bundles per second, peak memory (/usr/bin/time -v) and checks that the batch's
# JSON lines (after the header line) are identical to one `analyze --format json` per bundle
# (compacted, less its schema tag).
set -euo pipefail
cd "$(dirname "$0")/.."
copies=${1:-100}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/mde-doctor
for i in $(seq 1 "$copies"); do
  for b in examples/bundles/*/; do
    cp -r "$b" "$work/$(basename "$b")-$i"
  done
done
n=$(find "$work" -mindepth 1 -maxdepth 1 -type d | wc -l)
echo "input: $n bundles ($(du -sh "$work" | cut -f1))"

# Warm the page cache, then the best of three.
$bin analyze "$work"/*/ --format json > /dev/null 2>&1 || true
best=999999
for _ in 1 2 3; do
  start=$(date +%s.%N)
  $bin analyze "$work"/*/ --format json > "$work.jsonl" 2>/dev/null || true
  end=$(date +%s.%N)
  t=$(python3 -c "print($end - $start)")
  best=$(python3 -c "print(min($best, $t))")
done
python3 -c "print(f'batch: {$n} bundles in {$best:.3f} s = {$n / $best:,.0f} bundles/s')"
{ /usr/bin/time -v $bin analyze "$work"/*/ --format json 2>&1 >/dev/null || true; } \
  | awk -F': ' '/Maximum resident/ { printf "peak memory: %.1f MB\n", $2 / 1024 }'

# One bundle, end to end (process start included).
one=999999
for _ in $(seq 1 10); do
  start=$(date +%s.%N)
  $bin analyze examples/bundles/tenant-mismatch --format json > /dev/null || true
  end=$(date +%s.%N)
  one=$(python3 -c "print(min($one, $end - $start))")
done
python3 -c "print(f'one bundle: {$one * 1000:.1f} ms end to end')"

# The batch says exactly what single runs say.
for b in examples/bundles/*/; do
  $bin analyze "$b" --format json | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("schema"); print(json.dumps(d, separators=(",", ":"), ensure_ascii=False))' || true
done > "$work.single"
$bin analyze examples/bundles/*/ --format json 2>/dev/null \
  | python3 -c 'import json,sys; next(sys.stdin); [print(json.dumps(json.loads(l), separators=(",", ":"), ensure_ascii=False)) for l in sys.stdin]' > "$work.batch" || true
if cmp -s "$work.single" "$work.batch"; then echo "batch output identical to single runs"; else echo "MISMATCH between batch and single runs"; exit 1; fi
rm -f "$work.jsonl" "$work.single" "$work.batch"
