#!/usr/bin/env bash
# The README's first command: install, build, and run soundalike's main job on built-in material.
# Re-running is fast: the build is incremental and generated material is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${SOUNDALIKE_BUILD_DIR:-$ROOT/build}
OUT=${SOUNDALIKE_DEMO_DIR:-$ROOT/demo}

echo "== installing dependencies (scripts/setup-deps.sh)"
scripts/setup-deps.sh
echo "== building"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target soundalike
SA="$BUILD/soundalike"
mkdir -p "$OUT"

echo "== a test tone, made with ffmpeg"
[ -f "$OUT/tone.mp3" ] || ffmpeg -nostdin -v error -y -f lavfi -i "sine=frequency=440:duration=6" \
  -f lavfi -i "sine=frequency=660:duration=6" -filter_complex amix=inputs=2 \
  -metadata title="Demo tone" -metadata artist="soundalike" "$OUT/tone.mp3"
echo "== soundalike info"
"$SA" info "$OUT/tone.mp3"
echo "== soundalike spectrogram"
"$SA" spectrogram "$OUT/tone.mp3" -o "$OUT/tone.png"
echo "The spectrogram is at $OUT/tone.png"
