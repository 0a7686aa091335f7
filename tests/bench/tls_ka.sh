#!/bin/bash
# HTTP/1.1 keep-alive over TLS, side by side: HAProxy (A), sluice (B) and, with NGINX=1, nginx
# (C), each on the team harness's TLS configuration (conf/*-tls.*: RSA-2048, one worker or
# thread), alternated per scenario and round. The harness has no keep-alive scenario over
# TLS, so this script drives wrk itself with the harness's helpers (origin, configurations,
# CPU and RSS accounting, report.py) and records runs in its results.jsonl format.
#
#   tests/bench/tls_ka.sh                       # tls_ka (64 B) and tls_16k (16 KiB), 3 rounds
#   NGINX=1 ROUNDS=5 DUR=8 tests/bench/tls_ka.sh
#   A_NAME=before A_CMD='OLD/sluice -d -f {cfg}' B_NAME=after tests/bench/tls_ka.sh
#   tests/bench/tls_ka.sh instr                 # instructions per request (callgrind)
#
# Each run: a WARM-second warm-up on fresh connections, then DUR seconds of wrk -t1 -cCONNS
# on the same 50 keep-alive connections (handshakes are outside the measured window).
# PIN=1:0 runs the proxy alone on cpu 1 and wrk and the origin on cpu 0, as the harness does.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BENCH_DIR=${BENCH_DIR:-$top/../shared/bench}
[ -f "$BENCH_DIR/lib.sh" ] || { echo "no benchmark harness at $BENCH_DIR (set BENCH_DIR)" >&2; exit 2; }
. "$BENCH_DIR/lib.sh"
# shellcheck source=tests/bench/release_build.sh
. "$top/tests/bench/release_build.sh"

DUR=${DUR:-8}
WARM=${WARM:-1}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-50}
SCENARIOS=${SCENARIOS:-"tls_ka tls_16k"}
RESULTS_DIR=${RESULTS_DIR:-/tmp/proxybench-results/tls-ka-$(date +%Y%m%d-%H%M%S)}
CLK_TCK=$(getconf CLK_TCK)
PIN=${PIN:-}
lg=()
[ -z "$PIN" ] || lg=(taskset -c "${PIN#*:}")
slots=(A B)
[ "${NGINX:-0}" = 1 ] && slots+=(C)

# A_CMD/A_NAME set: A is that command instead of HAProxy (a before/after comparison)
slot_kind() {
  case $1 in
    A) if [ -n "${A_CMD:-}" ]; then echo custom; else echo haproxy; fi ;;
    B) echo custom ;;
    C) echo nginx ;;
  esac
}
slot_name() { case $1 in A) echo "${A_NAME:-haproxy}" ;; B) echo "${B_NAME:-sluice}" ;; C) echo nginx ;; esac; }
slot_cmd() {
  case $1 in
    A) echo "${A_CMD:-$(default_cmd haproxy)}" ;;
    B) echo "${B_CMD:-$build/sluice -d -f {cfg\}}" ;;
    C) default_cmd nginx ;;
  esac
}
path_of() { case $1 in tls_ka) echo /64.bin ;; tls_16k) echo /16k.bin ;; esac; }

