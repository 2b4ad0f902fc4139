#!/usr/bin/env bash
# Python path operations under load, in one run: the same `bench/py-hello/main.py` served by
# fastwasm (async with shared instances, async with an instance per request, sync) and by
# FastAPI + uvicorn (installed from PyPI into target/bench-venv), each driven by wrk. Ratios are
# against FastAPI's async operation.
#
#   bench/python.sh                   # 10 s per target, 64 connections
#   DURATION=30s CONNECTIONS=128 bench/python.sh
#
# Not a test: numbers on a shared machine are noisy, so compare ratios from the same run.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
ensure_wrk

echo "building (release host, Python component)..." >&2
cargo build --release --quiet -p fastwasm
target/release/fastwasm build bench/py-hello --cache-dir "$WORK/cache" 2>"$WORK/build.log" \
  || { cat "$WORK/build.log" >&2; exit 1; }

ensure_fastapi
PORT=$(free_port)

# The same component with an instance per request.
mkdir -p "$WORK/isolated"
sed "s|^path = \"build/|path = \"$PWD/bench/py-hello/build/|; s|^build = .*|isolation = \"request\"|" \
  bench/py-hello/fastwasm.toml >"$WORK/isolated/fastwasm.toml"

start fastapi env PYTHONPATH="$FASTAPI_SHIM" "$VENV/bin/uvicorn" main:app --app-dir bench/py-hello \
  --host 127.0.0.1 --port "$PORT" --no-access-log
start shared target/release/fastwasm serve bench/py-hello --listen 127.0.0.1:0 --cache-dir "$WORK/cache"
start isolated target/release/fastwasm serve "$WORK/isolated" --listen 127.0.0.1:0 --cache-dir "$WORK/cache"

measure fastapi-async fastapi /async
measure fastapi-sync fastapi /sync
measure fastwasm-async-shared shared /async
measure fastwasm-async-request isolated /async
measure fastwasm-sync shared /sync

report 'GET returning {"message":"Hello World"} from Python; ratios against FastAPI + uvicorn (1 worker)'
