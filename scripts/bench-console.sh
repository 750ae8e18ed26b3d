#!/usr/bin/env bash
# Load benchmark of the fleet console (issue 14): ingest of `analyze` JSON reports over HTTP
# into SQLite, then p50/p99 of the overview and of filtered device pages at that size.
#
#   scripts/bench-console.sh                      # 1,000,000 devices in a temporary database
#   scripts/bench-console.sh --devices 200000 --clients 8
#   scripts/bench-console.sh --data /tmp/console-1m   # keep the database; rerun = queries only
#   scripts/bench-console.sh --database postgres://…  # the same on PostgreSQL
#
# Figures of a run are in docs/PERFORMANCE.md.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -p mde-console --bench load -- "$@"
