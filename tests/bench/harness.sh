# Sourced by the scripts of tests/bench that drive the team's proxy benchmark harness: finds
# it (BENCH_DIR, by default ../shared/bench beside this checkout), builds the optimized sluice
# they measure (BUILD_DIR, by default build-release/) and sources the harness's lib.sh, whose
# init_bench, start_origin, gen_cfg, start_proxy and stop_proxy the scripts then use. Sets
# $top (the checkout) and $build.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-$top/../shared/bench}
[ -f "$BENCH_DIR/lib.sh" ] || { echo "no benchmark harness at $BENCH_DIR (set BENCH_DIR)" >&2; exit 2; }
# shellcheck source=tests/bench/release_build.sh
. "$top/tests/bench/release_build.sh"
# shellcheck source=/dev/null
. "$BENCH_DIR/lib.sh"
