#!/usr/bin/env bash
# Fetches the freely licensed game soundtracks that soundalike may train and evaluate on
# (../shared/music-sources.md lists them; no other package may be used) and lays them out as a
# folder-per-package tree of OGG files:  OUT/<package>/<track>.ogg  plus OUT/<package>/copyright.
# Usage: scripts/fetch-music.sh [OUT]   (default ${SOUNDALIKE_DATA:-/var/tmp/soundalike}/music)
# Idempotent: a package whose folder is complete is skipped. Needs apt-get (Debian's archive), unzip and
# ffmpeg/ffprobe. Only tracks of at least 40 s are kept (the shorter files are jingles and sound effects);
# tracker modules and WAV files are encoded to Vorbis so that every package is OGG.
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
  "naev-data|usr/share/naev/dat/snd/music"
  "pingus-data|usr/share/games/pingus/data/music"
  "tecnoballz-data|usr/share/games/tecnoballz/musics"
  "ardentryst|usr/share/games/ardentryst/Music"
  "adonthell-data|usr/share/games/adonthell/games/wastesedge/audio"
  "noiz2sa-data|usr/share/games/noiz2sa/sounds"
  "holotz-castle-data|usr/share/games/holotz-castle/game/sound"
  "gunroar-data|usr/share/games/gunroar/sounds/musics"
  "mu-cade-data|usr/share/games/mu-cade/sounds/musics"
  "parsec47-data|usr/share/games/parsec47/sounds"
  "torus-trooper-data|usr/share/games/torus-trooper/sounds/musics"
  "titanion-data|usr/share/games/titanion/sounds/musics"
  "frozen-bubble-data|usr/share/games/frozen-bubble/snd"
  "powermanga-data|usr/share/games/powermanga/sound"
  "solarwolf|usr/share/games/solarwolf/data/music"
)
# Music is a track of at least this many seconds; shorter files in these folders are jingles and effects.
MIN_SECONDS=40

# Keeps FILE as DEST_DIR/NAME.ogg when it is long enough: OGG files are copied as they are, modules
# (.it .mod .xm) and WAV are encoded to Vorbis once, so every package is one plain format.
keep_track() {
  local file=$1 dest=$2 name=$3 seconds
  seconds=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$file" </dev/null 2>/dev/null | cut -d. -f1)
  if [ -z "$seconds" ] || [ "$seconds" = N/A ] || [ "$seconds" -lt "$MIN_SECONDS" ]; then return 0; fi
  case "${file,,}" in
    *.ogg) cp "$file" "$dest/$name.ogg" ;;
    *) ffmpeg -nostdin -v error -y -i "$file" -ac 2 -ar 44100 -c:a libvorbis -q:a 5 "$dest/$name.ogg" ;;
  esac
}

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
      find "$WORK/$pkg/zip/audio/music" -name '*.ogg' | while read -r f; do
        keep_track "$f" "$dest" "$(basename "$f" .ogg)"; done ;;
    megaglest-data)
      find "$root/$where" -path '*/music/*' -name '*.ogg' | while read -r f; do
        keep_track "$f" "$dest" "$(basename "$(dirname "$(dirname "$f")")")-$(basename "$f" .ogg)"; done ;;
    fretsonfire-songs-*)
      # Only song.ogg is the mix; the other files of a song folder are its stems.
      find "$root/$where" -name song.ogg | while read -r f; do keep_track "$f" "$dest" "$(basename "$(dirname "$f")")"; done ;;
    *)
      find "$root/$where" -type f \( -iname '*.ogg' -o -iname '*.it' -o -iname '*.mod' -o -iname '*.xm' -o -iname '*.wav' \) |
        while read -r f; do b=$(basename "$f"); keep_track "$f" "$dest" "${b%.*}"; done ;;
  esac
  rm -rf "$WORK/$pkg" "$WORK/${pkg}"_*.deb
  n=$(find "$dest" -name '*.ogg' | wc -l)
  echo "fetch-music: $pkg: $n tracks" >&2
  touch "$dest/.complete"
done
echo "$OUT"
