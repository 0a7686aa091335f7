#!/bin/bash
# System calls per proxied request, sluice against HAProxy (Debian's package), same
# configuration, one run: an nginx origin on 127.0.0.1, each proxy started alone with one
# worker (nbthread 1), warmed up, then traced (strace -c -f attached to every process of
# its tree) over a fixed number of requests sent by h2load:
#   h1_ka     HTTP/1.1 keep-alive, 50 connections, 64 B responses
#   h1_close  the same with "Connection: close": one connection per request
#   h1_16k    keep-alive, 16 KiB responses (more than a 16 KiB buffer with their head)
# Prints one table row per proxy, scenario and system call (calls per request), then the
# totals. Everything started is stopped by PID.
#
#   tests/bench/syscalls.sh                 # N=20000 requests per scenario
#   N=50000 SCENARIOS=h1_ka tests/bench/syscalls.sh
#   PROXIES="sluice sluice-uring" tests/bench/syscalls.sh   # sluice-uring: tune.sluice.io-uring on
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-20000}
SCENARIOS=${SCENARIOS:-"h1_ka h1_close"}
PROXIES=${PROXIES:-"haproxy sluice"}
BASE_PORT=${BASE_PORT:-18400}
origin_port=$BASE_PORT
proxy_port=$((BASE_PORT + 10))
for tool in strace h2load nginx haproxy; do
        command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 2; }
done
# shellcheck source=tests/bench/release_build.sh
. "$top/tests/bench/release_build.sh"

T=$(mktemp -d /tmp/sluice-syscalls.XXXXXX)
pids=()
cleanup() {
        for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
        wait 2>/dev/null || true
        rm -rf "$T"
}
trap cleanup EXIT

mkdir -p "$T/www" "$T/origin"
chmod 755 "$T" "$T/www" # nginx serves as its own user
head -c 64 /dev/zero | tr '\0' x >"$T/www/64"
head -c 16384 /dev/zero | tr '\0' x >"$T/www/16k"
cat >"$T/origin/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $T/origin/nginx.pid;
error_log $T/origin/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $T/origin/body;
    proxy_temp_path $T/origin/proxy;
    fastcgi_temp_path $T/origin/fastcgi;
    uwsgi_temp_path $T/origin/uwsgi;
    scgi_temp_path $T/origin/scgi;
    server { listen 127.0.0.1:$origin_port; root $T/www; }
}
EOF
nginx -p "$T/origin" -c "$T/origin/nginx.conf" >/dev/null 2>&1 &
pids+=($!)
cat >"$T/proxy.cfg" <<EOF
global
    nbthread 1
    maxconn 4000
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    http-reuse always
frontend fe_http
    bind 127.0.0.1:$proxy_port
    default_backend be_origin
backend be_origin
    server origin 127.0.0.1:$origin_port
EOF
{
        cat "$T/proxy.cfg"
        printf 'global\n    tune.sluice.io-uring on\n'
} >"$T/proxy-uring.cfg"

tree_of() { # PID: it and its descendants
        local p=$1 c
        echo "$p"
        for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do tree_of "$c"; done
}

load() { # SCENARIO COUNT
        local hdr=()
        local path=64
        [ "$1" = h1_close ] && hdr=(-H "Connection: close")
        [ "$1" = h1_16k ] && path=16k
        h2load --h1 -n "$2" -c 50 -m 1 "${hdr[@]}" "http://127.0.0.1:$proxy_port/$path" \
                >"$T/h2load.log" 2>&1
        grep -q " 0 failed, 0 errored" "$T/h2load.log" ||
                grep "requests:" "$T/h2load.log" >&2
}

declare -A total
printf '%-8s %-9s %-16s %s\n' proxy scenario syscall per_request
for name in $PROXIES; do
        for sc in $SCENARIOS; do
                case $name in
                haproxy) haproxy -f "$T/proxy.cfg" -db >"$T/$name.log" 2>&1 & ;;
                sluice) "$build/sluice" -d -f "$T/proxy.cfg" >"$T/$name.log" 2>&1 & ;;
                sluice-uring) "$build/sluice" -d -f "$T/proxy-uring.cfg" >"$T/$name.log" 2>&1 & ;;
                *) echo "unknown proxy $name" >&2; exit 2 ;;
                esac
                proxy=$!
                pids+=("$proxy")
                for _ in $(seq 50); do
                        curl -sf -o /dev/null "http://127.0.0.1:$proxy_port/64" && break
                        sleep 0.1
                done
                load "$sc" 2000 # warm-up
                args=()
                for p in $(tree_of "$proxy"); do args+=(-p "$p"); done
                strace -c -f -o "$T/strace.$name.$sc" "${args[@]}" 2>/dev/null &
                tracer=$!
                sleep 0.5
                load "$sc" "$N"
                kill -INT "$tracer"
                wait "$tracer" 2>/dev/null || true
                kill "$proxy"
                wait "$proxy" 2>/dev/null || true
                # strace -c: "% time seconds usecs/call calls errors syscall"
                while read -r calls call; do
                        printf '%-8s %-9s %-16s %.2f\n' "$name" "$sc" "$call" \
                                "$(echo "$calls / $N" | bc -l)"
                done < <(awk '$4 ~ /^[0-9]+$/ && $NF != "total" { print $4, $NF }' \
                                "$T/strace.$name.$sc" | sort -rn)
                sum=$(awk '$NF == "total" { print $4 }' "$T/strace.$name.$sc")
                total[$name.$sc]=$(echo "$sum / $N" | bc -l)
        done
done
echo
for sc in $SCENARIOS; do
        printf 'total %-9s' "$sc"
        for name in $PROXIES; do printf ' %s %.2f' "$name" "${total[$name.$sc]}"; done
        printf ' calls per request\n'
done
