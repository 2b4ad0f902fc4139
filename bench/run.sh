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

source bench/lib.sh
ensure_wrk

echo "building (release)..." >&2
cargo build --release --quiet -p fastwasm -p fastwasm-bench-baseline
cargo build --release --quiet --target wasm32-wasip2 -p hello

start baseline target/release/hello-baseline 127.0.0.1:0
start fastwasm target/release/fastwasm serve examples/hello --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache"

measure baseline baseline /
measure fastwasm-sync fastwasm /
measure fastwasm-async fastwasm /hello

report 'GET returning {"message":"Hello World"}'
