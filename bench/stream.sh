#!/usr/bin/env bash
# Streaming in Python under load, in one run: `examples/stream` served by fastwasm, and its
# twin `fastapi_twin.py` (the same code on FastAPI) by uvicorn with one worker, each driven by
# bench/stream-load: server-sent events per second over repeated streams of events, and
# WebSocket round trips per second (a message and its echo) with their p99.
#
#   bench/stream.sh                          # 10 s per measure
#   DURATION=30 SSE_CONNECTIONS=32 WS_CONNECTIONS=64 bench/stream.sh
#
# Not a test: numbers on a shared machine are noisy, so compare ratios from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10}
SSE_CONNECTIONS=${SSE_CONNECTIONS:-16}
WS_CONNECTIONS=${WS_CONNECTIONS:-32}
source bench/lib.sh

echo "building (release host, load generator, Python component)..." >&2
cargo build --release --quiet -p fastwasm -p fastwasm-bench-stream-load
target/release/fastwasm build examples/stream --cache-dir "$WORK/cache" 2>"$WORK/build.log" \
  || { cat "$WORK/build.log" >&2; exit 1; }
ensure_fastapi
PORT=$(free_port)

start fastwasm target/release/fastwasm serve examples/stream --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache" --websocket-messages-per-second 1000000
start fastapi "$VENV/bin/uvicorn" fastapi_twin:app --app-dir examples/stream \
  --host 127.0.0.1 --port "$PORT" --no-access-log

LOAD=target/release/stream-load
for server in fastapi fastwasm; do
  addr=$(cat "$WORK/$server.addr")
  curl -fsS "http://$addr/events?n=1&ms=0" >/dev/null
  read -r events _ < <("$LOAD" sse "$addr" "/events?n=200&ms=0" "$SSE_CONNECTIONS" "$DURATION")
  read -r trips p99 < <("$LOAD" ws "$addr" /ws/echo "$WS_CONNECTIONS" "$DURATION")
  echo "$server $events $trips $p99" >>"$WORK/results"
done

echo
echo "$(nproc) cores, ${DURATION}s per measure; SSE: $SSE_CONNECTIONS clients reading 200-event streams; WebSocket: $WS_CONNECTIONS connections echoing"
awk '
  NR == 1 { base_events = $2; base_trips = $3; base_p99 = $4 }
  { rows[NR] = $0 }
  END {
    printf "%-10s %12s %12s %10s %12s %12s %10s\n", "server", "events/s", "round trips/s", "ws p99 ms", "events ratio", "trips ratio", "p99 ratio"
    for (i = 1; i <= NR; i++) {
      split(rows[i], f, " ")
      printf "%-10s %12.0f %12.0f %10.3f %12.2f %12.2f %10.2f\n", f[1], f[2], f[3], f[4], f[2] / base_events, f[3] / base_trips, f[4] / base_p99
    }
  }' "$WORK/results"
