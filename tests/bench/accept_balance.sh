#!/bin/bash
# sluice against itself: the kernel's hash (A, tune.sluice.accept-balance hash) and the less
# loaded of two workers (B, leastconn, the default), with NBTHREAD workers (default 2), same
# configuration otherwise, alternating per scenario and round, through the team's proxy
# benchmark (bench.sh compare: ratios are B / A).
#
#   tests/bench/accept_balance.sh                          # h1_ka, 2 workers, 5 rounds of 6 s
#   NBTHREAD=4 SCENARIOS="h1_ka h1_close" tests/bench/accept_balance.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-$top/../shared/bench}
[ -x "$BENCH_DIR/bench.sh" ] || { echo "no benchmark harness at $BENCH_DIR (set BENCH_DIR)" >&2; exit 2; }
# shellcheck source=tests/bench/release_build.sh
. "$top/tests/bench/release_build.sh"
export SCENARIOS=${SCENARIOS:-h1_ka} NBTHREAD=${NBTHREAD:-2} ROUNDS=${ROUNDS:-5} DUR=${DUR:-6}
extra=$(mktemp --suffix=.cfg)
trap 'rm -f "$extra"' EXIT
printf 'global\n    tune.sluice.accept-balance hash\n' >"$extra"
A_KIND=custom A_NAME=sluice-hash A_CMD="$build/sluice -d -f {cfg} -f $extra" \
        B_KIND=custom B_NAME=sluice B_CMD="$build/sluice -d -f {cfg}" \
        "$BENCH_DIR/bench.sh" compare
