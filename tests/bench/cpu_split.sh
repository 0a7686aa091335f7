#!/bin/bash
# Where each proxy's CPU goes per request, sluice against HAProxy (Debian's package), same
# configuration (the harness's, one worker each), one run: user and system time of the
# proxy's process tree (utime and stime from /proc), its voluntary context switches (each a
# sleep in epoll_wait and a wakeup later) and the TCP segments the host sent (nstat), each
# divided by the requests the load got answered in a DUR-second window after a second of
# warm-up. The load is the harness's for SCENARIO: wrk -c50 for h1_ka (keep-alive, 64 B),
# h1_close (a connection per request) and h1_16k (16 KiB responses), h2load -c10 -m10 over
# TLS for h2, and for tls_hs four `openssl s_time -new` clients (a full TLS handshake and one
# GET per connection; "requests" are then handshakes). Prints one line per proxy and round.
# Everything started is stopped by PID.
#
#   tests/bench/cpu_split.sh                 # SCENARIO=h1_ka ROUNDS=3 DUR=6
#   SCENARIO=h2 tests/bench/cpu_split.sh
#   SCENARIO=tls_hs tests/bench/cpu_split.sh
#   PIN=1 tests/bench/cpu_split.sh           # the proxy alone on CPU 1, the rest on CPU 0
set -euo pipefail
SCENARIO=${SCENARIO:-h1_ka}
ROUNDS=${ROUNDS:-3}
DUR=${DUR:-6}
PIN=${PIN:-}
for tool in wrk h2load nstat haproxy nginx bc; do
        command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done
# shellcheck source=tests/bench/harness.sh
. "$(dirname "$0")/harness.sh"
init_bench
start_origin
proxy_pin=() load_pin=()
if [ -n "$PIN" ]; then
        # the origin's workers too: nginx forks them before this runs
        for p in $(tree_pids "$ORIGIN_PID"); do taskset -a -p -c 0 "$p" >/dev/null; done
        proxy_pin=(taskset -c 1) load_pin=(taskset -c 0)
fi

tree_counts() { # pid: utime stime voluntary-switches, summed over the tree
        local u=0 s=0 v=0 p a
        for p in $(tree_pids "$1"); do
                read -r -a a <"/proc/$p/stat"
                u=$((u + a[13])) s=$((s + a[14]))
                v=$((v + $(awk '/^voluntary_ctxt_switches/ {print $2}' "/proc/$p/status")))
        done
        echo "$u $s $v"
}

load() { # seconds: the scenario's load for that long; prints the requests answered
        local url="http://$HOST:$HTTP_PORT" out
        case $SCENARIO in
        h1_ka) out=$("${load_pin[@]}" wrk -t1 -c50 -d"$1s" "$url/64.bin") ;;
        h1_close) out=$("${load_pin[@]}" wrk -t1 -c50 -d"$1s" -H 'Connection: close' "$url/64.bin") ;;
        h1_16k) out=$("${load_pin[@]}" wrk -t1 -c50 -d"$1s" "$url/16k.bin") ;;
        h2) out=$("${load_pin[@]}" h2load -t1 -c10 -m10 -D"$1" "https://$HOST:$TLS_PORT/64.bin") ;;
        tls_hs)
                local i pids=()
                for i in 1 2 3 4; do
                        "${load_pin[@]}" timeout $(($1 + 20)) openssl s_time -connect "$HOST:$TLS_PORT" \
                                -new -www /64.bin -time "$1" >"$T/s_time.$i" 2>&1 &
                        pids+=($!)
                done
                for i in "${pids[@]}"; do wait "$i" || true; done
                out=$(cat "$T"/s_time.*) ;;
        esac
        case $SCENARIO in
        h2) awk '/^requests:/ {print $8}' <<<"$out" ;;
        tls_hs) awk '/connections in .* real seconds/ {n += $1} END {print n + 0}' <<<"$out" ;;
        *) awk '/requests in/ {print $1}' <<<"$out" ;;
        esac
}
case $SCENARIO in
h1_ka | h1_close | h1_16k) mode=http port=$HTTP_PORT ;;
h2 | tls_hs) mode=tls port=$TLS_PORT ;;
*) die "unknown SCENARIO $SCENARIO (h1_ka, h1_close, h1_16k, h2 or tls_hs)" ;;
esac

hz=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
        for kind in haproxy sluice; do
                if [ "$kind" = haproxy ]; then cmd="haproxy -f {cfg}"; else cmd="$build/sluice -d -f {cfg}"; fi
                cfg=$(gen_cfg custom "$mode" "$T/$kind")
                start_proxy "${proxy_pin[*]} $cmd" "$cfg" "$T/$kind/proxy.log"
                wait_port "$port" "$PROXY_PID" 30
                load 1 >/dev/null
                read -r u0 s0 v0 < <(tree_counts "$PROXY_PID")
                nstat -n >/dev/null
                req=$(load "$DUR")
                segs=$(nstat TcpOutSegs 2>/dev/null | awk '$1 == "TcpOutSegs" {print $2}')
                read -r u1 s1 v1 < <(tree_counts "$PROXY_PID")
                stop_proxy "$PROXY_PID"
                [ -n "$req" ] && [ "$req" -gt 0 ] || die "$kind: the $SCENARIO load got nothing answered"
                printf '%-7s %s round %d: %7d requests, per request: user %5.2f us, system %5.2f us, %5.3f voluntary switches, %4.2f TCP segments\n' \
                        "$kind" "$SCENARIO" "$round" "$req" \
                        "$(bc -l <<<"($u1 - $u0) * 1000000 / $hz / $req")" \
                        "$(bc -l <<<"($s1 - $s0) * 1000000 / $hz / $req")" \
                        "$(bc -l <<<"($v1 - $v0) / $req")" "$(bc -l <<<"${segs:-0} / $req")"
        done
done
