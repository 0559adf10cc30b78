#!/usr/bin/env bash
# The architecture in the crate graph: the domain and ingest crates know neither Diesel nor actix.
# `cargo tree -i X` fails with "did not match any packages" exactly when X is not in the crate's graph.
set -euo pipefail
status=0
for crate in priceline-domain priceline-ingest priceline-synth; do
  for dep in diesel actix-web; do
    if out=$(cargo tree -p "$crate" -i "$dep" -e normal,build 2>&1); then
      echo "boundary broken: $crate depends on $dep:"; echo "$out"; status=1
    elif ! grep -q "did not match any packages" <<<"$out"; then
      echo "cargo tree failed for $crate:"; echo "$out"; status=1
    fi
  done
done
[ "$status" = 0 ] && echo "boundaries: priceline-domain, priceline-ingest and priceline-synth depend on neither diesel nor actix-web"
exit "$status"
