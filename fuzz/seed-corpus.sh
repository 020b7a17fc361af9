#!/usr/bin/env bash
# Fills fuzz/corpus/validate with the examples, the seed fixture and the broken-file corpus, as
# the fuzz target reads them: files joined by the ASCII record separator (0x1e), `main.tf` first,
# then `backend.hcl`. The corpus is not committed (git-ignored); run this before fuzzing.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus/validate
mkdir -p "$corpus"
separator=$'\x1e'
pair() { # main file, backend file, output name
  { cat "$1"; printf '%s' "$separator"; cat "$2"; } > "$corpus/$3"
}
pair examples/sakk-simple/main.tf examples/sakk-simple/backend.hcl sakk-simple
pair tests/fixtures/seed-as-printed/main.tf tests/fixtures/seed-as-printed/backend.hcl seed-as-printed
cp examples/native-simple/cluster.hcl "$corpus/native-simple"
cp crates/sakk-cli/src/example.hcl "$corpus/demo"
for file in tests/broken/*; do
  cp "$file" "$corpus/broken-$(basename "$file")"
done
# A fleet: two native clusters in one run.
{ cat examples/native-simple/cluster.hcl; printf "%s" "$separator"; cat crates/sakk-cli/src/example.hcl; } > "$corpus/fleet"
echo "seed corpus: $(ls "$corpus" | wc -l) files in $corpus"
