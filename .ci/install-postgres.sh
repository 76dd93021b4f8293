#!/usr/bin/env bash
# Installs Debian's PostgreSQL server binaries for the tests that run quiver on PostgreSQL
# (issue 19). The tests start their own throwaway cluster (test/support/postgres.ts: initdb
# and pg_ctl in a temp dir, on its own port, as the unprivileged `postgres` user when run
# as root); nothing here starts a server. Under CI=true those tests fail rather than skip
# without it. Idempotent. Needs root and apt (CI machines have both).
set -euo pipefail

found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)
if [ -n "$found" ]; then
  echo "install-postgres: $("$found" --version) already installed"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# postgresql-common would create and start a default cluster on install; the tests make
# their own, so skip it.
mkdir -p /etc/postgresql-common/createcluster.d
echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/quiver-ci.conf
apt-get install -y -qq --no-install-recommends postgresql >/dev/null
found=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
echo "install-postgres: installed $("$found" --version)"
