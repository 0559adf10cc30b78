#!/usr/bin/env bash
# Validates both committed OpenAPI documents with an independent validator (openapi-spec-validator,
# PyPI, pinned), installed into the project's .venv: openapi/openapi.json as OpenAPI 3.1 and
# openapi/openapi-3.0.json as OpenAPI 3.0. Each is also checked to declare the version it is validated
# as. Exits non-zero when either fails.
set -euo pipefail
cd "$(dirname "$0")/.."

VALIDATOR_VERSION=0.9.0
VENV=.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("openapi-spec-validator"))' 2>/dev/null)" != "$VALIDATOR_VERSION" ]; then
  "$VENV/bin/pip" install -q "openapi-spec-validator==$VALIDATOR_VERSION"
fi

status=0
for pair in "openapi/openapi.json:3.1" "openapi/openapi-3.0.json:3.0"; do
  file=${pair%%:*} version=${pair##*:}
  if [ ! -f "$file" ]; then
    echo "$file: missing; run \`make openapi\`"; status=1; continue
  fi
  declared=$("$VENV/bin/python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["openapi"])' "$file")
  if [[ "$declared" != "$version".* ]]; then
    echo "$file: declares openapi $declared, expected $version.x"; status=1; continue
  fi
  # The validator prints the whole document with an unresolvable $ref: keep the head of its report.
  if out=$("$VENV/bin/openapi-spec-validator" --schema "$version" --validation-errors all "$file" 2>&1); then
    echo "$out"
  else
    echo "$file: INVALID as OpenAPI $version (openapi-spec-validator $VALIDATOR_VERSION):"
    echo "$out" | cut -c1-400 | head -n 60
    status=1
  fi
done
exit "$status"
