#!/usr/bin/env bash
# Installs and configures podman for test/container.test.ts (there is no Docker engine on
# our machines; see shared/notes/containers.md). Idempotent: when everything is in place it
# only checks, in well under a second. Needs root (CI and developer machines run as root).
#   - crun, podman's default runtime, fails here ("cgroups in hybrid mode not supported"),
#     so the test runs `podman --runtime /usr/sbin/runc` and we install runc;
#   - podman's default ulimits are refused (setrlimit RLIMIT_NOFILE: Operation not
#     permitted), so containers.conf sets limits the sandbox allows.
set -euo pipefail

if command -v podman >/dev/null 2>&1 && [ -x /usr/sbin/runc ]; then
  echo "install-podman: $(podman --version) and runc already installed"
else
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Recommends left out (buildah, dbus-user-session, ...): rootful podman build/run needs
  # none of them; slirp4netns, uidmap and fuse-overlayfs keep rootless use possible.
  apt-get install -y -qq --no-install-recommends podman runc slirp4netns uidmap fuse-overlayfs >/dev/null
  echo "install-podman: installed $(podman --version), runc $(/usr/sbin/runc --version | awk 'NR==1{print $3}')"
fi

conf=/etc/containers/containers.conf
want='[containers]
default_ulimits = ["nofile=10000:10000","nproc=4096:4096"]'
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  mkdir -p /etc/containers
  if [ -f "$conf" ]; then cp "$conf" "$conf.bak"; echo "install-podman: previous $conf kept as $conf.bak"; fi
  printf '%s\n' "$want" >"$conf"
  echo "install-podman: wrote $conf"
fi

podman --runtime /usr/sbin/runc info >/dev/null || { echo "install-podman: podman installed but 'podman info' fails" >&2; exit 1; }
