#!/bin/bash
# sluice on io_uring (B) against sluice on epoll (A), same build, same configurations, one
# run of the team's benchmark harness (bench.sh compare): B runs on a copy of each
# configuration with "tune.sluice.io-uring on" added in a global section of its own.
#
#   DUR=8 ROUNDS=5 SCENARIOS="h1_ka h1_close h1_16k" tests/bench/uring_compare.sh
set -euo pipefail
. "$(dirname "$0")/harness.sh"
export SCENARIOS=${SCENARIOS:-"h1_ka h1_close h1_16k"}
T=$(mktemp -d /tmp/sluice-uring-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
cat >"$T/sluice-uring" <<EOS
#!/bin/bash
cfg=\$(mktemp "$T/cfg.XXXXXX")
{ cat "\$1"; printf '\nglobal\n    tune.sluice.io-uring on\n'; } >"\$cfg"
exec "$build/sluice" -d -f "\$cfg"
EOS
chmod +x "$T/sluice-uring"
A_KIND=custom A_NAME=epoll A_CMD="$build/sluice -d -f {cfg}" \
        B_KIND=custom B_NAME=io_uring B_CMD="$T/sluice-uring {cfg}" \
        "$BENCH_DIR/bench.sh" compare
