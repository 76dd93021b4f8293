#!/usr/bin/env bash
# Build local stand-ins for the Dockerfile's base images with `podman import`, because no
# container registry is reachable on our machines (see shared/notes/containers.md):
#
#   runtime stand-in (for RUNTIME_IMAGE, i.e. distroless cc): the glibc files that `ldd`
#     lists for the Bun executable (a `bun build --compile` binary is that executable plus a
#     payload, so it needs the same libraries), libgcc_s.so.1 (distroless cc ships it),
#     /etc/passwd and /etc/group with distroless' `nonroot` (65532), /tmp, CA certificates.
#   build stand-in (for BUN_IMAGE, i.e. oven/bun): the same plus `bun` at /usr/local/bin/bun.
#
# Neither has a shell, so the Dockerfile must not need one. Images are tagged by a hash of
# their content and reused, so a second run costs a hash of the inputs and two
# `podman image exists`.
#
# Usage: standin-bases.sh [BUN_EXECUTABLE]   (default: node_modules/bun/bin/bun.exe)
# Prints two lines:  BUN_IMAGE=<ref>  and  RUNTIME_IMAGE=<ref>
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bun=${1:-$root/node_modules/bun/bin/bun.exe}
[ -x "$bun" ] || { echo "standin-bases: no bun executable at $bun (run npm ci)" >&2; exit 1; }
command -v podman >/dev/null || { echo "standin-bases: podman is not installed" >&2; exit 1; }

# The files each image holds: host path (copied to the same path inside the image).
libs=$(ldd "$bun" | awk '/=>/ && $3 ~ /^\// {print $3} /^[[:space:]]*\/[^ ]+/ {print $1}' | sort -u)
# awk reads to the end: leaving early would kill ldconfig with SIGPIPE, which pipefail
# turns into a silent exit of this script (seen on a loaded machine).
gcc_s=$(ldconfig -p | awk '/libgcc_s\.so\.1 / && !found {print $NF; found = 1}')
[ -n "$gcc_s" ] && libs="$libs"$'\n'"$gcc_s"
certs=/etc/ssl/certs/ca-certificates.crt
[ -f "$certs" ] || { echo "standin-bases: $certs missing (apt-get install ca-certificates)" >&2; exit 1; }

# The content tag: this script, the file list and every file's bytes.
tag=$( { cat "$0"; for f in $libs $certs; do echo "$f"; sha256sum < "$f"; done; } | sha256sum | cut -c1-16)
btag=$( { echo "$tag"; sha256sum < "$bun"; } | sha256sum | cut -c1-16)
runtime_ref=localhost/quiver-standin-runtime:$tag
build_ref=localhost/quiver-standin-bun:$btag

make_rootfs() { # dir
  local dir=$1 f
  mkdir -p "$dir/etc/ssl/certs" "$dir/tmp" "$dir/home/nonroot" "$dir/root"
  chmod 1777 "$dir/tmp"; chmod 700 "$dir/root"
  chown 65532:65532 "$dir/home/nonroot"
  for f in $libs; do mkdir -p "$dir$(dirname "$f")"; cp -L "$f" "$dir$f"; done
  cp -L "$certs" "$dir$certs"
  # The same entries distroless ships.
  printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' \
    'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin' \
    'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nobody:x:65534:' 'tty:x:5:' 'staff:x:50:' 'nonroot:x:65532:' > "$dir/etc/group"
}

import_image() { # ref dir [--change ...]
  local ref=$1 dir=$2; shift 2
  tar --numeric-owner -C "$dir" -cf - . | podman import --quiet "$@" - "$ref" >/dev/null
}

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
if ! podman image exists "$runtime_ref"; then
  make_rootfs "$work/runtime"
  import_image "$runtime_ref" "$work/runtime"
fi
if ! podman image exists "$build_ref"; then
  make_rootfs "$work/build"
  mkdir -p "$work/build/usr/local/bin"
  cp "$bun" "$work/build/usr/local/bin/bun"
  ln -s bun "$work/build/usr/local/bin/bunx"
  # This machine reaches the npm registry through a TLS proxy whose CA is in the host bundle
  # copied above; Bun trusts only its built-in roots unless told, as on the host.
  import_image "$build_ref" "$work/build" \
    --change "ENV NODE_EXTRA_CA_CERTS=$certs" --change "ENV PATH=/usr/local/bin:/usr/bin:/bin"
fi
# Drop stand-ins of older content (a changed script, library or Bun) so they don't pile up.
for ref in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter reference='localhost/quiver-standin-*'); do
  [ "$ref" = "$runtime_ref" ] || [ "$ref" = "$build_ref" ] || podman rmi "$ref" >/dev/null 2>&1 || true
done
echo "BUN_IMAGE=$build_ref"
echo "RUNTIME_IMAGE=$runtime_ref"
