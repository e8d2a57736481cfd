#!/usr/bin/env bash
# How well the library's tempo (aubio, src/features/Descriptors.cpp) matches the tempo a generated corpus
# was written at: indexes CORPUS (made by `soundalike synth`, whose manifest.csv holds each clip's tempo)
# into a temporary library and prints, per genre and overall, how many songs got a BPM, how many of those
# are within 4 % of the truth, and how many more are off by an octave (x2 or /2).
# Usage: bench/tempo-accuracy.sh [BUILD_DIR] CORPUS
set -euo pipefail
build=${1:-build}
corpus=${2:?usage: bench/tempo-accuracy.sh [BUILD_DIR] CORPUS}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$build/soundalike" index "$corpus" --db "$work/lib.db" --features mfcc >/dev/null
sqlite3 -csv "$work/lib.db" "SELECT path, COALESCE(bpm, 0) FROM tracks WHERE error IS NULL" >"$work/bpm.csv"
awk -F, -v corpus="$(cd "$corpus" && pwd)" '
  FNR == NR { if (FNR > 1) truth[corpus "/" $1] = $3; next }
  {
    path = $1; gsub(/"/, "", path); bpm = $2 + 0; t = truth[path]; n = split(path, part, "/"); g = part[n - 1]
    songs[g]++; all++
    if (bpm <= 0) next
    got[g]++; gotall++
    if (bpm >= t * 0.96 && bpm <= t * 1.04) { exact[g]++; exactall++ }
    else if ((bpm * 2 >= t * 0.96 && bpm * 2 <= t * 1.04) || (bpm / 2 >= t * 0.96 && bpm / 2 <= t * 1.04)) { oct[g]++; octall++ }
  }
  END {
    printf "%-10s %6s %9s %12s %7s\n", "genre", "songs", "with BPM", "within 4 %", "octave"
    for (g in songs) printf "%-10s %6d %9d %12d %7d\n", g, songs[g], got[g], exact[g], oct[g]
    printf "%-10s %6d %9d %12d %7d   (%.0f %% reported, %.0f %% of those exact)\n", "all", all, gotall, exactall, octall,
           100 * gotall / all, gotall ? 100 * exactall / gotall : 0
  }' "$corpus/manifest.csv" "$work/bpm.csv"
