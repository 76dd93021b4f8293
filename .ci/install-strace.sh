#!/usr/bin/env bash
# Installs strace for test/durability.test.ts, which checks the order of a write's system
# calls (bytes synced, linked, directory synced, commit synced, then the response) in the
# real server. Under CI=true that test fails rather than skips without strace. Idempotent:
# when strace is there it only checks. Needs root and apt (CI machines have both).
set -euo pipefail

if command -v strace >/dev/null 2>&1; then
  echo "install-strace: $(strace -V | head -1) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends strace >/dev/null
echo "install-strace: installed $(strace -V | head -1)"
