#!/usr/bin/env bash
# CTest entry for the browser test: a small generated, tagged library, indexed and served by the real
# CLI on a free port; then ui.test.mjs drives chromium against it. The screenshot is kept as an artifact.
# Usage: run-ui-test.sh SOUNDALIKE_BINARY ARTIFACT_DIR
set -euo pipefail
cli=$1
artifacts=$2
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve-harness.sh"
require_node_package playwright-core
mkdir -p "$artifacts"

"$cli" synth --library --out "$work/lib" --artists 4 --albums-per-artist 1 --tracks-per-album 3 --seconds 8 --seed 7 >/dev/null
"$cli" synth --out "$work/upload" --genres rock --per-genre 1 --seconds 8 --seed 99 >/dev/null
"$cli" index "$work/lib" --db "$work/lib.db" --features mfcc >/dev/null

start_serve "$work/lib.db"
upload=$(find "$work/upload" -name '*.wav' | head -1)
"${NODE:-node}" "$here/ui.test.mjs" "$url/" "$upload" "$artifacts/ui.png"
echo "screenshot: $artifacts/ui.png"
