#!/usr/bin/env bash
# CTest entry for the Subsonic client test: a small generated, tagged library, indexed by the real CLI,
# one user added through `soundalike user add` (password on stdin), served on a free port; then
# subsonic.test.mjs speaks to it with the subsonic-api client from npm.
# Usage: run-subsonic-test.sh SOUNDALIKE_BINARY
set -euo pipefail
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -f "$here/node_modules/subsonic-api/package.json" ]; then
  echo "subsonic-api is not installed: run scripts/setup-web-tests.sh" >&2
  exit 1
fi
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$cli" synth --library --out "$work/lib" --artists 3 --albums-per-artist 2 --tracks-per-album 3 --seconds 6 --seed 5 >/dev/null
"$cli" index "$work/lib" --db "$work/lib.db" --features mfcc >/dev/null
printf 'open sesame\n' | "$cli" user add alice --db "$work/lib.db" >/dev/null

"$cli" serve --db "$work/lib.db" --port 0 >"$work/serve.out" 2>"$work/serve.err" &
server=$!
for _ in $(seq 100); do
  grep -q "listening on" "$work/serve.out" 2>/dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/serve.out")
[ -n "$url" ] || { echo "serve did not start" >&2; cat "$work/serve.err" >&2; exit 1; }

"${NODE:-node}" "$here/subsonic.test.mjs" "$url" "$cli" "$work/lib.db" "$work"
