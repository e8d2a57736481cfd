#!/usr/bin/env bash
# Fetches the freely licensed game soundtracks that soundalike may train and evaluate on
# (../shared/music-sources.md lists them; no other package may be used) and lays them out as a
# folder-per-package tree of OGG files:  OUT/<package>/<track>.ogg  plus OUT/<package>/copyright.
# Usage: scripts/fetch-music.sh [OUT]   (default ${SOUNDALIKE_DATA:-/var/tmp/soundalike}/music)
# Idempotent: a package whose folder is complete is skipped. Needs apt-get (Debian's archive) and unzip.
set -euo pipefail
OUT=${1:-${SOUNDALIKE_DATA:-/var/tmp/soundalike}/music}
WORK=${SOUNDALIKE_DATA:-/var/tmp/soundalike}/debs
mkdir -p "$OUT" "$WORK"
command -v unzip >/dev/null || apt-get install -y --no-install-recommends unzip >/dev/null

# package | find expression (relative to the unpacked tree) selecting the music files
PACKAGES=(
  "supertux-data|usr/share/games/supertux2/music"
  "supertuxkart-data|usr/share/games/supertuxkart/data/music"
  "widelands-data|usr/share/games/widelands/data/music"
  "hedgewars-data|usr/share/games/hedgewars/Data/Music"
  "freedroidrpg-data|usr/share/freedroidrpg/data/sound/music"
  "redeclipse-data|usr/share/games/redeclipse/data/sounds/music"
  "extremetuxracer-data|usr/share/games/etr/music"
  "megaglest-data|usr/share/games/megaglest"
  "xmoto-data|usr/share/games/xmoto/Textures/Musics"
  "lincity-ng-data|usr/share/games/lincity-ng/music/default"
  "scorched3d-data|usr/share/games/scorched3d/data/globalmods/none/data/music"
  "0ad-data|usr/share/games/0ad/mods/public/public.zip"
  "warmux-data|usr/share/games/warmux/music"
  "flare-game|usr/share/games/flare/mods/fantasycore/music"
  "openclonk-data|usr/share/games/openclonk/Music.ocg"
  "fretsonfire-songs-sectoid|usr/share/games/fretsonfire/data/songs/sectoid"
  "fretsonfire-songs-muldjord|usr/share/games/fretsonfire/data/songs/muldjord"
  "freedink-data|usr/share/games/dink/dink/Sound"
)

for entry in "${PACKAGES[@]}"; do
  pkg=${entry%%|*}
  where=${entry#*|}
  dest="$OUT/$pkg"
  if [ -f "$dest/.complete" ]; then continue; fi
  echo "fetch-music: $pkg" >&2
  rm -rf "$dest" "$WORK/$pkg"
  mkdir -p "$dest" "$WORK/$pkg"
  (cd "$WORK" && rm -f "${pkg}"_*.deb && apt-get download "$pkg" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download "$pkg" >/dev/null; })
  dpkg -x "$WORK/${pkg}"_*.deb "$WORK/$pkg/root"
  root="$WORK/$pkg/root"
  cp "$root/usr/share/doc/$pkg/copyright" "$dest/copyright" 2>/dev/null || true
  case "$pkg" in
    0ad-data)
      unzip -q -o "$root/$where" 'audio/music/*.ogg' -d "$WORK/$pkg/zip"
      find "$WORK/$pkg/zip/audio/music" -name '*.ogg' -exec cp {} "$dest/" \; ;;
    megaglest-data)
      find "$root/$where" -path '*/music/*' -name '*.ogg' | while read -r f; do
        cp "$f" "$dest/$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f")"; done ;;
    fretsonfire-songs-*)
      find "$root/$where" -name song.ogg | while read -r f; do cp "$f" "$dest/$(basename "$(dirname "$f")").ogg"; done ;;
    freedink-data)
      # Only the long pieces are music; the short ones are sound effects.
      find "$root/$where" -iname '*.ogg' -size +300k -exec cp {} "$dest/" \; ;;
    *)
      find "$root/$where" -iname '*.ogg' -exec cp {} "$dest/" \; ;;
  esac
  rm -rf "$WORK/$pkg" "$WORK/${pkg}"_*.deb
  n=$(find "$dest" -name '*.ogg' | wc -l)
  echo "fetch-music: $pkg: $n tracks" >&2
  touch "$dest/.complete"
done
echo "$OUT"