run() {  # round slot scenario
  local r=$1 slot=$2 s=$3 kind name cfg cmd pid err="" raw c0 c1 o0 o1 t0 t1 rss=0 proto
  local url="https://$HOST:$TLS_PORT$(path_of "$s")"
  kind=$(slot_kind "$slot") name=$(slot_name "$slot")
  raw="$RESULTS_DIR/raw/r$r-$slot-$s"
  cfg=$(gen_cfg "$kind" tls "$T/$slot")
  cmd=$(slot_cmd "$slot")
  [ -z "$PIN" ] || cmd="taskset -c ${PIN%:*} $cmd"
  start_proxy "$cmd" "$cfg" "$T/$slot/tls.log"
  pid=$PROXY_PID
  wait_port "$TLS_PORT" "$pid" || err="proxy did not start"
  if [ -z "$err" ]; then
    proto=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code} %{size_download}' "$url")
    [ "${proto%% *}" = 200 ] || err="sanity GET failed: $proto"
  fi
  if [ -z "$err" ]; then
    "${lg[@]}" timeout $((WARM + 20)) wrk -t1 -c"$CONNS" -d"${WARM}s" "$url" >"$raw.warm" 2>&1 || true
    rss_reset "$pid"
    c0=$(cpu_ticks "$pid"); o0=$(cpu_ticks "$ORIGIN_PID"); t0=$(date +%s.%N)
    "${lg[@]}" timeout $((DUR + 20)) wrk -t1 -c"$CONNS" -d"${DUR}s" --latency \
      -s "$BENCH_DIR/wrk-json.lua" "$url" >"$raw.out" 2>&1 || true
    t1=$(date +%s.%N); c1=$(cpu_ticks "$pid"); o1=$(cpu_ticks "$ORIGIN_PID")
    rss=$(rss_peak_kb "$pid")
    kill -0 "$pid" 2>/dev/null || err="process exited during the run"
  fi
  [ -z "$err" ] || cp "$T/$slot/tls.log" "$raw.proxy.log" 2>/dev/null || true
  stop_proxy "$pid"
  [ -z "$err" ] || log "r$r $slot $s: $err"
  python3 "$BENCH_DIR/report.py" record "$raw.out" round="$r" slot="$slot" name="$name" \
    kind="$kind" scenario="$s" error="$err" t0="${t0:-0}" t1="${t1:-0}" clk_tck="$CLK_TCK" \
    cpu_ticks="$((${c1:-0} - ${c0:-0}))" origin_cpu_ticks="$((${o1:-0} - ${o0:-0}))" \
    rss_kb="$rss" pin="$PIN" |
    tee -a "$RESULTS_DIR/results.jsonl" | python3 "$BENCH_DIR/report.py" brief >&2
}

# instructions per keep-alive request over TLS (user space, callgrind), as the harness's
# instr.sh counts them: the proxy under valgrind, N1 then N2 requests on one connection
instr_one() {  # slot requests -> IR
  local slot=$1 n=$2 dir="$T/instr-$1-$2" cfg
  cfg=$(gen_cfg "$(slot_kind "$slot")" tls "$dir")
  chmod 1777 "$dir"
  start_proxy "valgrind --tool=callgrind --trace-children=yes --callgrind-out-file=$dir/cg.%p $(slot_cmd "$slot")" \
    "$cfg" "$dir/proxy.log"
  wait_port "$TLS_PORT" "$PROXY_PID" 60 || die "proxy did not start under valgrind"
  timeout 600 h2load --h1 -c1 -n"$n" "https://$HOST:$TLS_PORT/64.bin" >"$dir/h2load.out" 2>&1 || true
  grep -q "$n succeeded" "$dir/h2load.out" || die "load incomplete: $(grep '^requests:' "$dir/h2load.out")"
  STOP_WAIT=60 stop_proxy "$PROXY_PID"
  IR=$(cat "$dir"/cg.* | awk '/^summary:/ {s += $2} END {printf "%.0f", s}')
}

need_tools wrk:wrk curl:curl
mkdir -p "$RESULTS_DIR/raw"
record_env "$RESULTS_DIR/env.txt"
init_bench
start_origin
[ -z "$PIN" ] || for p in $(tree_pids "$ORIGIN_PID"); do taskset -a -p -c "${PIN#*:}" "$p" >/dev/null; done
if [ "${1:-}" = instr ]; then
  need_tools valgrind:valgrind h2load:nghttp2-client
  for slot in "${slots[@]}"; do
    instr_one "$slot" 1000; i1=$IR
    instr_one "$slot" 11000; i2=$IR
    printf '%-8s tls_ka %d instructions per request\n' "$(slot_name "$slot")" $(((i2 - i1) / 10000)) |
      tee -a "$RESULTS_DIR/report.txt"
  done
  exit 0
fi
log "results: $RESULTS_DIR rounds=$ROUNDS dur=${DUR}s conns=$CONNS scenarios: $SCENARIOS"
for r in $(seq "$ROUNDS"); do
  for s in $SCENARIOS; do
    for slot in "${slots[@]}"; do run "$r" "$slot" "$s"; done
  done
done
python3 "$BENCH_DIR/report.py" table "$RESULTS_DIR/results.jsonl" | tee "$RESULTS_DIR/report.txt"
