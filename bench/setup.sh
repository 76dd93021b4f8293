#!/usr/bin/env bash
# Installs what `npm run bench` compares against, from Debian's packages: wrk (the load
# generator) and the seed's stack (Starlette + Uvicorn). The bench itself installs nothing;
# without these it still runs and says which contenders are unavailable and why.
# The MCP SDK peer comes from npm (devDependency): `npm install`.
set -euo pipefail
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
$SUDO apt-get update
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk python3-starlette python3-uvicorn util-linux
