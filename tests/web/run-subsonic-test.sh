#!/usr/bin/env bash
# CTest entry for the Subsonic client test: a small generated, tagged library, indexed by the real CLI,
# cover art beside one album and inside one song, one user added through `soundalike user add` (password on stdin), served on a free port; then
# subsonic.test.mjs speaks to it with the subsonic-api client from npm.
# Usage: run-subsonic-test.sh SOUNDALIKE_BINARY
set -euo pipefail
cli=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/serve-harness.sh"
require_node_package subsonic-api

"$cli" synth --library --out "$work/lib" --artists 3 --albums-per-artist 2 --tracks-per-album 3 --seconds 6 --seed 5 >/dev/null
# Cover art (getCoverArt): a cover.jpg in the first album's folder, a picture embedded in the second
# song of the second album (remuxed, the audio untouched); the other albums have none.
albums=$(find "$work/lib" -name '*.flac' -printf '%h\n' | sort -u)
ffmpeg -nostdin -v error -f lavfi -i color=c=red:s=400x300 -frames:v 1 "$(sed -n 1p <<<"$albums")/cover.jpg"
embedded=$(find "$(sed -n 2p <<<"$albums")" -name '*.flac' | sort | sed -n 2p)
ffmpeg -nostdin -v error -f lavfi -i color=c=blue:s=64x64 -frames:v 1 "$work/front.png"
ffmpeg -nostdin -v error -i "$embedded" -i "$work/front.png" -map 0:a -map 1 -c copy -disposition:v attached_pic "$work/remuxed.flac"
mv "$work/remuxed.flac" "$embedded"
"$cli" index "$work/lib" --db "$work/lib.db" --features mfcc >/dev/null
printf 'open sesame\n' | "$cli" user add alice --db "$work/lib.db" >/dev/null

start_serve "$work/lib.db"
"${NODE:-node}" "$here/subsonic.test.mjs" "$url" "$cli" "$work/lib.db" "$work"
