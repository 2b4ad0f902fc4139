#!/usr/bin/env bash
# Outbound HTTP from Python under load, in one run: `examples/fanout` — an async operation that
# gathers N calls of 50 ms to an upstream — served by fastwasm and by FastAPI + uvicorn (one
# worker, httpx.AsyncClient, the same main.py through a shim), with N = 1 and N = 5. The upstream
# is bench/baseline's `/delay`, a hyper server that is never the bottleneck. Ratios are against
# FastAPI with the same N.
#
#   bench/outbound.sh                    # 10 s per target, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/outbound.sh
#
# Not a test: numbers on a shared machine are noisy, so compare ratios from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

MS=${MS:-50}
source bench/lib.sh
ensure_wrk
ensure_fastapi

echo "building (release host, upstream, Python component)..." >&2
cargo build --release --quiet -p fastwasm -p fastwasm-bench-baseline
target/release/fastwasm build examples/fanout --cache-dir "$WORK/cache" 2>"$WORK/build.log" \
  || { cat "$WORK/build.log" >&2; exit 1; }

start upstream target/release/hello-baseline 127.0.0.1:0
UPSTREAM="http://$(cat "$WORK/upstream.addr")"

# The example's manifest, pointed at this upstream.
mkdir -p "$WORK/app"
cat >"$WORK/app/fastwasm.toml" <<TOML
name = "fanout-bench"

[[component]]
name = "fanout"
path = "$PWD/examples/fanout/build/fanout.wasm"
env = { UPSTREAM = "$UPSTREAM" }
allowed_outbound_hosts = ["$UPSTREAM"]
TOML

start fastapi env UPSTREAM="$UPSTREAM" PYTHONPATH="$FASTAPI_SHIM" "$VENV/bin/uvicorn" main:app \
  --app-dir examples/fanout --host 127.0.0.1 --port "$(free_port)" --no-access-log
start fastwasm target/release/fastwasm serve "$WORK/app" --listen 127.0.0.1:0 --cache-dir "$WORK/cache"

for n in 1 5; do
  : >"$WORK/results"
  measure "fastapi-n$n" fastapi "/fanout?n=$n&ms=$MS"
  measure "fastwasm-n$n" fastwasm "/fanout?n=$n&ms=$MS"
  report "GET /fanout?n=$n&ms=$MS: $n concurrent calls of $MS ms each; ratios against FastAPI + uvicorn + httpx"
done
