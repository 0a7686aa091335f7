#!/bin/bash
# How SO_REUSEPORT spreads client connections over sluice's workers: sluice runs with the
# harness's h1 configuration and `nbthread` W (one worker each, one listening socket per
# worker), wrk opens 50 keep-alive connections, and `ss` counts, while they are open, the
# established ones each worker holds. TRIALS runs per worker count and per way of choosing
# the worker (BALANCES: tune.sluice.accept-balance leastconn, the default, and hash, the
# kernel's alone); prints each run's counts and, per worker count and way, the mean and the
# worst share of the busiest worker against an even split (1.00: even). Everything started
# is stopped by PID.
#
#   tests/bench/reuseport_spread.sh       # WORKERS="2 4" TRIALS=20 BALANCES="leastconn hash"
set -euo pipefail
WORKERS=${WORKERS:-"2 4"}
TRIALS=${TRIALS:-20}
CONNS=${CONNS:-50}
BALANCES=${BALANCES:-"leastconn hash"}
# shellcheck source=tests/bench/harness.sh
. "$(dirname "$0")/harness.sh"
init_bench
start_origin
out="$T/spread.txt"
: >"$out"
for bal in $BALANCES; do
for w in $WORKERS; do
        NBTHREAD=$w
        cfg=$(gen_cfg custom http "$T/$bal-w$w")
        printf 'global\n    tune.sluice.accept-balance %s\n' "$bal" >>"$cfg"
        start_proxy "$build/sluice -d -f {cfg}" "$cfg" "$T/$bal-w$w/proxy.log"
        wait_port "$HTTP_PORT" "$PROXY_PID" 30
        workers=$(pgrep -P "$PROXY_PID" | sort)
        for trial in $(seq "$TRIALS"); do
                wrk -t1 -c"$CONNS" -d2s "http://$HOST:$HTTP_PORT/64.bin" >/dev/null &
                wp=$!
                sleep 1
                counts=$(ss -tnpH state established "( sport = :$HTTP_PORT )" |
                        grep -o 'pid=[0-9]*' | sort | uniq -c | awk '{print $1}' | sort -rn | paste -sd' ')
                wait "$wp"
                n=$(wc -w <<<"$counts")
                # workers that got no connection count as zeros
                for _ in $(seq $((w - n))); do counts="$counts 0"; done
                echo "$bal $w $counts" | tee -a "$out"
        done
        stop_proxy "$PROXY_PID"
        [ -n "$workers" ]
done
done
/usr/bin/python3 - "$out" "$CONNS" <<'EOF'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
conns = int(sys.argv[2])
for bal, w in sorted({(r[0], int(r[1])) for r in rows}, key=lambda k: (k[1], k[0])):
    shares = [max(map(int, r[2:])) / (conns / w) for r in rows if r[0] == bal and int(r[1]) == w]
    print("%s, %d workers, %d runs: busiest worker's share against an even split: mean %.2f, "
          "worst %.2f" % (bal, w, len(shares), sum(shares) / len(shares), max(shares)))
EOF
