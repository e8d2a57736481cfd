#!/usr/bin/env bash
# CTest entry for the Subsonic client test: a small generated, tagged library, indexed by the real CLI,
# one user added through `soundalike user add` (password on stdin), served on a free port; then
# subsonic.test.mjs speaks to it with the subsonic-api client from npm.
# Usage: run-subsonic-test.sh SOUNDALIKE_BINARY
set -euo pipefail
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve-harness.sh"
require_node_package subsonic-api

"$cli" synth --library --out "$work/lib" --artists 3 --albums-per-artist 2 --tracks-per-album 3 --seconds 6 --seed 5 >/dev/null
"$cli" index "$work/lib" --db "$work/lib.db" --features mfcc >/dev/null
printf 'open sesame\n' | "$cli" user add alice --db "$work/lib.db" >/dev/null

start_serve "$work/lib.db"
"${NODE:-node}" "$here/subsonic.test.mjs" "$url" "$cli" "$work/lib.db" "$work"
