#!/usr/bin/env bash
# Lints both committed OpenAPI documents (openapi/openapi.json, 3.1, and openapi/openapi-3.0.json,
# 3.0.3) with Redocly CLI (its `recommended` rules) and Spectral (`spectral:oas`), both npm packages
# pinned in tools/openapi-lint/package-lock.json and installed there by `npm ci` (the Makefile's
# openapi-lint-tools target). Fails on any error and on any Spectral warning; Redocly's warnings are
# printed. The rule sets are tools/openapi-lint/redocly.yaml and tools/openapi-lint/.spectral.yaml.
set -euo pipefail
cd "$(dirname "$0")/.."

TOOLS=tools/openapi-lint
BIN=$TOOLS/node_modules/.bin
if [ ! -x "$BIN/redocly" ] || [ ! -x "$BIN/spectral" ]; then
  npm ci --prefix "$TOOLS" --no-audit --no-fund --loglevel=error
fi
DOCUMENTS=(openapi/openapi.json openapi/openapi-3.0.json)

status=0
# No telemetry, no update check: lint runs offline and says nothing about the project to anyone.
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$BIN/redocly" lint --config "$TOOLS/redocly.yaml" --format stylish "${DOCUMENTS[@]}" || status=$?
"$BIN/spectral" lint --ruleset "$TOOLS/.spectral.yaml" --fail-severity warn "${DOCUMENTS[@]}" ||
  { s=$?; [ "$status" != 0 ] || status=$s; }
exit "$status"
