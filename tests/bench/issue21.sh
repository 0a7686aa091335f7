#!/bin/bash
# Every figure of issue 21's table (README, Performance) in one run: the measurements below,
# one after the other, sluice built as the packages build it (release_build.sh) against
# Debian's HAProxy, each one's whole output in one results directory, and the lines the
# table is filled from gathered in summary.txt. Run it on an otherwise idle machine: about
# 30 minutes on 2 cores.
#
#   tests/bench/issue21.sh                 # OUT=/tmp/sluice-issue21-<date-time>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${OUT:-/tmp/sluice-issue21-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
summary=$out/summary.txt

step() { # name command...: runs it, its output into name.log and the harness's results
        # into the folder name/ (the harness appends to a results folder it is given, and one
        # folder for two runs would mix their rounds); a failure ends the run
        local name=$1
        shift
        echo "== $name ($(date '+%F %T')): $*" | tee -a "$summary"
        if ! RESULTS_DIR=$out/$name "$@" >"$out/$name.log" 2>&1; then
                echo "$name failed: $(tail -3 "$out/$name.log")" | tee -a "$summary" >&2
                exit 1
        fi
}
keep() { # name first-line-pattern: the log from the first line matching the pattern on
        sed -n "/$2/,\$p" "$out/$1.log" | grep -v '^\[bench ' | tee -a "$summary"
}

step h1 env DUR=8 ROUNDS=3 SCENARIOS="h1_ka h1_close h1_16k" "$here/compare.sh"
keep h1 '^B\/A ratios per round'
step tcp env DUR=8 ROUNDS=3 SCENARIOS=tcp_1m "$here/compare.sh"
keep tcp '^B\/A ratios per round'
step h2 env DUR=5 ROUNDS=3 SCENARIOS=h2 "$here/compare.sh"
keep h2 '^B\/A ratios per round'
step tls_hs env DUR=8 ROUNDS=3 SCENARIOS=tls_hs "$here/compare.sh"
keep tls_hs '^B\/A ratios per round'
step workers2 env NBTHREAD=2 DUR=6 ROUNDS=3 SCENARIOS=h1_ka "$here/compare.sh"
keep workers2 '^B\/A ratios per round'
step instr env INSTR_SCENARIOS="h1_ka h1_close h2" "$here/compare.sh" instr
keep instr '^scenario '
step latency env LOADS="8000 16000" ROUNDS=5 DUR=10 "$here/latency.sh"
keep latency '^| offered load'
step idle /usr/bin/python3 "$here/idle_rss.py"
keep idle 'idle keep-alive connections'
echo "== done ($(date '+%F %T')); every log in $out" | tee -a "$summary"
