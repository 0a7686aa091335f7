#!/bin/bash
# Side-by-side benchmark of sluice against HAProxy (Debian's package), same configurations,
# same machine, one run, alternating A (haproxy) and B (sluice) per scenario and round.
# Builds an optimized sluice first. The load harness is the team's proxy benchmark (its
# README explains scenarios, variables and output); point BENCH_DIR at it if it is not in
# ../shared/bench beside this checkout.
#
#   tests/bench/compare.sh                      # h1_ka h1_close h1_16k tcp_1m, 3 rounds
#   SCENARIOS="h1_ka" ROUNDS=5 tests/bench/compare.sh
#   tests/bench/compare.sh instr                # instructions per request (callgrind)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-$top/../shared/bench}
[ -x "$BENCH_DIR/bench.sh" ] || { echo "no benchmark harness at $BENCH_DIR (set BENCH_DIR)" >&2; exit 2; }
# shellcheck source=tests/bench/release_build.sh
. "$top/tests/bench/release_build.sh"
export SCENARIOS=${SCENARIOS:-"h1_ka h1_close h1_16k tcp_1m"}
case ${1:-compare} in
compare)
        A_KIND=haproxy B_KIND=custom B_NAME=sluice B_CMD="$build/sluice -d -f {cfg}" \
                exec "$BENCH_DIR/bench.sh" compare ;;
instr)
        export INSTR_SCENARIOS=${INSTR_SCENARIOS:-"h1_ka h1_close"}
        "$BENCH_DIR/instr.sh"
        PROXY_KIND=custom PROXY_NAME=sluice PROXY_CMD="$build/sluice -d -f {cfg}" \
                exec "$BENCH_DIR/instr.sh" ;;
*)
        echo "usage: $0 [compare|instr]" >&2
        exit 2 ;;
esac
