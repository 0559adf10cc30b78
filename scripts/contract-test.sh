#!/usr/bin/env bash
# Contract test: the running server against its own OpenAPI document, with schemathesis (PyPI, pinned,
# in the project's .venv). Builds the debug binary, generates and imports a small synthetic dataset into
# a fresh SQLite file, serves it on a free loopback port, and has schemathesis call every operation
# (all phases: examples, coverage, fuzzing, stateful; valid and invalid inputs), once from the served
# 3.1 document and once from the committed 3.0.3 one, with every check schemathesis has: no 5xx,
# documented status codes, content types and headers, bodies that match the response schemas, every
# request the spec allows accepted and every one it forbids refused, ... scripts/contract.toml holds
# the one setting OpenAPI cannot express (searchPrices' rules between parameters: a 422).
# Exits with schemathesis's status (the first failing run's). Tunables: CONTRACT_MAX_EXAMPLES (default 40 per operation),
# CONTRACT_SEED (default 1, so a run is reproducible), CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SCHEMATHESIS_VERSION=4.32.5
MAX_EXAMPLES=${CONTRACT_MAX_EXAMPLES:-40}
SEED=${CONTRACT_SEED:-1}
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/priceline"
VENV=$ROOT/.venv

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("schemathesis"))' 2>/dev/null)" != "$SCHEMATHESIS_VERSION" ]; then
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

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

export PRICELINE_DATABASE_URL="$WORK/contract.db"
export PRICELINE_LOG=${PRICELINE_LOG:-warn}
"$BIN" generate --out "$WORK/data" --hospitals 6 --rows 600 >/dev/null
"$BIN" import "$WORK/data" >/dev/null

# Served with authentication on (an API key made by the CLI, passed to schemathesis as a header) and a
# rate limit far above what one schemathesis worker sends, so both middlewares are in the path.
KEY_OUTPUT=$("$BIN" api-key contract)
API_KEY=$(grep -o 'plk_[A-Za-z0-9_-]*' <<<"$KEY_OUTPUT" | head -n 1)
export PRICELINE_API_KEYS=$(grep -o 'contract:[0-9a-f]\{64\}' <<<"$KEY_OUTPUT")
export PRICELINE_RATE_LIMIT_PER_SECOND=10000 PRICELINE_RATE_LIMIT_BURST=10000
# Schemathesis sends refused credentials on purpose (its ignored_auth check), all from one address:
# the failed-credential throttle would soon refuse everything from it, so it is off here.
export PRICELINE_AUTH_FAILURE_LIMIT=0
if [ -z "$API_KEY" ] || [ -z "$PRICELINE_API_KEYS" ]; then
  echo "priceline api-key printed no key:"; echo "$KEY_OUTPUT"; exit 1
fi

PORT=$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PRICELINE_LISTEN="127.0.0.1:$PORT" PRICELINE_WORKERS=2 "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
BASE="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do
  if "$VENV/bin/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)' "$BASE/healthz" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server exited:"; cat "$WORK/server.log"; exit 1
  fi
  sleep 0.1
done

# Against the served 3.1 document, then the committed 3.0.3 gateway profile (which must describe the
# same server). From the work folder, so nothing (Hypothesis' database, reports) lands in the repository.
run_schemathesis() {
  (
    cd "$WORK"
    "$VENV/bin/schemathesis" --config-file "$ROOT/scripts/contract.toml" run "$@" \
      --header "X-API-Key: $API_KEY" \
      --checks all \
      --max-examples "$MAX_EXAMPLES" \
      --seed "$SEED" \
      --workers 1 \
      --request-timeout 10 \
      --generation-database none \
      --no-color
  )
}
status=0
echo "=== schemathesis: $BASE/openapi.json (OpenAPI 3.1) ==="
run_schemathesis "$BASE/openapi.json" || status=$?
echo "=== schemathesis: openapi/openapi-3.0.json (OpenAPI 3.0.3) against $BASE ==="
run_schemathesis "$ROOT/openapi/openapi-3.0.json" --url "$BASE" || { s=$?; [ "$status" != 0 ] || status=$s; }
if [ "$status" != 0 ]; then
  echo "--- server log (last 40 lines) ---"; tail -n 40 "$WORK/server.log"
fi
exit "$status"
