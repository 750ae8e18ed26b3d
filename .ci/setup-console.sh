#!/usr/bin/env bash
# CI setup for the fleet console's tests (issue 14): PostgreSQL (the storage suite starts a
# throwaway server with initdb/pg_ctl), Chromium and chromedriver (the browser test).
# Idempotent: installs only what is missing.
set -euo pipefail

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
# The PostgreSQL package starts a cluster of its own; the tests use their own server.
ls /usr/lib/postgresql/*/bin/initdb
chromium --version || true
chromedriver --version
