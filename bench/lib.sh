# Shared by the load benchmarks: start servers, drive them with wrk, print a table of ratios.
# Sourcing it makes WORK (a scratch folder) and PIDS (servers started); on exit, PIDS are killed
# and WORK removed.

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}

ensure_wrk() {
  if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package)..." >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  fi
}

# ensure_fastapi: FastAPI, uvicorn and httpx at the versions tests/fastapi-requirements.txt pins,
# in target/bench-venv (VENV). FASTAPI_SHIM is a folder to put first on PYTHONPATH so that an
# app written against `fastwasm` imports FastAPI (and `fastwasm.httpx` is httpx) under uvicorn.
VENV=target/bench-venv
FASTAPI_SHIM="$WORK/shim"
ensure_fastapi() {
  if ! "$VENV/bin/python" -c 'import fastapi, uvicorn, httpx' 2>/dev/null; then
    echo "installing FastAPI, uvicorn and httpx into $VENV..." >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check -r tests/fastapi-requirements.txt
  fi
  mkdir -p "$FASTAPI_SHIM/fastwasm"
  printf 'from fastapi import *  # noqa: F403\nimport httpx  # noqa: F401\n' >"$FASTAPI_SHIM/fastwasm/__init__.py"
}

# free_port: a loopback port nothing listens on.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start NAME COMMAND...: runs a server in the background and waits until it prints the
# address it listens on (fastwasm: "listening on http://A", uvicorn: "running on http://A").
start() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  PIDS+=($!)
  echo $! >"$WORK/$name.pid"
  for _ in $(seq 1 1200); do
    local addr
    addr=$(grep -Eo '(listening|running) on http://[0-9.:]*' "$WORK/$name.log" | head -n1 | sed -E 's|.* on http://||') || true
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

# measure LABEL SERVER PATH [METHOD]: one wrk run (GET unless METHOD is given); appends
# "label rps p50 p99 rss_mb" to results. Peak RSS covers the server's process tree (uvicorn's
# workers included).
measure() {
  local label=$1 server=$2 path=$3 method=${4:-GET}
  local url="http://$(cat "$WORK/$server.addr")$path"
  curl -fsS -X "$method" "$url" >/dev/null   # warm up and fail fast on a broken route
  printf 'wrk.method = "%s"\n' "$method" >"$WORK/method.lua"
  wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/method.lua" "$url" >"$WORK/$label.wrk"
  local rps p50 p99 rss pid
  rps=$(awk '/Requests\/sec/ {print $2}' "$WORK/$label.wrk")
  p50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$WORK/$label.wrk")")
  p99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$WORK/$label.wrk")")
  rss=0
  for pid in $(cat "$WORK/$server.pid") $(pgrep -P "$(cat "$WORK/$server.pid")" || true); do
    rss=$(awk -v total="$rss" '/VmHWM/ {printf "%.1f", total + $2 / 1024}' "/proc/$pid/status")
  done
  if grep -q "Non-2xx" "$WORK/$label.wrk"; then
    echo "warning: $label had non-2xx responses:" >&2; grep "Non-2xx" "$WORK/$label.wrk" >&2
  fi
  echo "$label $rps $p50 $p99 $rss" >>"$WORK/results"
}

# report TITLE: the results table; ratios are against the first row.
report() {
  echo
  echo "wrk -t1 -c$CONNECTIONS -d$DURATION on $(nproc) cores; $1"
  awk '
    NR == 1 { base_rps = $2; base_p99 = $4 }
    { rows[NR] = $0 }
    END {
      printf "%-22s %10s %9s %9s %10s %10s %10s\n", "target", "req/s", "p50 ms", "p99 ms", "peak RSS", "rps ratio", "p99 ratio"
      for (i = 1; i <= NR; i++) {
        split(rows[i], f, " ")
        printf "%-22s %10.0f %9.3f %9.3f %8.1fMB %10.3f %10.2f\n", f[1], f[2], f[3], f[4], f[5], f[2] / base_rps, f[4] / base_p99
      }
    }' "$WORK/results"
}
