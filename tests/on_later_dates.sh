#!/usr/bin/env bash
# Run the tiers that read clocks (tests/integration, tests/acceptance, tests/security) as
# if today were each DATE given: libfaketime moves the wall clock of pytest and of every
# process it starts (gateways, simulators, CPU workers, eugw commands, the browser) by one
# offset, so they all agree on the shifted day. A test that names a date of its own keeps it;
# one that reads "now" lives on the shifted day. PostgreSQL's clock is not moved: the
# gateway never asks the database for the time.
#
# The dates run side by side: a run keeps about one core busy, and each test has its own
# PostgreSQL schema, ports and files. Each run's output is kept and printed whole when it
# ends. The tests marked restarts_postgresql run after them, one date at a time: a restart
# cuts every connection of the server, the other run's too.
#
#   tests/on_later_dates.sh 2027-07-15 2030-03-01 [-- PYTEST ARGS]   (PYTEST: which pytest)
set -euo pipefail
cd "$(dirname "$0")/.."

dates=()
while (($#)) && [[ $1 != -- ]]; do dates+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
((${#dates[@]})) || { echo "usage: $0 DATE... [-- PYTEST ARGS]" >&2; exit 2; }
command -v faketime >/dev/null || { echo "faketime is not installed: run make system-deps" >&2; exit 2; }

# on_day DATE PYTEST-ARGS...: the tiers, their clocks moved to DATE (10:00 UTC)
on_day() {
    local day=$1; shift
    local offset shifted
    offset=$(( $(date -u -d "$day 10:00:00" +%s) - $(date -u +%s) ))
    shifted=$(date -u -d "@$(( $(date -u +%s) + offset ))" '+%F %T')
    echo "== tests/integration, tests/acceptance and tests/security on $shifted UTC (clock moved by ${offset} s) $*"
    # An offset, not an absolute start ("@DATE"): each child process would start that
    # clock again at its own birth, and the processes of one test would disagree.
    faketime -f "$(printf '%+d' "$offset")" "${PYTEST:-.venv/bin/pytest}" -q -p no:cacheprovider \
        tests/integration tests/acceptance tests/security "$@"
}

logs=$(mktemp -d)
stop_runs() {
    local running
    running=$(jobs -p)
    [[ -z $running ]] || kill $running 2>/dev/null || true
    rm -rf "$logs"
}
trap stop_runs EXIT
pids=()
for day in "${dates[@]}"; do
    on_day "$day" -m "not restarts_postgresql" "$@" >"$logs/$day.log" 2>&1 &
    pids+=("$!")
done
echo "== ${#dates[@]} dates side by side: ${dates[*]} (each printed when it ends)"

status=0
for index in "${!dates[@]}"; do
    wait "${pids[$index]}" || status=1
    cat "$logs/${dates[$index]}.log"
done
for day in "${dates[@]}"; do
    # exit 5: the PYTEST ARGS selected none of these tests, which is no failure
    on_day "$day" -m restarts_postgresql "$@" || (($? == 5)) || status=1
done
exit "$status"
