#!/usr/bin/env bash
# CTest entry for the browser test: a small generated, tagged library, indexed and served by the real
# CLI on a free port; then ui.test.mjs drives chromium against it. The screenshot is kept as an artifact.
# Usage: run-ui-test.sh SOUNDALIKE_BINARY ARTIFACT_DIR
set -euo pipefail
cli=$1
artifacts=$2
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  echo "playwright-core is not installed: run scripts/setup-web-tests.sh" >&2
  exit 1
fi
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$artifacts"

"$cli" synth --library --out "$work/lib" --artists 4 --albums-per-artist 1 --tracks-per-album 3 --seconds 8 --seed 7 >/dev/null
"$cli" synth --out "$work/upload" --genres rock --per-genre 1 --seconds 8 --seed 99 >/dev/null
"$cli" index "$work/lib" --db "$work/lib.db" --features mfcc >/dev/null

"$cli" serve --db "$work/lib.db" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/serve.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/serve.out")
[ -n "$url" ] || { echo "serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

upload=$(find "$work/upload" -name '*.wav' | head -1)
"${NODE:-node}" "$here/ui.test.mjs" "$url/" "$upload" "$artifacts/ui.png"
echo "screenshot: $artifacts/ui.png"
