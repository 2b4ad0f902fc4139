#!/usr/bin/env bash
# Key-value stores under load, in one run: `examples/counter` (Python, an async operation per
# request) and the Rust test guest `tests/guests/state` (the host's own cost: a tiny guest)
# incrementing and reading one counter on the embedded store and on Redis, against a
# baseline of the same commands sent straight to the same Redis by `redis-benchmark` (INCR and
# GET, the same number of connections). Ratios are against that baseline: what a request through
# fastwasm — HTTP, routing, validation, the guest, the store call — costs over the bare command.
#
#   bench/state.sh                       # 10 s per target, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/state.sh
#
# Not a test: numbers on a shared machine are noisy, so compare ratios from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
ensure_wrk
if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null; then
  echo "installing redis-server (Debian package)..." >&2
  apt-get update -qq && apt-get install -y -qq redis-server >/dev/null
fi

echo "building (release host, Python and Rust components)..." >&2
cargo build --release --quiet -p fastwasm
cargo build --release --quiet -p state --target wasm32-wasip2
target/release/fastwasm build examples/counter --cache-dir "$WORK/cache" 2>"$WORK/build.log" \
  || { cat "$WORK/build.log" >&2; exit 1; }

port=$(free_port)
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$WORK" \
  >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
echo $! >"$WORK/redis.pid"
for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done

start on-embedded target/release/fastwasm serve examples/counter --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache" --store "default=embedded:$WORK/counter.redb"
start on-redis target/release/fastwasm serve examples/counter --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache" --store "default=redis://127.0.0.1:$port"

# The Rust guest, granted the default store.
mkdir -p "$WORK/rust"
cat >"$WORK/rust/fastwasm.toml" <<TOML
name = "state-bench"

[[component]]
name = "state"
path = "$PWD/target/wasm32-wasip2/release/state.wasm"
key_value_stores = ["default"]
TOML
start rust-on-embedded target/release/fastwasm serve "$WORK/rust" --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache" --store "default=embedded:$WORK/rust.redb"
start rust-on-redis target/release/fastwasm serve "$WORK/rust" --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache" --store "default=redis://127.0.0.1:$port"

# baseline LABEL COMMAND: redis-benchmark's rate and latency for one command, as a results row.
baseline() {
  local label=$1 command=$2 seconds rps p50 p99 rss
  seconds=$(to_ms "$DURATION" | awk '{printf "%d", $1 / 1000}')
  # About DURATION's worth of requests at a first, short run's rate.
  rps=$(redis-benchmark -p "$port" -c "$CONNECTIONS" -n 20000 -t "$command" --csv | awk -F'"' 'NR == 2 {print $4}')
  redis-benchmark -p "$port" -c "$CONNECTIONS" -n "$(awk -v r="$rps" -v s="$seconds" 'BEGIN {printf "%d", r * s}')" \
    -t "$command" --csv >"$WORK/$label.csv"
  rps=$(awk -F'"' 'NR == 2 {print $4}' "$WORK/$label.csv")
  p50=$(awk -F'"' 'NR == 2 {print $10}' "$WORK/$label.csv")
  p99=$(awk -F'"' 'NR == 2 {print $14}' "$WORK/$label.csv")
  rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$(cat "$WORK/redis.pid")/status")
  echo "$label $rps $p50 $p99 $rss" >>"$WORK/results"
}

: >"$WORK/results"
baseline redis-benchmark-incr incr
measure fastwasm-redis-incr on-redis /counters/bench POST
measure fastwasm-embedded-incr on-embedded /counters/bench POST
measure rust-redis-incr rust-on-redis /incr/bench POST
measure rust-embedded-incr rust-on-embedded /incr/bench POST
report "increments: POST /counters/bench (Python) and /incr/bench (Rust); ratios against redis-benchmark INCR"

: >"$WORK/results"
baseline redis-benchmark-get get
measure fastwasm-redis-get on-redis /counters/bench
measure fastwasm-embedded-get on-embedded /counters/bench
measure rust-redis-get rust-on-redis /kv/bench
measure rust-embedded-get rust-on-embedded /kv/bench
report "reads: GET /counters/bench (Python) and /kv/bench (Rust); ratios against redis-benchmark GET"

echo
echo "counter after the run: redis $(redis-cli -p "$port" get counter:bench)," \
  "embedded $(curl -fsS "http://$(cat "$WORK/on-embedded.addr")/counters/bench")"
