#!/usr/bin/env bash
# Installs Debian's chromium for the browser tests (the web console and the OAuth consent
# page), which drive it through playwright-core (never a downloaded browser). Under CI=true
# those tests fail rather than skip without it. Idempotent: when chromium is there it only
# checks. Needs root and apt (CI machines have both).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  echo "install-chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "install-chromium: installed $(/usr/bin/chromium --version 2>/dev/null | head -1)"
