#!/usr/bin/env bash
# Load benchmark of `soundalike serve` (docs/benchmarks.md, "Web server"): a generated library of
# ARTISTS x 10 albums x 10 tracks (default 100 artists = 10,000 songs of 3 s, tagged FLAC), indexed once,
# served on loopback; then 60 s of similar-by-id at 50 clients and 30 s each of 30 s-clip uploads at 1 and 2 clients
# (bench/bench_serve.cpp), and the server's peak RSS.
# Usage: bench/serve-load.sh [BUILD_DIR] [WORK_DIR] [ARTISTS] [FEATURES_ARGS...]
set -euo pipefail
build=${1:-build}
work=${2:-/var/tmp/soundalike/serve-load}
artists=${3:-100}
shift $(( $# > 3 ? 3 : $# )) || true
features=("$@")
[ ${#features[@]} -gt 0 ] || features=(--features mfcc)
cli=$build/soundalike
mkdir -p "$work"
tag=$(echo "${features[*]}" | tr -c 'A-Za-z0-9' '_')
db=$work/lib-$artists-$tag.db
if [ ! -d "$work/lib-$artists" ]; then
  "$cli" synth --library --out "$work/lib-$artists" --artists "$artists" --albums-per-artist 10 --tracks-per-album 10 --seconds 3 --seed 1
fi
"$cli" index "$work/lib-$artists" --db "$db" "${features[@]}"
[ -f "$work/clip/rock/rock.00000.wav" ] || "$cli" synth --out "$work/clip" --genres rock --per-genre 1 --seconds 30 --seed 5 >/dev/null
tracks=$("$cli" stats --db "$db" | sed -n 's/^tracks[^0-9]*\([0-9]*\).*/\1/p' | head -1)

"$cli" serve --db "$db" --port 0 "${features[@]}" >"$work/serve.out" 2>"$work/serve.err" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 300); do grep -q listening "$work/serve.out" && break; sleep 0.1; done
port=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$work/serve.out")
echo "library: $tracks tracks ($db), server pid $server on port $port"
"$build/bench/bench_serve" "$port" similar 50 60 "$tracks"
"$build/bench/bench_serve" "$port" upload 1 30 "$work/clip/rock/rock.00000.wav"
"$build/bench/bench_serve" "$port" upload 2 30 "$work/clip/rock/rock.00000.wav"
grep VmHWM "/proc/$server/status"
