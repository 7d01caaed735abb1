#!/usr/bin/env bash
# Run the tiers that read clocks (tests/integration, tests/acceptance, tests/security) as
# if today were each DATE given: libfaketime moves the wall clock of pytest and of every
# process it starts (gateways, simulators, CPU workers, eugw commands, the browser) by one
# offset, so they all agree on the shifted day. A test that names a date of its own keeps it;
# one that reads "now" lives on the shifted day. PostgreSQL's clock is not moved: the
# gateway never asks the database for the time.
#
#   tests/on_later_dates.sh 2027-07-15 2030-03-01 [-- PYTEST ARGS]   (PYTEST: which pytest)
set -euo pipefail
cd "$(dirname "$0")/.."

dates=()
while (($#)) && [[ $1 != -- ]]; do dates+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
((${#dates[@]})) || { echo "usage: $0 DATE... [-- PYTEST ARGS]" >&2; exit 2; }
command -v faketime >/dev/null || { echo "faketime is not installed: run make system-deps" >&2; exit 2; }

for day in "${dates[@]}"; do
    offset=$(( $(date -u -d "$day 10:00:00" +%s) - $(date -u +%s) ))
    shifted=$(date -u -d "@$(( $(date -u +%s) + offset ))" '+%F %T')
    echo "== tests/integration, tests/acceptance and tests/security on $shifted UTC (clock moved by ${offset} s)"
    # An offset, not an absolute start ("@DATE"): each child process would start that
    # clock again at its own birth, and the processes of one test would disagree.
    faketime -f "$(printf '%+d' "$offset")" "${PYTEST:-.venv/bin/pytest}" -q -p no:cacheprovider \
        tests/integration tests/acceptance tests/security "$@"
done
