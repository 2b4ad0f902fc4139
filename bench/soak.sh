#!/usr/bin/env bash
# Soak: minutes of mixed load on one server — sync and async operations of Rust and Python
# components, guests that trap, spin and allocate, hostile clients (slowloris, stalled bodies,
# abrupt disconnects, oversized heads) — with a hot reload every few seconds, driven by
# bench/soak. Reports requests served, outcomes by kind, the server's peak RSS and its open
# file descriptors at the start and at the end. Fails when a well-behaved request failed, a
# reload failed, or descriptors grew.
#
#   bench/soak.sh                  # 180 s
#   DURATION=600 bench/soak.sh
#   SOAK_LOG=soak.log bench/soak.sh   # keep the server's log
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-180}
RELOAD_EVERY=${RELOAD_EVERY:-3}
source bench/lib.sh

echo "building (release host, soak driver, guests)..." >&2
cargo build --release --quiet -p fastwasm -p fastwasm-bench-soak
cargo build --release --quiet --target wasm32-wasip2 -p hello -p faults -p version-one -p version-two
target/release/fastwasm build bench/py-hello --cache-dir "$WORK/cache" 2>"$WORK/build.log" \
  || { cat "$WORK/build.log" >&2; exit 1; }

GUESTS=$PWD/target/wasm32-wasip2/release
mkdir -p "$WORK/app"
cp "$GUESTS/version_one.wasm" "$WORK/app/versioned.wasm"
cat >"$WORK/app/fastwasm.toml" <<TOML
name = "soak"

[[component]]
name = "rust"
path = "$GUESTS/hello.wasm"
prefix = "/rust"

[[component]]
name = "py"
path = "$PWD/bench/py-hello/build/hello.wasm"
prefix = "/py"

[[component]]
name = "faults"
path = "$GUESTS/faults.wasm"
prefix = "/faults"

[[component]]
name = "versioned"
path = "versioned.wasm"
prefix = "/v"
TOML

# Both versions compiled beforehand, as after a first deploy of each: under this load a compile
# takes seconds, and a change arriving during a reload cancels it, so uncached versions swapped
# every few seconds would never finish loading.
mkdir -p "$WORK/second"
printf '[[component]]\nname = "versioned"\npath = "%s"\n' "$GUESTS/version_two.wasm" \
  >"$WORK/second/fastwasm.toml"
target/release/fastwasm check "$WORK/second" --cache-dir "$WORK/cache" >/dev/null 2>&1

start fastwasm target/release/fastwasm serve "$WORK/app" --watch --listen 127.0.0.1:0 \
  --cache-dir "$WORK/cache" --request-timeout 2s --header-read-timeout 3s --body-read-timeout 2s
ADDR=$(cat "$WORK/fastwasm.addr")
PID=$(cat "$WORK/fastwasm.pid")
for path in /rust/ /rust/hello /py/sync /py/async /v/version; do
  curl -fsS "http://$ADDR$path" >/dev/null
done
fds() { find "/proc/$PID/fd" -mindepth 1 -maxdepth 1 | wc -l; }
FDS_START=$(fds)

# A new version lands every few seconds, by rename, as a deploy would write it.
(
  version=two
  end=$((SECONDS + DURATION))
  while [ $SECONDS -lt $end ]; do
    sleep "$RELOAD_EVERY"
    cp "$GUESTS/version_$version.wasm" "$WORK/app/versioned.wasm.partial"
    mv "$WORK/app/versioned.wasm.partial" "$WORK/app/versioned.wasm"
    if [ $version = two ]; then version=one; else version=two; fi
  done
) &
PIDS+=($!)

echo "soaking for ${DURATION}s..." >&2
target/release/soak "$ADDR" "$DURATION" | tee "$WORK/soak.txt"
sleep 5   # hostile connections close, instances idle
FDS_END=$(fds)
RSS=$(awk '/VmHWM/ {printf "%.1f MB", $2 / 1024}' "/proc/$PID/status")
RELOADS=$(grep -c 'reloaded in' "$WORK/fastwasm.log" || true)
RELOAD_FAILURES=$(grep -c 'reload failed' "$WORK/fastwasm.log" || true)
PANICS=$(grep -c "^thread '.*' panicked" "$WORK/fastwasm.log" || true)
[ -z "${SOAK_LOG:-}" ] || cp "$WORK/fastwasm.log" "$SOAK_LOG"

echo
echo "$(nproc) cores, ${DURATION}s"
echo "reloads: $RELOADS (failed: $RELOAD_FAILURES)"
echo "host panics: $PANICS"
echo "peak RSS: $RSS"
echo "open file descriptors: $FDS_START at the start, $FDS_END at the end"

FAILURES=$(awk '/^well-behaved failures:/ {print $3}' "$WORK/soak.txt")
status=0
[ "$FAILURES" = 0 ] || { echo "FAIL: $FAILURES well-behaved requests failed" >&2; status=1; }
[ "$RELOAD_FAILURES" = 0 ] && [ "$RELOADS" -gt 0 ] || { echo "FAIL: reloads did not all succeed" >&2; status=1; }
[ "$PANICS" = 0 ] || { echo "FAIL: the host panicked" >&2; status=1; }
[ "$FDS_END" -le $((FDS_START + 4)) ] || { echo "FAIL: file descriptors grew" >&2; status=1; }
exit $status
