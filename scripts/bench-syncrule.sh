#!/usr/bin/env bash
# The Windows Server 2012 R2 sync rule over N generated computer objects
# (scripts/gen-computers.py, certificates from OpenSSL), side by side on the same input:
#
#   - the Python peer, scripts/peers/syncrule_2012r2.py (LDIF + `cryptography`), one run;
#   - `mde-doctor syncrule eval --preset server2012r2-computer-join`, best of RUNS (3).
#
# Prints wall time, CPU time (user + sys) and peak memory (/usr/bin/time) of each, the ratios,
# and checks that both give the same result for every object (mde-doctor's records, after
# its schema header line, are byte for byte the peer's lines).
#
#   scripts/bench-syncrule.sh [N]        (default 1000000: 1.8 GB of LDIF; Python takes
#                                          about 40 s of CPU there)
#   RUNS=5 scripts/bench-syncrule.sh 100000
#   LDIF=/tmp/computers.ldif scripts/bench-syncrule.sh 1000000   (reuse a generated file)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${RUNS:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ldif=${LDIF:-$work/computers.ldif}
[ -f "$ldif" ] || python3 scripts/gen-computers.py "$n" "$ldif"
python3 -c 'import cryptography' 2>/dev/null || { echo "the peer needs python3 -m pip install cryptography" >&2; exit 1; }
cargo build --release --quiet -p mde-doctor
bin=target/release/mde-doctor
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

# measure LABEL OUT CMD…: one run; appends "LABEL wall user sys peak_kib" to $work/times.
measure() {
  local label=$1 out=$2
  shift 2
  /usr/bin/time -f "$label %e %U %S %M" -a -o "$work/times" "$@" > "$out"
}

measure python "$work/peer.jsonl" python3 scripts/peers/syncrule_2012r2.py "$ldif"
for _ in $(seq "$runs"); do
  measure mde-doctor "$work/ours.jsonl" "$bin" syncrule eval --preset server2012r2-computer-join \
    --objects "$ldif"
done

head -1 "$work/ours.jsonl" | grep -q '"schema":"mde-doctor/syncrule-eval/v1"'
if tail -n +2 "$work/ours.jsonl" | cmp -s - "$work/peer.jsonl"; then
  echo "results: identical for all $(wc -l < "$work/peer.jsonl") objects" \
    "($(grep -c '"value":true' "$work/peer.jsonl") filtered, $(grep -c '"value":null' "$work/peer.jsonl") may sync)"
else
  echo "results DIFFER between the peer and mde-doctor:" >&2
  diff <(tail -n +2 "$work/ours.jsonl") "$work/peer.jsonl" | head -5 >&2
  exit 1
fi

python3 - "$n" "$work/times" <<'EOF'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
rows = [l.split() for l in open(path)]
best = {}
for label, wall, user, sys_, peak in rows:
    r = (float(wall), float(user) + float(sys_), int(peak))
    if label not in best or r[0] < best[label][0]:
        best[label] = r
for label, (wall, cpu, peak) in best.items():
    print(f"{label:>10}: {wall:7.2f} s wall, {cpu:7.2f} s CPU, {peak / 1024:6.1f} MiB peak, "
          f"{n / wall:12,.0f} objects/s")
(pw, pc, _), (ow, oc, _) = best["python"], best["mde-doctor"]
print(f"     ratio: {pw / ow:.1f}x wall, {pc / oc:.1f}x CPU time (mde-doctor faster)")
EOF
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
