#!/usr/bin/env bash
# fastwasm load benchmark. In one run: a plain hyper hello-world (the baseline) and
# `fastwasm serve examples/hello`, each driven by wrk; prints requests/s, p50/p99 latency and
# peak RSS, and fastwasm/baseline ratios for a sync and an async operation.
#
#   bench/run.sh                      # 10 s per target, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/run.sh
#
# Not a test: numbers on a shared machine are noisy, so compare ratios from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  echo "installing wrk (Debian package)..." >&2
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

echo "building (release)..." >&2
cargo build --release --quiet -p fastwasm -p fastwasm-bench-baseline
cargo build --release --quiet --target wasm32-wasip2 -p hello

# start NAME COMMAND...: runs a server in the background, waits for its address.
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  echo $! >"$WORK/$name.pid"
  for _ in $(seq 1 600); do
    local addr
    addr=$(grep -o 'listening on http://[0-9.:]*' "$WORK/$name.log" | head -n1 | sed 's|listening on http://||') || true
    if [ -n "$addr" ]; then echo "$addr" >"$WORK/$name.addr"; return; fi
    sleep 0.1
  done
  echo "$name did not start:" >&2; cat "$WORK/$name.log" >&2; exit 1
}

# to_ms VALUE: wrk latency (e.g. 850.12us, 1.20ms, 1.01s) in milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v + 0
    if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n = n * 1000
    printf "%.3f", n }'
}

# measure LABEL SERVER PATH: one wrk run; appends "label rps p50 p99 rss_mb" to results.
measure() {
  local label=$1 server=$2 path=$3
  local url="http://$(cat "$WORK/$server.addr")$path"
  curl -fsS "$url" >/dev/null   # warm up and fail fast on a broken route
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$url" >"$WORK/$label.wrk"
  local rps p50 p99 rss
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$label.wrk")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/$label.wrk")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/$label.wrk")")
  rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$(cat "$WORK/$server.pid")/status")
  if grep -q "Non-2xx" "$WORK/$label.wrk"; then
    echo "warning: $label had non-2xx responses:" >&2; grep "Non-2xx" "$WORK/$label.wrk" >&2
  fi
  echo "$label $rps $p50 $p99 $rss" >>"$WORK/results"
}

start baseline target/release/hello-baseline 127.0.0.1:0
start fastwasm target/release/fastwasm serve examples/hello --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache"

measure baseline baseline /
measure fastwasm-sync fastwasm /
measure fastwasm-async fastwasm /hello

echo
echo "wrk -t1 -c$CONNECTIONS -d$DURATION on $(nproc) cores; GET returning {\"message\":\"Hello World\"}"
awk '
  NR == 1 { base_rps = $2; base_p50 = $3; base_p99 = $4 }
  { rows[NR] = $0 }
  END {
    printf "%-16s %12s %10s %10s %10s %10s %10s\n", "target", "req/s", "p50 ms", "p99 ms", "peak RSS", "rps ratio", "p99 ratio"
    for (i = 1; i <= NR; i++) {
      split(rows[i], f, " ")
      printf "%-16s %12.0f %10.3f %10.3f %8.1fMB %10.3f %10.2f\n", f[1], f[2], f[3], f[4], f[5], f[2] / base_rps, f[4] / base_p99
    }
  }' "$WORK/results"
