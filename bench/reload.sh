#!/usr/bin/env bash
# Reload latency: from a new component file landing on disk to the new version answering,
# with a cold compile cache (the version must be compiled) and a warm one (it was compiled
# before). Includes the watcher's debounce (250 ms), which dominates the warm figure.
#
#   bench/reload.sh          # 3 cold and 6 warm swaps
set -euo pipefail
cd "$(dirname "$0")/.."

COLD=${COLD:-3}
WARM=${WARM:-6}
WORK=$(mktemp -d)
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

echo "building (release)..." >&2
cargo build --release --quiet -p fastwasm
cargo build --release --quiet --target wasm32-wasip2 -p version-one -p version-two
V1=target/wasm32-wasip2/release/version_one.wasm
V2=target/wasm32-wasip2/release/version_two.wasm

mkdir -p "$WORK/app"
cp "$V1" "$WORK/app/svc.wasm"
printf '[[component]]\nname = "svc"\npath = "svc.wasm"\n' >"$WORK/app/fastwasm.toml"
target/release/fastwasm serve "$WORK/app" --watch --listen 127.0.0.1:0 --cache-dir "$WORK/cache" \
  >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 600); do
  grep -q 'listening on' "$WORK/log" && break
  sleep 0.1
done
URL="http://$(grep -o 'listening on http://[0-9.:]*' "$WORK/log" | sed 's|listening on http://||')/version"

now_ms() { date +%s%3N; }

# swap FILE EXPECTED: installs FILE by rename, prints ms until EXPECTED answers.
swap() {
  cp "$1" "$WORK/app/svc.wasm.partial"
  local start
  start=$(now_ms)
  mv "$WORK/app/svc.wasm.partial" "$WORK/app/svc.wasm"
  while [ "$(curl -fsS "$URL")" != "$2" ]; do sleep 0.005; done
  echo $(($(now_ms) - start))
}

cold=()
next=v2
for _ in $(seq 1 "$COLD"); do
  rm -rf "$WORK/cache"
  if [ "$next" = v2 ]; then cold+=("$(swap "$V2" v2)"); next=v1; else cold+=("$(swap "$V1" v1)"); next=v2; fi
done
warm=()
for _ in $(seq 1 "$WARM"); do
  if [ "$next" = v2 ]; then warm+=("$(swap "$V2" v2)"); next=v1; else warm+=("$(swap "$V1" v1)"); next=v2; fi
done

median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
echo
echo "reload latency, file renamed into place -> new version answering ($(stat -c %s "$V2") byte component)"
printf '%-12s %6s %10s   %s\n' cache swaps "median ms" "all (ms)"
printf '%-12s %6d %10d   %s\n' cold "${#cold[@]}" "$(median "${cold[@]}")" "${cold[*]}"
printf '%-12s %6d %10d   %s\n' warm "${#warm[@]}" "$(median "${warm[@]}")" "${warm[*]}"
echo "(the watcher waits for 250 ms of quiet before reloading; the rest is load, check and swap)"
