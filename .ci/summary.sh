#!/usr/bin/env bash
# Prints the closing line CI reads, "N passed, N failed, N skipped", from bun test's
# summary (" N pass", " N fail", " N skip") in the log given as $1. Totals that bun did
# not print count as 0.
set -uo pipefail
count() { grep -Eo "^ *[0-9]+ $1\$" "$2" | tail -1 | grep -Eo '[0-9]+'; }
passed=$(count pass "$1")
failed=$(count fail "$1")
skipped=$(count skip "$1")
echo "${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
