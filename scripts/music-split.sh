#!/usr/bin/env bash
# The one split of the permitted soundtrack packages (../shared/music-sources.md) that every recipe and
# benchmark uses, by whole packages (a package is one composer or team, so a split inside one would leak):
#   heldout/   never trained, tuned or selected on; scored once for the figures in docs/
#   validate/  checkpoint and recipe selection (pretraining scores it after every epoch)
#   train/     everything else
# The held-out list was fixed before any tuning of the issue-14 recipe (7 packages, about 85 tracks).
# Usage: scripts/music-split.sh [DATA]   (default ${SOUNDALIKE_DATA:-/var/tmp/soundalike}); fetches first.
# Prints DATA/split. Folders hold links to DATA/music/<package>.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DATA=${1:-${SOUNDALIKE_DATA:-/var/tmp/soundalike}}
HELDOUT_PKGS="freedroidrpg-data flare-game warmux-data extremetuxracer-data pingus-data ardentryst adonthell-data"
VALIDATION_PKGS="redeclipse-data megaglest-data openclonk-data xmoto-data tecnoballz-data noiz2sa-data gunroar-data mu-cade-data"

"$ROOT/scripts/fetch-music.sh" "$DATA/music" >/dev/null
SPLIT="$DATA/split"
rm -rf "$SPLIT"
mkdir -p "$SPLIT/heldout" "$SPLIT/validate" "$SPLIT/train"
for dir in "$DATA"/music/*/; do
  pkg=$(basename "$dir")
  part=train
  case " $HELDOUT_PKGS " in *" $pkg "*) part=heldout ;; esac
  case " $VALIDATION_PKGS " in *" $pkg "*) part=validate ;; esac
  ln -sfn "../../music/$pkg" "$SPLIT/$part/$pkg"
done
echo "$SPLIT"
