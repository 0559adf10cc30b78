#!/usr/bin/env bash
# Checks deploy/ without a Docker engine or a cluster (see scripts/check-deploy.py for what is
# checked). The validators come from PyPI, pinned, into the project's .venv: kubernetes-validate
# bundles the Kubernetes JSON schemas and check-jsonschema vendors the compose-spec schema, so the
# checks run offline.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
TOOLS=(kubernetes-validate==1.37.0 check-jsonschema==0.39.0 PyYAML==6.0.4)
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
installed() {
  "$VENV/bin/python" -c 'import importlib.metadata as m, sys
sys.exit(any(m.version(n) != v for n, v in (t.split("==") for t in sys.argv[1:])))' "$@" 2>/dev/null
}
installed "${TOOLS[@]}" || "$VENV/bin/pip" install -q "${TOOLS[@]}"

exec "$VENV/bin/python" scripts/check-deploy.py
