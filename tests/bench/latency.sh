#!/bin/bash
# Latency at the same offered load, sluice against HAProxy (Debian's package): an open-loop
# load (tests/bench/openloop.c: requests due at a fixed rate, each latency counted from when
# it was due) of HTTP/1.1 keep-alive requests for the 64-byte file, through each proxy in
# turn to the same nginx origin, with the harness's h1 configuration (nbthread 1, one
# worker). The proxy runs on one CPU, the load and the origin's master process on the other,
# and the origin's worker with the proxy (ORIGIN_WORKER_CPU, PROXY_CPU by default), where the
# two take turns the same way for both proxies. Left to the scheduler, that worker ran on
# either CPU from one round to the next, and the p99 of the rounds at 16,000/s ranged from
# 1.5 to 25 ms; pinned with the proxy, 1.1 to 2.8 ms in 21 rounds of 22 (6.0 in one). Pinned
# with the load, it leaves that CPU short at 16,000/s (a p50 of 180 ms, whatever the proxy).
# For each load (LOADS, requests per second) and round, A (HAProxy) then B (sluice); prints
# one JSON line per run (with "preempted": how often the proxy's processes were preempted
# during it), then per load the medians over the rounds of p50, p99 and p99.9 for each proxy
# and their ratios B/A. Everything started is stopped by PID.
#
#   tests/bench/latency.sh                          # LOADS="6000 12000" ROUNDS=3 DUR=10
#   LOADS="3000 9000 15000" ROUNDS=5 DUR=8 tests/bench/latency.sh
set -euo pipefail
LOADS=${LOADS:-"6000 12000"}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-10}
WARM=${WARM:-2}
CONNS=${CONNS:-50}
PROXY_CPU=${PROXY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
ORIGIN_WORKER_CPU=${ORIGIN_WORKER_CPU:-$PROXY_CPU}
# shellcheck source=tests/bench/harness.sh
. "$(dirname "$0")/harness.sh"
init_bench
cc -O2 -Wall -Werror -o "$T/openloop" "$top/tests/bench/openloop.c"
start_origin
taskset -a -p -c "$LOAD_CPU" "$ORIGIN_PID" >/dev/null
# nginx's worker, forked before the line above: with the proxy unless told otherwise
for pid in $(pgrep -P "$ORIGIN_PID"); do
        taskset -a -p -c "$ORIGIN_WORKER_CPU" "$pid" >/dev/null
done
out="$T/latency.jsonl"
: >"$out"

# times the processes of the tree at $1 were preempted (nonvoluntary context switches)
preempted() {
        local n=0 pid v
        for pid in $1 $(pgrep -P "$1" || true); do
                v=$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
                n=$((n + ${v:-0}))
        done
        echo "$n"
}

run_one() { # name command-template load round
        local name=$1 cmd=$2 load=$3 round=$4 cfg line p0 p1
        cfg=$(gen_cfg custom http "$T/$name")
        start_proxy "taskset -c $PROXY_CPU $cmd" "$cfg" "$T/$name/proxy.log"
        wait_port "$HTTP_PORT" "$PROXY_PID" 30
        # warm the proxy's connections to the origin before the measured load
        taskset -c "$LOAD_CPU" "$T/openloop" -p "$HTTP_PORT" -r 2000 -d 1 -w 0 -c "$CONNS" >/dev/null || true
        p0=$(preempted "$PROXY_PID")
        if ! line=$(taskset -c "$LOAD_CPU" "$T/openloop" -p "$HTTP_PORT" -r "$load" -d "$DUR" \
                -w "$WARM" -c "$CONNS"); then
                log "$name at $load/s: errors or missing answers: $line"
        fi
        p1=$(preempted "$PROXY_PID")
        stop_proxy "$PROXY_PID"
        [ -n "$line" ] || die "$name at $load/s: the load printed nothing"
        line="{\"proxy\": \"$name\", \"load\": $load, \"round\": $round, \"preempted\": $((p1 - p0)), ${line#\{}"
        echo "$line" | tee -a "$out"
}

for load in $LOADS; do
        for round in $(seq "$ROUNDS"); do
                run_one haproxy "haproxy -f {cfg}" "$load" "$round"
                run_one sluice "$build/sluice -d -f {cfg}" "$load" "$round"
        done
done

/usr/bin/python3 - "$out" <<'EOF'
import json, statistics, sys
runs = [json.loads(l) for l in open(sys.argv[1])]
print("\n| offered load | proxy | achieved | p50 ms | p99 ms | p99.9 ms | errors |")
print("| --- | --- | --- | --- | --- | --- | --- |")
ratios = []
for load in sorted({r["load"] for r in runs}):
    med = {}
    for proxy in ("haproxy", "sluice"):
        rs = [r for r in runs if r["load"] == load and r["proxy"] == proxy]
        m = {k: statistics.median(r[k] for r in rs) for k in ("achieved_rps", "p50_ms", "p99_ms", "p999_ms")}
        med[proxy] = m
        print("| %d/s | %s | %.0f | %.3f | %.3f | %.3f | %d |" % (
            load, proxy, m["achieved_rps"], m["p50_ms"], m["p99_ms"], m["p999_ms"],
            sum(r["errors"] for r in rs)))
    ratios.append((load, {k: med["sluice"][k] / med["haproxy"][k] if med["haproxy"][k] else 0
                          for k in ("p50_ms", "p99_ms", "p999_ms")}))
print("\nsluice / HAProxy (medians of the rounds; below 1: sluice answers sooner)")
for load, r in ratios:
    print("  %d/s: p50 %.2f, p99 %.2f, p99.9 %.2f" % (load, r["p50_ms"], r["p99_ms"], r["p999_ms"]))
EOF
