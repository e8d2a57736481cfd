#!/usr/bin/env bash
# The README's first command: the paper's section 4 experiment on material soundalike makes itself.
# Installs, builds, generates a labeled ten-genre corpus and a separate tagged library, trains `compact`
# on the corpus as the paper does, indexes the library with its embedding, and prints the ten songs
# closest to one query with their distances.
# Re-running is fast: the build is incremental and everything generated is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SOUNDALIKE_BUILD_DIR:-$ROOT/build}
OUT=${SOUNDALIKE_DEMO_DIR:-$ROOT/demo}
start=$(date +%s)
step() { echo; echo "== [$(( $(date +%s) - start )) s] $*"; }

step "installing dependencies (scripts/setup-deps.sh)"
scripts/setup-deps.sh
step "building soundalike"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target soundalike
SA="$BUILD/soundalike"
mkdir -p "$OUT"

# Generation is deterministic, so a finished folder (marked by its manifest) is simply reused.
step "a labeled corpus: 10 genres x 40 clips of 30 s, GTZAN's layout ($OUT/corpus)"
[ -f "$OUT/corpus/manifest.csv" ] || "$SA" synth --out "$OUT/corpus" --per-genre 40 --seconds 30 --seed 1
step "an unlabeled, tagged library: 12 artists x 2 albums x 5 songs of 30 s ($OUT/library)"
[ -f "$OUT/library/manifest.csv" ] || "$SA" synth --library --out "$OUT/library" --artists 12 --albums-per-artist 2 \
  --tracks-per-album 5 --seconds 30 --seed 2

# The paper's experiment trains its own genre classifier; the shipped models/default.model was trained
# on real soundtracks and knows the generated genres less well (docs/model-card.md).
MODEL="$OUT/genre.model"
step "training the compact CNN as a genre classifier on the corpus ($MODEL)"
[ -f "$MODEL" ] || "$SA" train "$OUT/corpus" --out "$MODEL" --backbone compact --cache "$OUT/cache" --epochs 30

step "indexing the library with the model's embedding ($OUT/library.db)"
"$SA" index "$OUT/library" --db "$OUT/library.db" --model "$MODEL"

QUERY=$(find "$OUT/library" -name '*.flac' | sort | head -1)
step "the ten songs closest to: $QUERY"
"$SA" similar "$QUERY" --db "$OUT/library.db" --model "$MODEL" -k 10

step "done. Next:"
cat <<NEXT
  $SA similar SONG --db $OUT/library.db --model $MODEL --m3u playlist.m3u
  $SA map --db $OUT/library.db --model $MODEL -o map.png
  $SA serve --db $OUT/library.db --model $MODEL      # then open http://127.0.0.1:8080
NEXT
