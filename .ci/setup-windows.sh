#!/usr/bin/env bash
# What the Windows collector's tests need (issue 13): the mingw cross-compiler (the .exe, the
# bcryptprimitives.dll shim, the dsregcmd.exe stand-in), Wine to run them, and Rust's
# x86_64-pc-windows-gnu standard library. Idempotent: installs only what is missing.
set -euo pipefail

need=()
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || need+=(gcc-mingw-w64-x86-64)
[ -x /usr/lib/wine/wine64 ] || command -v wine64 >/dev/null 2>&1 || need+=(wine64 wine)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need[@]}"
fi

rustup target list --installed | grep -qx x86_64-pc-windows-gnu \
  || rustup target add x86_64-pc-windows-gnu

x86_64-w64-mingw32-gcc --version | head -1
{ [ -x /usr/lib/wine/wine64 ] && /usr/lib/wine/wine64 --version; } || wine64 --version
