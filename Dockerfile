# quiver container image: a build stage that compiles the single binary, and a runtime stage
# that holds only that binary on a minimal glibc base.
#
# Every base image is an ARG so that a test can substitute a local stand-in (no registry is
# reachable on our CI machines; see test/container/). A real build keeps these defaults.
#
# Why distroless `cc` for the runtime (and not debian-slim, distroless `base` or `static`):
# - `bun build --compile` output is the Bun runtime plus our bundle: a dynamically linked
#   glibc executable. `ldd dist/quiver` lists only libc, libm, libdl, libpthread and
#   ld-linux (glibc >= 2.17 symbols); libstdc++ is linked in statically. So `static`
#   (no libc) cannot run it; any glibc base can.
# - It imports pthread_exit and backtrace, which glibc implements by dlopen()ing
#   libgcc_s.so.1 (pthread_exit aborts without it). distroless `base` lacks libgcc_s;
#   `cc` = `base` + libgcc_s + libstdc++ + libgomp, so `cc` is the smallest safe choice.
# - Size (no registry here, so: Debian 12 installed sizes of the packages each base holds,
#   from dpkg-query): distroless cc ~24 MB (libc6 12.7, libssl3 5.9, libstdc++6 2.6, tzdata
#   2.5, ca-certificates, libgcc-s1, ...); bookworm-slim ~73 MB (its 35 required and
#   essential packages). The binary is ~113 MB either way, so the image is ~137 MB on cc vs
#   ~187 MB on slim (the test prints the size it builds on a stand-in base).
# - cc has no shell, no package manager and a built-in `nonroot` user (65532) with CA
#   certificates and /etc/passwd: less to patch and nothing to exec into. The healthcheck is
#   the binary itself (`quiver healthcheck`), so no curl or shell is needed.
ARG BUN_IMAGE=docker.io/oven/bun:1.4.4
ARG RUNTIME_IMAGE=gcr.io/distroless/cc-debian12:nonroot

FROM ${BUN_IMAGE} AS build
WORKDIR /src
# Dependencies first, so this layer is reused until the manifest or lockfile changes.
# Exec-form RUN throughout: the build needs no shell, only `bun`.
COPY package.json package-lock.json* bun.lock* ./
RUN ["bun", "install", "--frozen-lockfile", "--production", "--ignore-scripts"]
# tsconfig.json and the like, if present (a glob with no match would fail the build).
COPY *.json ./
COPY src ./src
# An empty /data for the runtime stage to copy with the non-root owner (bun instead of mkdir:
# the build stage needs no shell or coreutils, only `bun`).
RUN ["bun", "-e", "require('node:fs').mkdirSync('/out/data', { recursive: true })"]
# The flags of package.json's `build` script (test/container.test.ts checks they match):
# `bun run build` itself needs /bin/sh, which a minimal build base need not have.
# prepare-worker.ts is the import worker thread, search-worker.ts the search thread: a
# Worker is only in the binary if its file is an entrypoint; user-tools/worker.ts runs user
# tools. build-library.ts is package.json's "prebuild": the files `quiver init` writes.
RUN ["bun", "src/user-tools/build-library.ts"]
RUN ["bun", "build", "--compile", "--splitting", "--bytecode", "--format=esm", "--sourcemap", "src/main.ts", "src/importer/prepare-worker.ts", "src/store/search-worker.ts", "src/user-tools/worker.ts", "--outfile", "/out/quiver"]

FROM ${RUNTIME_IMAGE}
# VERSION follows package.json (the test checks); pass SOURCE_URL (the repository's URL) when
# building a release: --build-arg SOURCE_URL=https://github.com/OWNER/quiver
ARG VERSION=0.1.0
ARG SOURCE_URL=""
LABEL org.opencontainers.image.title="quiver" \
      org.opencontainers.image.description="Bun-native single-binary tool server for LLM tool use" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"
COPY --from=build /out/quiver /quiver
COPY --from=build --chown=65532:65532 /out/data /data
# Elysia reads NODE_ENV at run time (bun --compile would otherwise leave it "development").
ENV NODE_ENV=production \
    QUIVER_HOST=0.0.0.0 \
    QUIVER_PORT=8080 \
    QUIVER_DATA=/data
USER 65532:65532
WORKDIR /data
VOLUME /data
EXPOSE 8080
# The binary checks itself (GET /healthz on 127.0.0.1:$QUIVER_PORT): no shell or curl here.
# SIGTERM (docker stop) makes quiver finish in-flight requests, stop its job worker and
# exit 0, normally in well under a second (test/container.test.ts measures it).
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
  CMD ["/quiver", "healthcheck"]
ENTRYPOINT ["/quiver"]
CMD ["serve"]
