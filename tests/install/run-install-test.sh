#!/usr/bin/env bash
# CTest entry for the install rules: installs the build into a temporary prefix, generates a song with
# the installed binary, and embeds it with the default model, which that binary must find under its own
# prefix (share/soundalike/models). Removing the installed model must then make `embed` fail: so the
# model used was the installed one, not the source tree's.
# Usage: run-install-test.sh CMAKE_COMMAND BUILD_DIR
set -euo pipefail
cmake_command=$1
build=$2
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
unset SOUNDALIKE_MODEL

"$cmake_command" --install "$build" --prefix "$prefix" >/dev/null
bin=$prefix/bin/soundalike
model=$prefix/share/soundalike/models/default.model
[ -x "$bin" ] || { echo "not installed: $bin" >&2; exit 1; }
[ -f "$model" ] || { echo "not installed: $model" >&2; exit 1; }

"$bin" synth --out "$prefix/songs" --genres rock --per-genre 1 --seconds 6 --seed 3 >/dev/null
wav=$(find "$prefix/songs" -name '*.wav' | head -1)
[ -n "$wav" ] || { echo "synth wrote no WAV under $prefix/songs" >&2; exit 1; }

out=$("$bin" embed --threads 1 "$wav")
tabs=$(printf '%s' "$out" | tr -cd '\t' | wc -c)
case "$out" in
  "$wav"$'\t'*) ;;
  *) echo "embed printed no row for $wav: $out" >&2; exit 1 ;;
esac
[ "$tabs" -ge 16 ] || { echo "embedding of only $tabs values: $out" >&2; exit 1; }
echo "installed embed: $tabs values with $model"

rm "$model"
if err=$("$bin" embed --threads 1 "$wav" 2>&1 >/dev/null); then
  echo "embed still worked without the installed model: it found another one" >&2
  exit 1
fi
case "$err" in
  *"no default model"*) echo "without it: $err" ;;
  *) echo "unexpected failure without the installed model: $err" >&2; exit 1 ;;
esac
