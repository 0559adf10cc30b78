#!/usr/bin/env bash
# The architecture in the crate graph: the domain, ingest and synth crates know neither Diesel nor
# actix; the import pipeline (crates/import) writes through the store, so Diesel comes with it, but it
# knows no HTTP: an import runs the same from the CLI or a server job.
# `cargo tree -i X` fails with "did not match any packages" exactly when X is not in the crate's graph.
set -euo pipefail
status=0
check() { # crate, then the packages it must not depend on
  local crate=$1; shift
  for dep in "$@"; do
    if out=$(cargo tree -p "$crate" -i "$dep" -e normal,build 2>&1); then
      echo "boundary broken: $crate depends on $dep:"; echo "$out"; status=1
    elif ! grep -q "did not match any packages" <<<"$out"; then
      echo "cargo tree failed for $crate:"; echo "$out"; status=1
    fi
  done
}
for crate in priceline-domain priceline-ingest priceline-synth; do
  check "$crate" diesel actix-web
done
check priceline-import actix-web actix-http
[ "$status" = 0 ] && echo "boundaries: priceline-domain, priceline-ingest and priceline-synth depend on neither diesel nor actix-web; priceline-import not on actix"
exit "$status"
