#!/usr/bin/env bash
# Swagger UI in a real browser behind a path-prefixing proxy (tools/swagger-ui-check/check.mjs): builds
# the debug binary, imports a small synthetic dataset into a fresh SQLite file, serves it with an API
# key required and PRICELINE_TRUST_FORWARDED=true on a free loopback port, and has headless chromium
# load /priceline/docs through the proxy, authorize, reload and "Try it out". `make swagger-ui-check`
# installs chromium (Debian) and playwright-core (npm) first.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/priceline"

cargo build -q -p priceline-api --bin priceline

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

export PRICELINE_DATABASE_URL="$WORK/docs.db"
export PRICELINE_LOG=${PRICELINE_LOG:-warn}
"$BIN" generate --out "$WORK/data" --hospitals 3 --rows 100 >/dev/null
"$BIN" import "$WORK/data" >/dev/null

KEY_OUTPUT=$("$BIN" api-key swagger-ui)
API_KEY=$(grep -o 'plk_[A-Za-z0-9_-]*' <<<"$KEY_OUTPUT" | head -n 1)
export PRICELINE_API_KEYS=$(grep -o 'swagger-ui:[0-9a-f]\{64\}' <<<"$KEY_OUTPUT")
if [ -z "$API_KEY" ] || [ -z "$PRICELINE_API_KEYS" ]; then
  echo "priceline api-key printed no key:"; echo "$KEY_OUTPUT"; exit 1
fi

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PRICELINE_LISTEN="127.0.0.1:$PORT" PRICELINE_WORKERS=1 PRICELINE_TRUST_FORWARDED=true \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$BASE/healthz" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server exited:"; cat "$WORK/server.log"; exit 1
  fi
  sleep 0.1
done

if ! node tools/swagger-ui-check/check.mjs "$BASE" "$API_KEY"; then
  echo "--- server log (last 40 lines) ---"; tail -n 40 "$WORK/server.log"
  exit 1
fi
