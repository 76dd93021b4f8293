#!/usr/bin/env bash
# Prints where libgcc_s.so.1 is, from ldconfig's cache (nothing if it has none).
# awk reads ldconfig's whole output on purpose: an awk that exits at the first match
# closes the pipe while ldconfig is still writing, ldconfig dies of SIGPIPE (141), and
# under pipefail the caller's `set -e` ended standin-bases.sh with no message at all
# (the intermittent "standin-bases.sh failed:" with an empty stderr, issue 12).
set -euo pipefail
ldconfig -p | awk '/libgcc_s\.so\.1 / && !found {print $NF; found = 1}'
